import { describe, expect, it } from 'vitest';
import { expectOrreryError, freshAuthStorePerTest, type AuthStoreConformanceOptions } from './harness.js';

const WINDOW = 60_000;
const T0 = 1_700_000_000_000;

/** Failed-login counts in a sliding window, per key, shared by every instance on one database. */
export function loginFailureConformance(options: AuthStoreConformanceOptions): void {
  describe('login failures', () => {
    const h = freshAuthStorePerTest(options);

    it('counts failures of a key within (now - window, now], each record returning the new count', async () => {
      expect(await h.store.countLoginFailures('user:alice', T0, WINDOW)).toBe(0);
      expect(await h.store.recordLoginFailure('user:alice', T0, WINDOW)).toBe(1);
      expect(await h.store.recordLoginFailure('user:alice', T0 + 1, WINDOW)).toBe(2);
      expect(await h.store.recordLoginFailure('user:alice', T0 + 2, WINDOW)).toBe(3);
      expect(await h.store.countLoginFailures('user:alice', T0 + 2, WINDOW)).toBe(3);
      // The window is open at its old end: a failure exactly one window ago no longer counts.
      expect(await h.store.countLoginFailures('user:alice', T0 + WINDOW, WINDOW)).toBe(2);
      expect(await h.store.countLoginFailures('user:alice', T0 + WINDOW + 2, WINDOW)).toBe(0);
      expect(await h.store.recordLoginFailure('user:alice', T0 + WINDOW + 1, WINDOW)).toBe(2);
    });

    it('keeps keys apart and clears one key only', async () => {
      for (let i = 0; i < 3; i++) await h.store.recordLoginFailure('user:alice', T0 + i, WINDOW);
      await h.store.recordLoginFailure('addr:::1', T0, WINDOW);
      await h.store.recordLoginFailure('user:Zoë', T0, WINDOW);
      expect(await h.store.countLoginFailures('user:bob', T0 + 5, WINDOW)).toBe(0);
      expect(await h.store.countLoginFailures('user:Zoë', T0 + 5, WINDOW)).toBe(1);
      await h.store.clearLoginFailures('user:alice');
      expect(await h.store.countLoginFailures('user:alice', T0 + 5, WINDOW)).toBe(0);
      expect(await h.store.countLoginFailures('addr:::1', T0 + 5, WINDOW)).toBe(1);
      expect(await h.store.recordLoginFailure('user:alice', T0 + 6, WINDOW)).toBe(1);
      await h.store.clearLoginFailures('never-failed');
    });

    it('refuses a time or window that is not a whole number of milliseconds', async () => {
      for (const [now, window] of [[T0 + 0.5, WINDOW], [Number.NaN, WINDOW], [T0, 0], [T0, -5], [T0, 1.5]] as const) {
        await expectOrreryError(h.store.recordLoginFailure('user:alice', now, window), 'INVALID_PARAMETER_VALUE');
        await expectOrreryError(h.store.countLoginFailures('user:alice', now, window), 'INVALID_PARAMETER_VALUE');
      }
      expect(await h.store.countLoginFailures('user:alice', T0, WINDOW)).toBe(0);
    });

    it('shares counts between two store instances on the same database (workers, servers)', async () => {
      const other = await h.another();
      expect(await h.store.recordLoginFailure('user:alice', T0, WINDOW)).toBe(1);
      expect(await other.recordLoginFailure('user:alice', T0 + 1, WINDOW)).toBe(2);
      expect(await h.store.recordLoginFailure('user:alice', T0 + 2, WINDOW)).toBe(3);
      expect(await other.countLoginFailures('user:alice', T0 + 3, WINDOW)).toBe(3);
      await other.clearLoginFailures('user:alice');
      expect(await h.store.countLoginFailures('user:alice', T0 + 3, WINDOW)).toBe(0);
    });

    it('counts concurrent failures from two instances exactly: each caller sees a different count', async () => {
      const other = await h.another();
      const total = 20;
      const counts = await Promise.all(
        Array.from({ length: total }, (_, i) => (i % 2 === 0 ? h.store : other).recordLoginFailure('user:target', T0, WINDOW)),
      );
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(await h.store.countLoginFailures('user:target', T0, WINDOW)).toBe(total);
    });
  });
}
