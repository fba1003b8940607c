import { createHash } from 'node:crypto';
import { decodePageToken, encodePageToken, errors } from '@orrery/core';
import { APPLY_GUARDED } from './lua/write-scripts.js';
import type { RedisConnection } from './redis-connection.js';

type Arg = string | number;

/** A condition checked inside the atomic step before any command runs. */
export type Guard =
  | { kind: 'heq'; key: string; field: string; expected: string }
  | { kind: 'habsent'; key: string; field: string }
  | { kind: 'exists'; key: string };

/** A list of guards and the commands to run when they all hold. */
export class WriteSet {
  readonly guards: Guard[] = [];
  readonly commands: Arg[][] = [];

  guard(guard: Guard): this {
    this.guards.push(guard);
    return this;
  }

  /** Guards that `field` of hash `key` still reads `value` (absent reads as ''). */
  unchanged(key: string, field: string, value: string | undefined): this {
    return this.guard({ kind: 'heq', key, field, expected: value ?? '' });
  }

  run(...command: Arg[]): this {
    this.commands.push(command);
    return this;
  }
}

export type ApplyOutcome = { ok: true; reply: unknown } | { ok: false; failedGuard: number };

/** Runs a write set atomically (the APPLY_GUARDED script). `failedGuard` is 0-based. */
export async function applyWrites(connection: RedisConnection, writes: WriteSet): Promise<ApplyOutcome> {
  const args: Arg[] = [writes.guards.length];
  for (const guard of writes.guards) {
    switch (guard.kind) {
      case 'heq':
        args.push('heq', guard.key, guard.field, guard.expected);
        break;
      case 'habsent':
        args.push('habsent', guard.key, guard.field, '');
        break;
      case 'exists':
        args.push('exists', guard.key, '', '');
        break;
    }
  }
  args.push(writes.commands.length);
  for (const command of writes.commands) args.push(command.length, ...command);
  const reply = (await connection.script(APPLY_GUARDED, [connection.keys.schema()], args)) as [string, unknown];
  if (reply[0] === 'ok') return { ok: true, reply: reply[1] };
  return { ok: false, failedGuard: Number(reply[1]) - 1 };
}

/** How often an optimistic write is retried when another client changed what it read. */
const MAX_ATTEMPTS = 100;

/**
 * Read-decide-write with retries: `attempt` reads, validates and returns the write set (or a
 * value when there is nothing to write); when a `rev` guard fails because another client wrote in
 * between, it runs again. `onGuard` may turn a failed guard into an error (e.g. a taken name).
 */
export async function writeWithRetry<T>(
  connection: RedisConnection,
  attempt: () => Promise<{ writes: WriteSet; result: T; onGuard?: (index: number) => Error | undefined } | { done: T }>,
): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
    const step = await attempt();
    if ('done' in step) return step.done;
    const outcome = await applyWrites(connection, step.writes);
    if (outcome.ok) return step.result;
    const error = step.onGuard?.(outcome.failedGuard);
    if (error) throw error;
    // Someone else wrote first: back off a little so a crowd of writers spreads out.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * Math.min(50, 2 + i * 2))));
  }
  throw errors.unavailable(`Gave up after ${MAX_ATTEMPTS} attempts: other clients kept changing the same record. Retry later.`);
}

/** A short hash of what a paged query asked, so a token is only used with the query that made it. */
export function queryFingerprint(parts: unknown): string {
  return createHash('sha1').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** Offset paging tokens bound to a query fingerprint. */
export function makeOffsetToken(fingerprint: string, offset: number): string {
  return encodePageToken({ q: fingerprint, o: offset });
}

export function readOffsetToken(token: string | undefined, fingerprint: string): number {
  if (token === undefined || token === null || token === '') return 0;
  const state = decodePageToken(token);
  if (state.q !== fingerprint || typeof state.o !== 'number' || !Number.isSafeInteger(state.o) || state.o < 0) {
    throw errors.invalidParameter(
      `Invalid page token: it was issued for a different query (filter, order_by or view); start again without a page token.`,
    );
  }
  return state.o;
}
