import { afterAll } from 'vitest';
import { openRedisAuthStore } from '@orrery/plugin-redis';
import { sharedRedis } from '../../../../plugins/redis/test/redis-service-helpers.js';
import { describeAuthHttpSuite } from './auth-http-suite.js';

const redis = sharedRedis();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describeAuthHttpSuite('redis', async () => {
  const { url, cleanup } = redis.namespace('auth-http');
  cleanups.push(cleanup);
  return openRedisAuthStore(url);
});
