import { runAuthStoreConformance } from '@orrery/testkit';
import { openRedisAuthStore } from '@orrery/plugin-redis';
import { sharedRedis } from './redis-service-helpers.js';

const redis = sharedRedis();

runAuthStoreConformance({
  name: 'redis',
  async open() {
    const { url, cleanup } = redis.namespace('auth');
    const store = await openRedisAuthStore(url);
    return { store, openAnother: () => openRedisAuthStore(url), cleanup };
  },
});
