/**
 * The container source of the test-services registry and the order it takes its place in. Our
 * machines have no Docker engine, so the containers themselves are not started here (see
 * docs/testing.md for running the suite on Docker); what is tested is the choice of source, the
 * fall-through with its log line when Docker is named but does not answer, the real testcontainers
 * path failing cleanly, and the failure that names Docker when containers are asked for.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AZURITE_SERVICE,
  CONTAINERS_ENV,
  freeTcpPort,
  FTP_SERVICE,
  getTestService,
  POSTGRES_SERVICE,
  REDIS_SERVICE,
  registerTestService,
  registeredTestServices,
  serviceImage,
  SERVICE_IMAGES,
  SSHD_PASSWORD_SERVICE,
  SSHD_SERVICE,
  TestServiceUnavailableError,
  type DockerEngineResult,
  type TestServiceDefinition,
} from '@orrery/testkit';

const ENGINE: DockerEngineResult = { found: true, engine: { endpoint: 'unix:///var/run/docker.sock' } };
const NO_ENGINE: DockerEngineResult = { found: false, reason: 'no Docker engine found (test)' };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'orrery-containers-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function listeningPort(): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on. */
const closedPort = freeTcpPort;

/** A service kind whose container and binary starters record that they ran. */
function recordingService(name: string, container: 'starts' | 'fails' = 'starts') {
  const calls: string[] = [];
  const definition: TestServiceDefinition = {
    name,
    displayName: 'Recording service',
    envVar: 'ORRERY_TEST_RECORDING_URL',
    localPort: 0,
    localUrl: (host, port) => `rec://${host}:${port}`,
    urlExample: 'rec://127.0.0.1:1',
    installHint: 'install the recording daemon',
    startContainer: async (engine) => {
      calls.push(`container ${engine.endpoint}`);
      if (container === 'fails') throw new Error('image pull failed: manifest unknown');
      return { url: 'rec://container', stop: async () => void calls.push('container stopped') };
    },
    startBinary: async () => {
      calls.push('binary');
      return { url: 'rec://binary', stop: async () => void calls.push('binary stopped') };
    },
  };
  if (!registeredTestServices().includes(name)) registerTestService(definition);
  return calls;
}

