import { OrreryError, isOrreryError, redactUri } from '@orrery/core';

/** Socket-level failures: the service went away or never answered. A retry may succeed. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'REQUEST_SEND_ERROR',
  'PARSE_ERROR',
]);

interface AzureLikeError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  details?: { errorCode?: string };
}

function asAzureError(error: unknown): AzureLikeError {
  return typeof error === 'object' && error !== null ? (error as AzureLikeError) : { message: String(error) };
}

/** The service's error code (`BlobNotFound`, `AuthenticationFailed`, ...) or the socket error code. */
export function azureErrorCode(error: unknown): string | undefined {
  const e = asAzureError(error);
  return e.details?.errorCode ?? e.code;
}

/** Whether the blob service answered 404 (blob or container missing). */
export function isNotFound(error: unknown): boolean {
  return asAzureError(error).statusCode === 404;
}

/** Whether an operation failed in a way that trying it again may fix (network, 5xx, throttling, timeouts). */
export function isTransient(error: unknown): boolean {
  if (isOrreryError(error)) return error.code === 'TEMPORARILY_UNAVAILABLE';
  const e = asAzureError(error);
  if (e.statusCode !== undefined && e.statusCode !== 0) return e.statusCode >= 500 || e.statusCode === 408 || e.statusCode === 429;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  return e.code !== undefined && NETWORK_ERROR_CODES.has(e.code);
}

/** Removes every known secret (and anything URI-shaped that carries credentials) from a text. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('***');
  }
  // Request URLs in SDK messages may carry a SAS (`sig=`) or a `AccountKey=` fragment.
  return scrubbed.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (uri) => redactUri(uri)).replace(/(AccountKey=|SharedAccessSignature=)[^;\s]*/gi, '$1***');
}

/**
 * Turns an SDK or network error into an OrreryError: 404 → RESOURCE_DOES_NOT_EXIST, 401 →
 * UNAUTHENTICATED, 403 → PERMISSION_DENIED, network failures / 5xx / throttling →
 * TEMPORARILY_UNAVAILABLE, anything else → INTERNAL_ERROR. The message names the operation and
 * what it was on; the SDK's text is included only after scrubbing secrets, and the raw error is
 * not attached (its request object holds headers and URLs).
 */
export function translateAzureError(error: unknown, what: string, secrets: readonly string[]): OrreryError {
  if (isOrreryError(error)) return error;
  const e = asAzureError(error);
  const code = azureErrorCode(error);
  const firstLine = ((e.message ?? '').split('\n')[0] ?? '').replace(/\.\s*$/, '');
  const detail = scrubSecrets([code, e.statusCode ? `HTTP ${e.statusCode}` : undefined, firstLine].filter(Boolean).join(', '), secrets);
  const message = `Azure Blob Storage: ${what} failed${detail === '' ? '' : ` (${detail})`}.`;
  if (e.statusCode === 404) return new OrreryError('RESOURCE_DOES_NOT_EXIST', message);
  if (e.statusCode === 401) return new OrreryError('UNAUTHENTICATED', message);
  if (e.statusCode === 403) {
    // A wrong key shows up as 403 AuthenticationFailed (Azurite: AuthorizationFailure, "failed to authenticate").
    const authentication = code === 'AuthenticationFailed' || /failed to authenticate/i.test(firstLine);
    return new OrreryError(authentication ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED', message);
  }
  if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError' || e.name === 'AuthenticationError') {
    return new OrreryError(
      'UNAUTHENTICATED',
      `${message} Set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCESS_KEY, or configure a credential DefaultAzureCredential can find.`,
    );
  }
  if (isTransient(error)) return new OrreryError('TEMPORARILY_UNAVAILABLE', message);
  return new OrreryError('INTERNAL_ERROR', message);
}
