import { defineModelRegistryStore } from '@orrery/core';
import { REDIS_OPTIONS, redisEnvFromOptions } from './redis-plugin-options.js';
import { openRedisModelRegistryStore } from './open-redis-stores.js';

/** The Redis model registry store, served for `redis:` and `rediss:` URIs (see docs/redis.md). */
export default defineModelRegistryStore({
  schemes: ['redis', 'rediss'],
  options: REDIS_OPTIONS,
  async create(context) {
    const store = await openRedisModelRegistryStore(context.uri, { logger: context.logger , ...redisEnvFromOptions(context.options) });
    context.logger.debug({ prefix: store.prefix }, 'opened Redis model registry store');
    return store;
  },
});
