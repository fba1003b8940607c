import { defineModelRegistryStore } from '@orrery/core';
import { openRedisModelRegistryStore } from './open-redis-stores.js';

/** The Redis model registry store, served for `redis:` and `rediss:` URIs (see docs/redis.md). */
export default defineModelRegistryStore({
  schemes: ['redis', 'rediss'],
  async create(context) {
    const store = await openRedisModelRegistryStore(context.uri, { logger: context.logger });
    context.logger.debug({ prefix: store.prefix }, 'opened Redis model registry store');
    return store;
  },
});
