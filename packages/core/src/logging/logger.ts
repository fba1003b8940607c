import { pino } from 'pino';

// Kept importable from here, where it lived before the credential rules got their own module.
export { redactUri } from './uri-redaction.js';

/** The structured logger every component receives. pino-compatible subset. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'password',
  'token',
  'secret',
  'authorization',
  'headers.authorization',
  'connectionString',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.connectionString',
];

/**
 * Creates the process logger. Level from `ORRERY_LOG_LEVEL` (default `warn`, so library use stays
 * quiet); output goes to stderr so CLI output on stdout stays clean.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'orrery',
      level: options.level ?? process.env.ORRERY_LOG_LEVEL ?? 'warn',
      redact: { paths: REDACTED_PATHS, censor: '***' },
    },
    pino.destination(2),
  );
}
