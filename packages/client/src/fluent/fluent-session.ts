import { createLogger, type Logger, resolveTrackingUri } from '@orrery/core';
import { MetricBuffer } from '../metric-buffer.js';
import { OrreryClient, type OrreryClientOptions } from '../orrery-client.js';
import type { RunContextSource } from '../context/run-context-tags.js';

/** Options the fluent API uses when it opens its client (everything but the URI). */
export type FluentClientOptions = Omit<OrreryClientOptions, 'trackingUri'>;

/**
 * One open client of the fluent API, with its metric buffer. A session stays open while runs
 * started through it are active, even after the tracking URI changed.
 */
export interface FluentSession {
  readonly uri: string;
  readonly client: OrreryClient;
  readonly buffer: MetricBuffer;
  readonly logger: Logger;
  /** Runs started through this session that are still on the run stack. */
  activeRuns: number;
  /** Replaced by a newer session: closed once `activeRuns` drops to 0. */
  retired: boolean;
  /** The registry's run-context providers, loaded once. */
  contextSources(): Promise<RunContextSource[]>;
}

let configuredUri: string | undefined;
let clientOptions: FluentClientOptions = {};
let optionsVersion = 0;
let current: { key: string; session: Promise<FluentSession> } | null = null;
let defaultLogger: Logger | undefined;

export function fluentLogger(): Logger {
  return clientOptions.logger ?? (defaultLogger ??= createLogger({ name: 'orrery-client' }));
}

export function setConfiguredUri(uri: string | undefined): void {
  configuredUri = uri;
}

export function resolvedUri(): string {
  return resolveTrackingUri({ configured: configuredUri });
}

export function setFluentClientOptions(options: FluentClientOptions): void {
  clientOptions = { ...options };
  optionsVersion += 1;
}

async function openSession(uri: string): Promise<FluentSession> {
  const client = await OrreryClient.create({ ...clientOptions, trackingUri: uri });
  const logger = fluentLogger();
  const buffer = new MetricBuffer({ sink: client.store, logger });
  let sources: Promise<RunContextSource[]> | undefined;
  return {
    uri,
    client,
    buffer,
    logger,
    activeRuns: 0,
    retired: false,
    contextSources: () => (sources ??= client.registry.runContextProviders()),
  };
}

/** Flushes and closes a session; the flush error (if any) wins over a close error. */
export async function closeSession(session: FluentSession): Promise<void> {
  let failure: unknown;
  try {
    await session.buffer.close();
  } catch (error) {
    failure = error;
  }
  try {
    await session.client.close();
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) throw failure;
}

/**
 * The session for the current tracking URI and options, opened on first use. When either
 * changed, the previous session is closed (or retired until its active runs end) first; an error
 * flushing it is thrown once, after the new session is open.
 */
export async function getSession(): Promise<FluentSession> {
  const uri = resolvedUri();
  const key = `${optionsVersion}\n${uri}`;
  if (current !== null && current.key === key) return current.session;
  const previous = current?.session;
  const opening = (async () => {
    let retireError: unknown;
    if (previous !== undefined) {
      try {
        const old = await previous;
        old.retired = true;
        if (old.activeRuns === 0) await closeSession(old);
      } catch (error) {
        retireError = error;
      }
    }
    const session = await openSession(uri);
    return { session, retireError };
  })();
  const sessionPromise = opening.then((o) => o.session);
  current = { key, session: sessionPromise };
  // A session that failed to open is forgotten, so the next call tries again.
  sessionPromise.catch(() => {
    if (current?.session === sessionPromise) current = null;
  });
  const { session, retireError } = await opening;
  if (retireError !== undefined) throw retireError;
  return session;
}

/** Called when a run of `session` leaves the run stack. */
export async function releaseSession(session: FluentSession): Promise<void> {
  session.activeRuns -= 1;
  if (session.retired && session.activeRuns === 0) await closeSession(session);
}

/** Closes the current session and forgets it (the next call opens a new one). */
export async function closeCurrentSession(): Promise<void> {
  const pending = current?.session;
  current = null;
  if (pending === undefined) return;
  let session: FluentSession;
  try {
    session = await pending;
  } catch {
    return; // It never opened: nothing to close.
  }
  if (session.activeRuns === 0) await closeSession(session);
  else session.retired = true;
}
