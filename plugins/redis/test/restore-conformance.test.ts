import { runRestoreConformance } from '@orrery/testkit';
import { openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, sharedRedis } from './redis-service-helpers.js';

const redis = sharedRedis();

runRestoreConformance({
  name: 'redis',
  async open() {
    const { url, cleanup } = redis.namespace('restore');
    const tracking = await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT });
    const registry = await openRedisModelRegistryStore(url);
    return { tracking, registry, cleanup };
  },
});
