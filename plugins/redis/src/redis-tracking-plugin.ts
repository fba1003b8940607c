import { defineTrackingStore } from '@orrery/core';
import { REDIS_OPTIONS, redisEnvFromOptions } from './redis-plugin-options.js';
import { openRedisTrackingStore } from './open-redis-stores.js';

/** The Redis tracking store, served for `redis:` and `rediss:` URIs (see docs/redis.md). */
export default defineTrackingStore({
  schemes: ['redis', 'rediss'],
  options: REDIS_OPTIONS,
  async create(context) {
    const store = await openRedisTrackingStore(context.uri, { defaultArtifactRoot: context.defaultArtifactRoot, logger: context.logger , ...redisEnvFromOptions(context.options) });
    context.logger.debug({ prefix: store.prefix }, 'opened Redis tracking store');
    return store;
  },
});
