import { defineAuthStore } from '@orrery/core';
import { REDIS_OPTIONS, redisEnvFromOptions } from './redis-plugin-options.js';
import { openRedisAuthStore } from './open-redis-stores.js';

/** The Redis auth store, served for `redis:` and `rediss:` URIs (keys under the URI's prefix, see docs/redis.md). */
export default defineAuthStore({
  schemes: ['redis', 'rediss'],
  options: REDIS_OPTIONS,
  async create(context) {
    const store = await openRedisAuthStore(context.uri, { logger: context.logger , ...redisEnvFromOptions(context.options) });
    context.logger.debug({ prefix: store.prefix }, 'opened Redis auth store');
    return store;
  },
});
