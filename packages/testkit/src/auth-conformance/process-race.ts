import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { AuthStore } from '@orrery/core';
import { RACE_WINDOW_MS, raceOnce, type RaceOutcome } from './auth-race.js';

const run = promisify(execFile);

/** The built worker (the same relative place from `src/` and `dist/`). */
const WORKER = fileURLToPath(new URL('../../dist/auth-conformance/auth-race-worker.js', import.meta.url));

export interface ProcessRaceOptions {
  /** Absolute path of a built module exporting the opener (e.g. the plugin's `dist/index.js`). */
  modulePath: string;
  /** The opener's export name, e.g. `openSqliteAuthStore`; called with `uri`. */
  exportName: string;
  /** The store every process opens. */
  uri: string;
  /** This process's own store on `uri`, racing alongside the children. */
  store: AuthStore;
  /** Child processes besides this one; default 2. */
  processes?: number;
}

const NAMES = Array.from({ length: 6 }, (_, i) => `process-racer-${i}`);
const FAILURES_PER_PROCESS = 10;

/**
 * Several OS processes (children started from the built worker, plus this one) open one auth
 * store and, at one agreed moment, all create the same users and record failed logins of one key.
 * Asserts what server workers rely on: each user is created by exactly one process, every other
 * attempt gets RESOURCE_ALREADY_EXISTS, and the failure counts returned across all processes are
 * exactly 1..N (no failure lost or counted twice).
 */
export async function expectAuthStoreHoldsAcrossProcesses(options: ProcessRaceOptions): Promise<void> {
  const children = options.processes ?? 2;
  const key = 'user:process-racer';
  const now = Date.now();
  // Late enough for every child to have started and opened its store.
  const startAt = now + 3000;
  const args = [WORKER, options.modulePath, options.exportName, options.uri, String(startAt), JSON.stringify(NAMES), String(FAILURES_PER_PROCESS), key, String(now)];
  const local = raceOnce(options.store, { startAt, names: NAMES, failures: FAILURES_PER_PROCESS, key, now });
  const remote = Array.from({ length: children }, async () => {
    const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
    return JSON.parse(stdout.trim()) as RaceOutcome;
  });
  const outcomes = await Promise.all([local, ...remote]);

  for (const name of NAMES) {
    const results = outcomes.map((o) => o.created[name]);
    expect(results.filter((r) => r === 'created'), `creators of ${name}: ${JSON.stringify(results)}`).toHaveLength(1);
    expect(results.filter((r) => r !== 'created')).toEqual(Array.from({ length: children }, () => 'RESOURCE_ALREADY_EXISTS'));
    expect((await options.store.findUser(name))?.username).toBe(name);
  }
  const total = (children + 1) * FAILURES_PER_PROCESS;
  expect(outcomes.flatMap((o) => o.counts).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  expect(await options.store.countLoginFailures(key, now, RACE_WINDOW_MS)).toBe(total);
}
