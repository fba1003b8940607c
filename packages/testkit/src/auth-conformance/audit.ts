import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '@orrery/core';
import { expectOrreryError, freshAuthStorePerTest, type AuthStoreConformanceOptions } from './harness.js';

const T0 = 1_700_000_000_000;

function entry(i: number, username?: string): AuditEntry {
  return {
    timestamp: T0 + i,
    action: 'POST /api/2.0/mlflow/runs/create',
    status: 200,
    resource: `experiment:${i}`,
    remoteAddress: '127.0.0.1',
    ...(username !== undefined ? { username } : {}),
  };
}

/** The audit log: append-only, numbered, read oldest first with filters. */
export function auditConformance(options: AuthStoreConformanceOptions): void {
  describe('audit log', () => {
    const h = freshAuthStorePerTest(options);

    it('appends entries with increasing sequence numbers and reads them back as given, oldest first', async () => {
      const bare: AuditEntry = { timestamp: T0, action: 'cli users create', status: 0 };
      const full: AuditEntry = {
        timestamp: T0 + 1,
        username: 'Zoë',
        action: 'POST /api/2.0/mlflow/experiments/permissions/create',
        resource: 'experiment:12',
        status: 403,
        remoteAddress: '::1',
      };
      const first = await h.store.appendAudit(bare);
      const second = await h.store.appendAudit(full);
      expect(first).toEqual({ ...bare, seq: first.seq });
      expect(second).toEqual({ ...full, seq: second.seq });
      expect(second.seq).toBeGreaterThan(first.seq);
      expect(await h.store.listAudit()).toEqual([first, second]);
    });

    it('pages forward with afterSeq, filters by username and caps with maxResults', async () => {
      const stored = [];
      for (let i = 0; i < 10; i++) stored.push(await h.store.appendAudit(entry(i, i % 3 === 0 ? 'alice' : i % 3 === 1 ? 'bob' : undefined)));
      expect(await h.store.listAudit({ afterSeq: stored[6]!.seq })).toEqual(stored.slice(7));
      expect(await h.store.listAudit({ maxResults: 3 })).toEqual(stored.slice(0, 3));
      expect(await h.store.listAudit({ afterSeq: stored[2]!.seq, maxResults: 2 })).toEqual(stored.slice(3, 5));
      expect(await h.store.listAudit({ username: 'alice' })).toEqual([stored[0], stored[3], stored[6], stored[9]]);
      expect(await h.store.listAudit({ username: 'alice', afterSeq: stored[3]!.seq, maxResults: 1 })).toEqual([stored[6]]);
      expect(await h.store.listAudit({ username: 'nobody' })).toEqual([]);
      expect(await h.store.listAudit({ afterSeq: stored[9]!.seq })).toEqual([]);
    });

    it('returns at most 1000 entries by default and refuses a maxResults out of range', async () => {
      await Promise.all(Array.from({ length: 1001 }, (_, i) => h.store.appendAudit(entry(i))));
      expect(await h.store.listAudit()).toHaveLength(1000);
      expect(await h.store.listAudit({ maxResults: 10_000 })).toHaveLength(1001);
      for (const bad of [0, -1, 1.5, 10_001]) await expectOrreryError(h.store.listAudit({ maxResults: bad }), 'INVALID_PARAMETER_VALUE');
      for (const bad of [-1, 0.5, Number.NaN]) await expectOrreryError(h.store.listAudit({ afterSeq: bad }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.appendAudit({ ...entry(0), timestamp: 1.5 }), 'INVALID_PARAMETER_VALUE');
      expect(await h.store.listAudit({ maxResults: 10_000 })).toHaveLength(1001);
    });

    it('numbers entries from two instances in one sequence', async () => {
      const other = await h.another();
      const appended = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? h.store : other).appendAudit(entry(i))));
      const seqs = appended.map((e) => e.seq);
      expect(new Set(seqs).size).toBe(20);
      const listed = await other.listAudit();
      expect(listed.map((e) => e.seq)).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(listed.map((e) => e.resource))).toEqual(new Set(appended.map((e) => e.resource)));
    });
  });
}
