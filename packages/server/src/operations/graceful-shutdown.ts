/**
 * Graceful shutdown on SIGINT and SIGTERM: stop accepting connections at once, let requests in
 * flight finish (uploads and downloads included), answer new requests on kept-alive connections
 * with 503, close the stores, and exit 0. A second signal, or the grace period running out,
 * exits at once with status 1.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { RunningServer } from '../start-server.js';

/** How long in-flight requests may run after the first signal. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export interface ShutdownOptions {
  graceMs?: number;
  logger?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Ends the process; replaceable for tests. */
  exit?: (code: number) => void;
}

/** Installs the signal handlers for `server`; returns a function removing them. */
export function closeOnSignals(server: Pick<RunningServer, 'close'>, options: ShutdownOptions = {}): () => void {
  const graceMs = options.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.logger;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log?.warn({ signal }, 'second signal: exiting without waiting for requests in flight');
      exit(1);
      return;
    }
    stopping = true;
    log?.info({ signal, graceMs }, 'shutting down: no new connections; waiting for requests in flight');
    setTimeout(() => {
      log?.error({ signal, graceMs }, 'requests still running after the grace period; exiting');
      exit(1);
    }, graceMs).unref();
    server.close().then(
      () => {
        log?.info({ signal }, 'shut down');
        exit(0);
      },
      (error: unknown) => {
        log?.error({ err: error, signal }, 'error while shutting down');
        exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}
