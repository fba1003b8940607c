import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverPlugins } from '@orrery/core';
import { expectAuthStoreHoldsAcrossProcesses } from '@orrery/testkit';
import { RedisConnection, openRedisAuthStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, sharedRedis } from './redis-service-helpers.js';

const redis = sharedRedis();
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silentLogger };

describe('Redis auth store', () => {
  it('shares a key prefix with a tracking store without touching its keys', async () => {
    const { url, cleanup } = redis.namespace('shared');
    const tracking = await openRedisTrackingStore(url, { defaultArtifactRoot: ARTIFACT_ROOT });
    const auth = await openRedisAuthStore(url);
    try {
      const experimentId = await tracking.createExperiment({ name: 'shared' });
      await auth.createUser('alice', 'hash', false);
      await auth.createExperimentPermission(experimentId, 'alice', 'MANAGE');
      await auth.deleteUser('alice');
      expect((await tracking.getExperiment(experimentId)).name).toBe('shared');
      expect((await tracking.searchExperiments({})).items.map((e) => e.name).sort()).toEqual(['Default', 'shared']);
    } finally {
      await auth.close();
      await tracking.close();
      await cleanup();
    }
  });

  it('lets a key of failed logins expire a window after its last failure, and leaves no user keys after a delete', async () => {
    const { url, cleanup } = redis.namespace('auth-keys');
    const auth = await openRedisAuthStore(url);
    const connection = await RedisConnection.open(url);
    try {
      await auth.recordLoginFailure('user:alice', Date.now(), 30_000);
      const ttl = Number(await connection.command('PTTL', connection.keys.authLoginFailures('user:alice')));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);

      const bob = await auth.createUser('bob', 'hash', false);
      await auth.createExperimentPermission('1', 'bob', 'READ');
      await auth.createRegisteredModelPermission('rm', 'bob', 'READ');
      await auth.createApiToken({ id: 't1', userId: bob.id, name: 'ci', secretHash: '00', createdAt: 1 });
      await auth.revokeApiToken('t1', 2);
      await auth.deleteUser('bob');
      const [, left] = (await connection.command('SCAN', '0', 'MATCH', connection.keys.scanPattern(), 'COUNT', 1000)) as [string, string[]];
      // Only the id counter and the failure set remain; the deleted user's hashes, index entries and tokens are gone.
      expect(left.sort()).toEqual([connection.keys.authLoginFailures('user:alice'), connection.keys.authUserSequence()].sort());
    } finally {
      await connection.close();
      await auth.close();
      await cleanup();
    }
  });

  it('holds across OS processes on one prefix: one creator per user, every failed login counted once', async () => {
    const { url, cleanup } = redis.namespace('auth-processes');
    const store = await openRedisAuthStore(url);
    try {
      await expectAuthStoreHoldsAcrossProcesses({ modulePath: path.join(packageRoot, 'dist', 'index.js'), exportName: 'openRedisAuthStore', uri: url, store });
    } finally {
      await store.close();
      await cleanup();
    }
  }, 60_000);

  it('is discovered through the package.json "orrery" field and opened from dist', async () => {
    const registry = await discoverPlugins({
      cwd: packageRoot,
      builtinPackages: { from: path.join(packageRoot, 'package.json'), names: ['@orrery/plugin-redis'] },
      env: {},
      logger: silentLogger,
    });
    for (const scheme of ['redis', 'rediss']) expect(registry.findPlugin('authStore', scheme)?.modulePath).toMatch(/dist[/\\]redis-auth-plugin\.js$/);
    const { url, cleanup } = redis.namespace('auth-found');
    const store = await registry.openAuthStore(url);
    expect((await store.createUser('root', 'hash', true)).isAdmin).toBe(true);
    await store.close();
    await cleanup();
  });
});
