import { defineAuthStore } from '@orrery/core';
import { openRedisAuthStore } from './open-redis-stores.js';

/** The Redis auth store, served for `redis:` and `rediss:` URIs (keys under the URI's prefix, see docs/redis.md). */
export default defineAuthStore({
  schemes: ['redis', 'rediss'],
  async create(context) {
    const store = await openRedisAuthStore(context.uri, { logger: context.logger });
    context.logger.debug({ prefix: store.prefix }, 'opened Redis auth store');
    return store;
  },
});
