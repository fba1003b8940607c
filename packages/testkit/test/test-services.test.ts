import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getTestService,
  POSTGRES_SERVICE,
  REDIS_SERVICE,
  registerTestService,
  registeredTestServices,
  tempDir,
  tempDirsPerTest,
  TestServiceUnavailableError,
  uniqueNamespace,
  withTempDir,
  type TestServiceDefinition,
} from '@orrery/testkit';

const NO_DOCKER = { found: false as const, reason: 'no Docker engine found (test)' };

function registerOnce(definition: TestServiceDefinition): void {
  if (!registeredTestServices().includes(definition.name)) registerTestService(definition);
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server on an ephemeral port of 127.0.0.1 that accepts and drops connections. */
async function listening(): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A port that was just free and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('getTestService', () => {
  it('knows postgres and redis', () => {
    expect(registeredTestServices()).toEqual(expect.arrayContaining(['postgres', 'redis']));
  });

  it('takes the env var URL over a service listening locally', async () => {
    const port = await listening();
    const service = await getTestService('postgres', {
      env: { ORRERY_TEST_POSTGRES_URL: 'postgres://ci@db.internal:5433/orrery' },
      port,
      docker: NO_DOCKER,
    });
    expect(service).toMatchObject({ name: 'postgres', source: 'env', url: 'postgres://ci@db.internal:5433/orrery' });
    await service.stop();
  });

  it('uses a service listening locally when the env var is not set', async () => {
    const port = await listening();
    const pg = await getTestService('postgres', { env: { ORRERY_TEST_POSTGRES_URL: '' }, port, docker: NO_DOCKER });
    expect(pg).toMatchObject({ source: 'local', url: `postgres://postgres@127.0.0.1:${port}/postgres` });
    const redis = await getTestService('redis', { env: {}, port, docker: NO_DOCKER });
    expect(redis).toMatchObject({ source: 'local', url: `redis://127.0.0.1:${port}` });
  });

  it('falls through a closed port to a failure that names the env var and what to install', async () => {
    // The real definitions can start a private server from an installed binary; copies without
    // that hook show the path to the failure message.
    registerOnce({ ...POSTGRES_SERVICE, name: 'postgres-without-binary', startBinary: undefined });
    registerOnce({ ...REDIS_SERVICE, name: 'redis-without-binary', startBinary: undefined });
    const port = await closedPort();
    const failure = getTestService('postgres-without-binary', { env: {}, port, docker: NO_DOCKER });
    await expect(failure).rejects.toBeInstanceOf(TestServiceUnavailableError);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toContain('ORRERY_TEST_POSTGRES_URL');
    expect(message).toContain(`127.0.0.1:${port}: connection refused`);
    expect(message).toContain('apt-get install postgresql');
    expect(message).toContain('no Docker engine found');
    expect(message).toContain("none is registered for 'postgres-without-binary'");

    const redisMessage = await getTestService('redis-without-binary', { env: {}, port, docker: NO_DOCKER }).catch(
      (error: Error) => error.message,
    );
    expect(redisMessage).toContain('ORRERY_TEST_REDIS_URL');
    expect(redisMessage).toContain('apt-get install redis-server');
  });

  it('fails, explaining the missing hook, when Docker is reachable but containers are not wired in', async () => {
    // A definition without a container (a plugin's own service, say); the built-in ones have one.
    registerOnce({ ...REDIS_SERVICE, name: 'redis-without-container', startBinary: undefined, startContainer: undefined });
    const port = await closedPort();
    const message = await getTestService('redis-without-container', {
      env: {},
      port,
      docker: { found: true, engine: { endpoint: 'unix:///var/run/docker.sock' } },
    }).catch((error: Error) => error.message);
    expect(message).toContain('a Docker engine answers at unix:///var/run/docker.sock');
    expect(message).toContain('startContainer hook');
    expect(message).toContain('ORRERY_TEST_REDIS_URL');
  });

  it('refuses an env var that is not a URL without echoing its value', async () => {
    const failure = getTestService('postgres', { env: { ORRERY_TEST_POSTGRES_URL: 'hunter2 not a url' }, docker: NO_DOCKER });
    await expect(failure).rejects.toThrow(/ORRERY_TEST_POSTGRES_URL is set but is not a URL/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('rejects unknown service names, listing the known ones', async () => {
    await expect(getTestService('mongodb')).rejects.toThrow(/Unknown test service 'mongodb'.*postgres.*redis/);
  });

  it('starts a registered binary when nothing else is available, and refuses duplicate names', async () => {
    const port = await closedPort();
    let stopped = false;
    registerTestService({
      name: 'fake-binary-service',
      displayName: 'Fake',
      envVar: 'ORRERY_TEST_FAKE_URL',
      localPort: port,
      localUrl: (host, p) => `fake://${host}:${p}`,
      urlExample: 'fake://127.0.0.1:1',
      installHint: 'nothing to install',
      startBinary: async () => ({
        url: 'fake://127.0.0.1:9',
        stop: async () => {
          stopped = true;
        },
      }),
    });
    const service = await getTestService('fake-binary-service', { env: {}, docker: NO_DOCKER });
    expect(service).toMatchObject({ source: 'binary', url: 'fake://127.0.0.1:9' });
    await service.stop();
    expect(stopped).toBe(true);
    expect(() =>
      registerTestService({
        name: 'fake-binary-service',
        displayName: 'Fake',
        envVar: 'X',
        localPort: 1,
        localUrl: () => '',
        urlExample: '',
        installHint: '',
      }),
    ).toThrow(/already registered/);
  });
});

describe('uniqueNamespace', () => {
  it('gives distinct names valid as database, schema, key prefix, container and folder names', () => {
    const names = Array.from({ length: 2000 }, () => uniqueNamespace('pg'));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^pg[a-z0-9]{1,61}$/);
    expect(uniqueNamespace('My Tests_42!')).toMatch(/^mytests42[a-z0-9]+$/);
    expect(uniqueNamespace('9lives')).toMatch(/^t9lives/);
    expect(uniqueNamespace('x'.repeat(200)).length).toBeLessThanOrEqual(63);
    expect(uniqueNamespace()).toMatch(/^orrery[a-z0-9]+$/);
  });
});

describe('temp dirs', () => {
  it('makes a directory and removes it with everything inside', async () => {
    const dir = await tempDir();
    await writeFile(join(dir.path, 'file.txt'), 'x');
    expect(existsSync(join(dir.path, 'file.txt'))).toBe(true);
    await dir.cleanup();
    expect(existsSync(dir.path)).toBe(false);
  });

  it('removes the directory of withTempDir even when the body throws', async () => {
    let seen = '';
    await expect(
      withTempDir(async (path) => {
        seen = path;
        await writeFile(join(path, 'f'), 'x');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen).not.toBe('');
    expect(existsSync(seen)).toBe(false);
  });

  describe('tempDirsPerTest', () => {
    const makeDir = tempDirsPerTest('orrery-per-test-');
    let fromFirstTest = '';

    it('makes directories during a test', async () => {
      fromFirstTest = await makeDir();
      expect(existsSync(fromFirstTest)).toBe(true);
    });

    it('has removed them after that test', () => {
      expect(fromFirstTest).not.toBe('');
      expect(existsSync(fromFirstTest)).toBe(false);
    });
  });
});
