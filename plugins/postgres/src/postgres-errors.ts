import { errors, isOrreryError } from '@orrery/core';

/**
 * How driver failures map onto Orrery's error taxonomy. Only failures that say something about
 * the service (unreachable, restarting, overloaded, too slow) or about a bound value are
 * translated; unique violations stay raw so the stores can turn them into their own
 * RESOURCE_ALREADY_EXISTS messages (`SqlExecutor.isUniqueViolation`), and anything else stays an
 * internal error.
 */

/** Network-level error codes from Node's socket layer. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** Messages node-postgres raises without a code when a connection dies or cannot be made. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Query read timeout',
  'Client was closed and is not queryable',
  'Connection ended',
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when the connection the error came from is gone (the pool must discard it). */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) {
    if (SOCKET_CODES.has(code)) return true;
    // Class 08: connection exception; 57P01-57P03: admin/crash shutdown, cannot connect now.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  const message = messageOf(error);
  return CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/** Deadlock or serialization failure: PostgreSQL rolled the transaction back and it may be retried. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40P01' || code === '40001';
}

/** A unique or primary-key violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return codeOf(error) === '23505';
}

/**
 * Translates a driver error; returns OrreryErrors and untranslatable errors unchanged. The message
 * never includes the connection string.
 */
export function translatePostgresError(error: unknown): unknown {
  if (isOrreryError(error)) return error;
  const code = codeOf(error);
  const message = messageOf(error);
  if (isConnectionError(error)) {
    return errors.unavailable(`PostgreSQL is unreachable or restarting (${code ?? 'connection lost'}): ${message}. Retry later.`, error);
  }
  if (code === '53300' || code === '53400') {
    return errors.unavailable(`PostgreSQL refused the connection (${code}): ${message}. Retry later, or lower pool_size.`, error);
  }
  if (code === '57014') {
    return errors.unavailable(`The query was cancelled by PostgreSQL (statement_timeout or a cancel request): ${message}. Retry later.`, error);
  }
  if (isRetryableTransactionError(error)) {
    return errors.unavailable(`The write conflicted with concurrent writes (${code}) and was rolled back: ${message}. Retry it.`, error);
  }
  if (code === '22P02' || code === '22003' || code === '22001' || code === '22007' || code === '22008') {
    return errors.invalidParameter(`Invalid value for the database (${code}): ${message}.`);
  }
  // 22021: a byte sequence invalid in the database encoding (a NUL byte in text);
  // 22P05: a character the encoding cannot represent (`\u0000` in jsonb). Core refuses NUL in every
  // field it knows; this keeps any path it misses a 400 instead of a 500.
  if (code === '22021' || code === '22P05') {
    return errors.invalidParameter(
      `Invalid text value (${code}): it holds a character PostgreSQL cannot store, such as NUL (\\u0000): ${message}. Remove it.`,
    );
  }
  return error;
}
