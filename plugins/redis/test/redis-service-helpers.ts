/**
 * Test helpers: the Redis every suite shares (through testkit's service registry) with a fresh key
 * prefix per store, removed after the store is closed. Fault and configuration tests use private
 * redis-server processes instead (startPrivateRedisServer), never the shared one.
 */
import { afterAll, beforeAll } from 'vitest';
import { getTestService, type TestService } from '@orrery/testkit';
import { deleteRedisPrefix } from '@orrery/plugin-redis';
import { redisNamespaceUrl } from '../../../packages/testkit/src/services/redis-service.js';

export {
  startPrivateRedisServer,
  startPrivateRedisCluster,
  startPrivateRedisSentinel,
  redisNamespaceUrl,
  freeTcpPort,
} from '../../../packages/testkit/src/services/redis-service.js';

export const ARTIFACT_ROOT = '/tmp/orrery-redis-test-artifacts';

/** For use at the top of a test file: the shared Redis service, fetched once and released after. */
export function sharedRedis(): { url(): string; namespace(label?: string): { url: string; cleanup: () => Promise<void> } } {
  let service: TestService | undefined;
  beforeAll(async () => {
    service = await getTestService('redis');
  });
  afterAll(async () => {
    await service?.stop();
  });
  const url = () => {
    if (!service) throw new Error('the Redis test service is not ready yet: use it inside tests or hooks');
    return service.url;
  };
  return {
    url,
    namespace(label = 'orrery') {
      const { url: namespaced } = redisNamespaceUrl(url(), label);
      return { url: namespaced, cleanup: async () => void (await deleteRedisPrefix(namespaced)) };
    },
  };
}
