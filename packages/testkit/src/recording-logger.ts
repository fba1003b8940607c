import type { Logger } from '@orrery/core';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: unknown;
  msg?: string;
}

/**
 * A Logger that keeps what it is given, for tests that check what a component logs (a provider
 * skipped with its package name, a failed flush with the count of lost metrics). Children share
 * the parent's records.
 */
export function recordingLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const make = (): Logger & { records: LogRecord[] } => ({
    records,
    debug: (obj, msg) => void records.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => void records.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void records.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void records.push({ level: 'error', obj, msg }),
    child: () => make(),
  });
  return make();
}
