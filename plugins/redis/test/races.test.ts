/**
 * Races between separate clients (two connections, as two server processes would have): params
 * stay immutable, a losing log-batch writes nothing, version numbers rise without gaps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import type { ModelRegistryStore, TrackingStore } from '@orrery/core';
import { openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, sharedRedis } from './redis-service-helpers.js';

const redis = sharedRedis();
const opened: Array<TrackingStore | ModelRegistryStore> = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function twoTrackingClients(): Promise<[TrackingStore, TrackingStore]> {
  const { url, cleanup } = redis.namespace('race');
  cleanups.push(cleanup);
  const a = await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT });
  const b = await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT });
  opened.push(a, b);
  return [a, b];
}

async function outcome(action: Promise<unknown>): Promise<'ok' | string> {
  try {
    await action;
    return 'ok';
  } catch (error) {
    return isOrreryError(error) ? error.code : String(error);
  }
}

describe('races between clients', () => {
  it('two clients logging different values of one param at once: one wins, the other gets INVALID_PARAMETER_VALUE', async () => {
    const [a, b] = await twoTrackingClients();
    const { info } = await a.createRun({ experimentId: '0', startTime: 1 });
    for (let i = 0; i < 40; i += 1) {
      const key = `p${i}`;
      const [ra, rb] = await Promise.all([
        outcome(a.logParam(info.runId, { key, value: 'from-a' })),
        outcome(b.logParam(info.runId, { key, value: 'from-b' })),
      ]);
      expect([ra, rb].sort()).toEqual(['INVALID_PARAMETER_VALUE', 'ok']);
      const stored = (await b.getRun(info.runId)).data.params.find((p) => p.key === key)?.value;
      expect(stored).toBe(ra === 'ok' ? 'from-a' : 'from-b');
    }
  });

  it('a log-batch that loses a param race writes none of its metrics, params or tags', async () => {
    const [a, b] = await twoTrackingClients();
    const { info } = await a.createRun({ experimentId: '0', startTime: 1 });
    for (let i = 0; i < 20; i += 1) {
      const batch = (who: string) => ({
        metrics: Array.from({ length: 200 }, (_, n) => ({ key: `m-${who}-${i}`, value: n, step: n, timestamp: n })),
        params: [{ key: `shared-${i}`, value: who }, { key: `own-${who}-${i}`, value: 'x' }],
        tags: [{ key: `tag-${who}-${i}`, value: 'x' }],
      });
      const [ra, rb] = await Promise.all([outcome(a.logBatch(info.runId, batch('a'))), outcome(b.logBatch(info.runId, batch('b')))]);
      expect([ra, rb].sort()).toEqual(['INVALID_PARAMETER_VALUE', 'ok']);
      const loser = ra === 'ok' ? 'b' : 'a';
      const run = await a.getRun(info.runId);
      expect(run.data.params.some((p) => p.key === `own-${loser}-${i}`)).toBe(false);
      expect(run.data.tags.some((t) => t.key === `tag-${loser}-${i}`)).toBe(false);
      expect((await a.getMetricHistory(info.runId, `m-${loser}-${i}`)).items).toEqual([]);
      expect((await a.getMetricHistory(info.runId, `m-${ra === 'ok' ? 'a' : 'b'}-${i}`)).items).toHaveLength(200);
    }
  });

  it('numbers versions created through two clients 1..n without gaps or repeats', async () => {
    const { url, cleanup } = redis.namespace('versions');
    cleanups.push(cleanup);
    const a = await openRedisModelRegistryStore(url);
    const b = await openRedisModelRegistryStore(url);
    opened.push(a, b);
    await a.createRegisteredModel('shared');
    const created = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? a : b).createModelVersion({ name: 'shared', source: `s3://m/${i}` })),
    );
    expect(created.map((v) => Number(v.version)).sort((x, y) => x - y)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(new Set(created.map((v) => v.source)).size).toBe(120);
  });
});
