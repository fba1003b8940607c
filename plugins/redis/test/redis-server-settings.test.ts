/**
 * What the stores demand of the Redis server and how they connect, each on a private redis-server
 * the test starts (never the shared one): eviction policies, durability across a crash with the
 * append-only file, ACL users, database numbers, TLS.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, freeTcpPort, startPrivateRedisServer } from './redis-service-helpers.js';

const run = promisify(execFile);
type Server = Awaited<ReturnType<typeof startPrivateRedisServer>>;
const servers: Server[] = [];
const dirs: string[] = [];

async function privateServer(config: Record<string, string> = {}): Promise<Server> {
  const server = await startPrivateRedisServer({ config });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.cleanup()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function openError(uri: string): Promise<{ code: string; message: string }> {
  try {
    const store = await openRedisTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    await store.close();
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`opening ${uri} succeeded`);
}

describe('Redis server settings', () => {
  it('refuses a server whose maxmemory-policy evicts keys without a TTL, saying why', async () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random']) {
      const server = await privateServer({ maxmemory: '64mb', 'maxmemory-policy': policy });
      const error = await openError(server.url);
      expect(error.code).toBe('INVALID_STATE');
      expect(error.message).toContain(policy);
      expect(error.message).toMatch(/eviction would silently lose runs/i);
      await expect(openRedisModelRegistryStore(server.url)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    }
  });

  it('accepts noeviction and the volatile-* policies, which never evict keys without a TTL (the stores set none)', async () => {
    for (const policy of ['noeviction', 'volatile-lru', 'volatile-ttl']) {
      const server = await privateServer({ maxmemory: '64mb', 'maxmemory-policy': policy });
      const store = await openRedisTrackingStore(server.url, { defaultArtifactRoot: ARTIFACT_ROOT });
      expect((await store.getExperiment('0')).name).toBe('Default');
      await store.close();
      expect((await run('redis-cli', ['-p', String(server.port), '--scan', '--pattern', '*'])).stdout).not.toMatch(/^$/);
      const ttl = (await run('redis-cli', ['-p', String(server.port), 'TTL', '{orrery}:exp:0'])).stdout.trim();
      expect(ttl).toBe('-1');
    }
  });

  it('keeps every acknowledged write across a crash with appendonly yes and appendfsync always', async () => {
    const server = await privateServer({ appendonly: 'yes', appendfsync: 'always' });
    const store = await openRedisTrackingStore(server.url, { defaultArtifactRoot: ARTIFACT_ROOT });
    const experimentId = await store.createExperiment({ name: 'durable' });
    const { info } = await store.createRun({ experimentId, startTime: 1 });
    const metrics = Array.from({ length: 500 }, (_, i) => ({ key: 'loss', value: i / 10, step: i, timestamp: i }));
    await store.logBatch(info.runId, { metrics, params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'team', value: 'a' }] });
    await store.close();

    await server.kill();
    await server.start();

    const reopened = await openRedisTrackingStore(server.url, { defaultArtifactRoot: ARTIFACT_ROOT });
    const run1 = await reopened.getRun(info.runId);
    expect(run1.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect((await reopened.getMetricHistory(info.runId, 'loss')).items).toEqual(metrics);
    const found = await reopened.searchRuns({ experimentIds: [experimentId], filter: "params.lr = '0.1' AND metrics.loss > 49" });
    expect(found.items.map((r) => r.info.runId)).toEqual([info.runId]);
    await reopened.close();
  });

  it('logs in as an ACL user with a password and keeps to the database number of the URI', async () => {
    const server = await privateServer();
    const cli = ['-p', String(server.port)];
    await run('redis-cli', [...cli, 'ACL', 'SETUSER', 'orrery', 'on', '>s3cret pass', '~*', '&*', '+@all']);
    await run('redis-cli', [...cli, 'ACL', 'SETUSER', 'default', 'off']);
    const uri = `redis://orrery:${encodeURIComponent('s3cret pass')}@127.0.0.1:${server.port}/5?prefix=team-a`;
    const store = await openRedisTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    await store.createExperiment({ name: 'in-db-5' });
    await store.close();
    const keys = (await run('redis-cli', [...cli, '--user', 'orrery', '--pass', 's3cret pass', '-n', '5', '--scan', '--pattern', '{team-a}:*'])).stdout;
    expect(keys).toContain('{team-a}:exp:names');
    const db0 = (await run('redis-cli', [...cli, '--user', 'orrery', '--pass', 's3cret pass', '-n', '0', 'DBSIZE'])).stdout.trim();
    expect(db0).toBe('0');
    const wrong = await openError(`redis://orrery:wrong@127.0.0.1:${server.port}/5`);
    expect(wrong.code).toBe('UNAUTHENTICATED');
    expect(wrong.message).not.toContain('wrong@');
  });

  it('connects over TLS with rediss:// and a CA file, and refuses an unknown certificate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orrery-redis-tls-'));
    dirs.push(dir);
    const ssl = (args: string[]) => run('openssl', args, { cwd: dir });
    await ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=orrery-test-ca']);
    await ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
    await writeFile(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);

    const tlsPort = await freeTcpPort();
    const server = await privateServer({
      'tls-port': String(tlsPort),
      'tls-cert-file': join(dir, 'server.pem'),
      'tls-key-file': join(dir, 'server.key'),
      'tls-ca-cert-file': join(dir, 'ca.pem'),
      'tls-auth-clients': 'no',
    });
    void server;
    const uri = `rediss://127.0.0.1:${tlsPort}?prefix=tls&tls_ca=${encodeURIComponent(join(dir, 'ca.pem'))}`;
    const store = await openRedisTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    const id = await store.createExperiment({ name: 'over-tls' });
    expect((await store.getExperiment(id)).name).toBe('over-tls');
    await store.close();
    const untrusted = await openError(`rediss://127.0.0.1:${tlsPort}?prefix=tls&connect_timeout_ms=2000`);
    expect(untrusted.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(untrusted.message).toMatch(/certificate/i);
  });
});
