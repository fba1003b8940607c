import { runLogModelChecks, runRegistryEventChecks, runTrackingEventChecks } from '@orrery/testkit';
import { openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, sharedRedis } from './redis-service-helpers.js';

// The domain layer (core's services) over the Redis persistence ports: log-model's
// read-modify-write is a guarded write retried when another client changed the history.
const redis = sharedRedis();
const openTracking = async () => {
  const { url, cleanup } = redis.namespace('domain');
  return { store: await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT }), defaultArtifactRoot: ARTIFACT_ROOT, cleanup };
};

runLogModelChecks({ name: 'redis', open: openTracking });
runTrackingEventChecks({ name: 'redis', open: openTracking });
runRegistryEventChecks({
  name: 'redis',
  open: async () => {
    const { url, cleanup } = redis.namespace('domain-registry');
    return { store: await openRedisModelRegistryStore(url), cleanup };
  },
});
