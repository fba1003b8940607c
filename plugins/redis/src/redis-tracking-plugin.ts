import { defineTrackingStore } from '@orrery/core';
import { openRedisTrackingStore } from './open-redis-stores.js';

/** The Redis tracking store, served for `redis:` and `rediss:` URIs (see docs/redis.md). */
export default defineTrackingStore({
  schemes: ['redis', 'rediss'],
  async create(context) {
    const store = await openRedisTrackingStore(context.uri, { defaultArtifactRoot: context.defaultArtifactRoot, logger: context.logger });
    context.logger.debug({ prefix: store.prefix }, 'opened Redis tracking store');
    return store;
  },
});