describe('the order of sources', () => {
  it('takes the env var, then a local service, then a container, then a binary', async () => {
    const calls = recordingService('order-service');
    const listening = await listeningPort();
    const closed = await closedPort();
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);

    const fromEnv = await getTestService('order-service', { env: { ORRERY_TEST_RECORDING_URL: 'rec://ci:1' }, port: listening, docker: ENGINE, log });
    expect(fromEnv).toMatchObject({ source: 'env', url: 'rec://ci:1' });
    const local = await getTestService('order-service', { env: {}, port: listening, docker: ENGINE, log });
    expect(local).toMatchObject({ source: 'local', url: `rec://127.0.0.1:${listening}` });
    expect(calls).toEqual([]);

    const container = await getTestService('order-service', { env: {}, port: closed, docker: ENGINE, log });
    expect(container).toMatchObject({ source: 'container', url: 'rec://container' });
    await container.stop();
    expect(calls).toEqual(['container unix:///var/run/docker.sock', 'container stopped']);

    const binary = await getTestService('order-service', { env: {}, port: closed, docker: NO_ENGINE, log });
    expect(binary).toMatchObject({ source: 'binary', url: 'rec://binary' });
    // No DOCKER_HOST and no socket: the usual case on a machine without Docker, passed over quietly.
    expect(lines).toEqual([]);
  });

  it('falls through a container that fails to the binary, saying why on one line', async () => {
    const calls = recordingService('failing-container-service', 'fails');
    const lines: string[] = [];
    const service = await getTestService('failing-container-service', { env: {}, port: await closedPort(), docker: ENGINE, log: (line) => lines.push(line) });
    expect(service.source).toBe('binary');
    expect(calls).toEqual(['container unix:///var/run/docker.sock', 'binary']);
    expect(lines).toEqual([
      '[orrery testkit] failing-container-service: no container (a container on unix:///var/run/docker.sock did not start: ' +
        'image pull failed: manifest unknown); trying the next source: a harness-started binary',
    ]);
  });

  it('falls through when DOCKER_HOST names an engine that does not answer, with a log line naming it', async () => {
    const calls = recordingService('docker-host-service');
    const socket = `unix://${join(scratch, 'docker.sock')}`;
    const tcp = `tcp://127.0.0.1:${await closedPort()}`;
    for (const dockerHost of [socket, tcp]) {
      const lines: string[] = [];
      const service = await getTestService('docker-host-service', { env: { DOCKER_HOST: dockerHost }, port: await closedPort(), log: (line) => lines.push(line) });
      expect(service.source).toBe('binary');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^\\[orrery testkit\\] docker-host-service: no container \\(DOCKER_HOST=${dockerHost.replace(/[/.]/g, '\\$&')} does not answer \\(.+\\)\\); trying the next source: a harness-started binary$`));
    }
    expect(calls).toEqual(['binary', 'binary']);
  });
});

describe(`${CONTAINERS_ENV}`, () => {
  it('always: refuses a local service and the binary, and fails naming Docker when no engine answers', async () => {
    const calls = recordingService('always-service');
    const env = { DOCKER_HOST: `unix://${join(scratch, 'nothing.sock')}`, [CONTAINERS_ENV]: 'always' };
    const failure = getTestService('always-service', { env, port: await listeningPort(), log: () => {} });
    await expect(failure).rejects.toBeInstanceOf(TestServiceUnavailableError);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toContain(`${CONTAINERS_ENV}=always asks for a Recording service container from Docker`);
    expect(message).toContain(`DOCKER_HOST=${env.DOCKER_HOST} does not answer`);
    expect(message).toContain('start Docker (Docker Engine or Docker Desktop), or point DOCKER_HOST at a running Docker engine');
    expect(message).toContain('ORRERY_TEST_RECORDING_URL=rec://127.0.0.1:1');
    expect(message).not.toContain('listening on');
    expect(calls).toEqual([]);

    // The env var URL still wins: explicit configuration beats every source.
    const fromEnv = await getTestService('always-service', { env: { ...env, ORRERY_TEST_RECORDING_URL: 'rec://ci:2' } });
    expect(fromEnv.source).toBe('env');
    // With an engine, always means a container even though a local service listens.
    const container = await getTestService('always-service', { env: { [CONTAINERS_ENV]: 'always' }, port: await listeningPort(), docker: ENGINE });
    expect(container.source).toBe('container');
  });

  it('never: skips containers even when an engine answers; other values are refused', async () => {
    const calls = recordingService('never-service');
    const service = await getTestService('never-service', { env: { [CONTAINERS_ENV]: 'never' }, port: await closedPort(), docker: ENGINE });
    expect(service.source).toBe('binary');
    expect(calls).toEqual(['binary']);
    await expect(getTestService('never-service', { env: { [CONTAINERS_ENV]: 'sometimes' }, docker: ENGINE })).rejects.toThrow(
      `${CONTAINERS_ENV} must be auto, always or never, not 'sometimes'.`,
    );
  });
});

describe('the built-in services', () => {
  it('each has a container, pinned to an image that ORRERY_TEST_<SERVICE>_IMAGE can replace', () => {
    for (const definition of [POSTGRES_SERVICE, REDIS_SERVICE, AZURITE_SERVICE, FTP_SERVICE, SSHD_SERVICE, SSHD_PASSWORD_SERVICE]) {
      expect(definition.startContainer, definition.name).toBeTypeOf('function');
    }
    expect(SERVICE_IMAGES).toEqual({
      postgres: 'postgres:16-alpine',
      redis: 'redis:7-alpine',
      azurite: 'mcr.microsoft.com/azure-storage/azurite:3.35.0',
      ftp: 'stilliard/pure-ftpd:hardened',
      sftp: 'lscr.io/linuxserver/openssh-server:latest',
    });
    expect(serviceImage('postgres', {})).toBe('postgres:16-alpine');
    expect(serviceImage('postgres', { ORRERY_TEST_POSTGRES_IMAGE: 'mirror.example/postgres:17' })).toBe('mirror.example/postgres:17');
  });

  it("run testcontainers for real, and a failure to reach the engine falls through to the binary", async () => {
    // testcontainers looks for the engine itself; point it at a socket nothing answers, so that
    // this test means the same on a machine that has Docker.
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(scratch, 'absent-docker.sock')}`;
    try {
      const name = 'postgres-container-then-fake-binary';
      if (!registeredTestServices().includes(name)) {
        registerTestService({ ...POSTGRES_SERVICE, name, startBinary: async () => ({ url: 'postgres://binary@127.0.0.1:1/postgres', stop: async () => {} }) });
      }
      const lines: string[] = [];
      const service = await getTestService(name, { env: {}, port: await closedPort(), docker: ENGINE, log: (line) => lines.push(line) });
      expect(service.source).toBe('binary');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${name}: no container (a container on unix:///var/run/docker.sock did not start: `);
      expect(lines[0]).toMatch(/container runtime/i);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
