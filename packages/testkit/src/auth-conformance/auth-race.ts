import type { AuthStore } from '@orrery/core';

/** What one racing process saw: per username, `created` or the error code; the counts its failures returned. */
export interface RaceOutcome {
  created: Record<string, string>;
  counts: number[];
}

/** The failure window of the race: long enough that every failure of the race is inside it. */
export const RACE_WINDOW_MS = 600_000;

/**
 * One process's part of the race (the parent's and each worker's): at `startAt`, create every
 * name and record `failures` failed logins of `key` at `now`, all at once.
 */
export async function raceOnce(store: AuthStore, race: { startAt: number; names: readonly string[]; failures: number; key: string; now: number }): Promise<RaceOutcome> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, race.startAt - Date.now())));
  const created = await Promise.all(
    race.names.map((name) =>
      store.createUser(name, `hash-of-${process.pid}`, false).then(
        () => 'created',
        (error: unknown) => String((error as { code?: unknown }).code ?? error),
      ),
    ),
  );
  const counts = await Promise.all(Array.from({ length: race.failures }, () => store.recordLoginFailure(race.key, race.now, RACE_WINDOW_MS)));
  return { created: Object.fromEntries(race.names.map((name, i) => [name, created[i]!])), counts };
}
