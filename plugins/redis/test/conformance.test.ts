import { runModelRegistryStoreConformance, runTrackingStoreConformance } from '@orrery/testkit';
import { openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, sharedRedis } from './redis-service-helpers.js';

const redis = sharedRedis();

runTrackingStoreConformance({
  name: 'redis',
  async open() {
    const { url, cleanup } = redis.namespace('track');
    const store = await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT });
    return { store, defaultArtifactRoot: ARTIFACT_ROOT, cleanup };
  },
});

runModelRegistryStoreConformance({
  name: 'redis',
  async open() {
    const { url, cleanup } = redis.namespace('registry');
    const store = await openRedisModelRegistryStore(url);
    return { store, cleanup };
  },
});
