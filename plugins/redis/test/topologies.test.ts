/**
 * The stores on a Redis Cluster (three private masters, both conformance suites) and behind a
 * Sentinel (a private master and Sentinel). On a cluster every key of an instance carries the
 * prefix as a hash tag, so all of them live in one slot and the Lua scripts run unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelRegistryStoreConformance, runTrackingStoreConformance } from '@orrery/testkit';
import { deleteRedisPrefix, openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, redisNamespaceUrl, startPrivateRedisCluster, startPrivateRedisSentinel } from './redis-service-helpers.js';

describe('Redis Cluster (3 private masters)', () => {
  let cluster: Awaited<ReturnType<typeof startPrivateRedisCluster>> | undefined;
  beforeAll(async () => {
    cluster = await startPrivateRedisCluster(3);
  });
  afterAll(async () => {
    await cluster?.cleanup();
  });
  const namespace = (label: string) => {
    const { url } = redisNamespaceUrl(cluster!.url, label);
    return { url, cleanup: async () => void (await deleteRedisPrefix(url)) };
  };

  runTrackingStoreConformance({
    name: 'redis cluster',
    async open() {
      const { url, cleanup } = namespace('ctrack');
      return { store: await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT }), defaultArtifactRoot: ARTIFACT_ROOT, cleanup };
    },
  });

  runModelRegistryStoreConformance({
    name: 'redis cluster',
    async open() {
      const { url, cleanup } = namespace('creg');
      return { store: await openRedisModelRegistryStore(url), cleanup };
    },
  });
});

describe('Redis behind a Sentinel', () => {
  let setup: Awaited<ReturnType<typeof startPrivateRedisSentinel>> | undefined;
  beforeAll(async () => {
    setup = await startPrivateRedisSentinel('orrerymaster');
  });
  afterAll(async () => {
    await setup?.cleanup();
  });

  it('finds the master through the Sentinel and serves tracking and registry calls', async () => {
    const url = `${setup!.url}&prefix=sentinel`;
    const store = await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT });
    const registry = await openRedisModelRegistryStore(url);
    try {
      const experimentId = await store.createExperiment({ name: 'via-sentinel' });
      const { info } = await store.createRun({ experimentId, startTime: 5 });
      await store.logBatch(info.runId, { metrics: [{ key: 'm', value: 1, step: 0, timestamp: 0 }], params: [{ key: 'p', value: 'v' }] });
      const found = await store.searchRuns({ experimentIds: [experimentId], filter: "metrics.m = 1 AND params.p = 'v'" });
      expect(found.items.map((r) => r.info.runId)).toEqual([info.runId]);
      await registry.createRegisteredModel('sentinel-model');
      expect((await registry.createModelVersion({ name: 'sentinel-model', source: 's3://x' })).version).toBe('1');
    } finally {
      await store.close();
      await registry.close();
    }
    // The data is on the master the Sentinel named.
    const direct = await openRedisTrackingStore(`${setup!.master.url}?prefix=sentinel`, { defaultArtifactRoot: ARTIFACT_ROOT });
    expect((await direct.getExperimentByName('via-sentinel'))?.name).toBe('via-sentinel');
    await direct.close();
  });
});
