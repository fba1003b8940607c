/**
 * The container source of the test-services registry: each service started with testcontainers
 * (11.x) on a Docker engine, configured so the suites find what the harness-started binaries give
 * them (same users, same authentication, same URL shapes). Used when `findDockerEngine` finds an
 * engine that answers; see docs/testing.md.
 *
 * testcontainers finds the engine itself, looking where `findDockerEngine` looks (DOCKER_HOST,
 * then the usual sockets); the engine found is passed in for the address its ports are published on.
 *
 * Images are pinned; `ORRERY_TEST_<SERVICE>_IMAGE` (e.g. `ORRERY_TEST_POSTGRES_IMAGE`) names
 * another, for a mirror or a newer version.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type * as Testcontainers from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import type { DockerEngine } from './docker-engine.js';
import { sshdUrl } from './sshd-service.js';
import type { StartedTestService } from './test-services.js';

const execFileAsync = promisify(execFile);

/** The images the container source starts, by service name. */
export const SERVICE_IMAGES = {
  postgres: 'postgres:16-alpine',
  redis: 'redis:7-alpine',
  azurite: 'mcr.microsoft.com/azure-storage/azurite:3.35.0',
  ftp: 'stilliard/pure-ftpd:hardened',
  sftp: 'lscr.io/linuxserver/openssh-server:latest',
} as const;

/** Starting a container includes pulling its image the first time. */
const STARTUP_TIMEOUT_MS = 180_000;

/** The image for `service`: `ORRERY_TEST_<SERVICE>_IMAGE` when set, else the pinned one. */
export function serviceImage(service: keyof typeof SERVICE_IMAGES, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[`ORRERY_TEST_${service.toUpperCase()}_IMAGE`];
  return override !== undefined && override.trim() !== '' ? override.trim() : SERVICE_IMAGES[service];
}

/** The address a client reaches the engine's published ports at: its TCP host, else this machine. */
function engineHost(engine: DockerEngine): string {
  if (engine.endpoint.startsWith('tcp://')) return new URL(engine.endpoint).hostname;
  return '127.0.0.1';
}

/**
 * testcontainers, loaded on first use: it takes about half a second to import, and most runs
 * (every machine without Docker) never start a container.
 */
async function testcontainers(): Promise<typeof Testcontainers> {
  return import('testcontainers');
}

function stopper(container: StartedTestContainer, cleanup?: () => Promise<void>): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    try {
      await container.stop();
    } finally {
      await cleanup?.();
    }
  };
}

/** PostgreSQL with trust authentication for `postgres`, as the suites expect of the local server. */
export async function startPostgresContainer(engine: DockerEngine): Promise<StartedTestService> {
  const { GenericContainer, Wait } = await testcontainers();
  const container = await new GenericContainer(serviceImage('postgres'))
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    // The image's entry point starts a temporary server to initialise the cluster, then the
    // real one: the second "ready" line is the one that counts.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
  return { url: `postgres://postgres@${engineHost(engine)}:${container.getMappedPort(5432)}/postgres`, stop: stopper(container) };
}

/** Redis without a password, as the suites expect of the local server. */
export async function startRedisContainer(engine: DockerEngine): Promise<StartedTestService> {
  const { GenericContainer, Wait } = await testcontainers();
  const container = await new GenericContainer(serviceImage('redis'))
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
  return { url: `redis://${engineHost(engine)}:${container.getMappedPort(6379)}`, stop: stopper(container) };
}

/** Azurite's blob server with the development account; the URL is its blob endpoint. */
export async function startAzuriteContainer(engine: DockerEngine): Promise<StartedTestService> {
  const { GenericContainer, Wait } = await testcontainers();
  const container = await new GenericContainer(serviceImage('azurite'))
    .withCommand([
      'azurite-blob',
      '--blobHost',
      '0.0.0.0',
      '--blobPort',
      '10000',
      // The blob SDK speaks a newer API version than Azurite 3.35 accepts.
      '--skipApiVersionCheck',
      '--inMemoryPersistence',
      '--disableTelemetry',
    ])
    .withExposedPorts(10000)
    .withWaitStrategy(Wait.forLogMessage(/successfully listens on/))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
  return { url: `http://${engineHost(engine)}:${container.getMappedPort(10000)}/devstoreaccount1`, stop: stopper(container) };
}

/** Passive data ports per FTP container, published on the same numbers (see below). */
const FTP_PASSIVE_PORT_COUNT = 10;
const FTP_PASSIVE_FROM = 40_000;

/**
 * pure-ftpd (the daemon the harness starts as a binary) with one virtual user, `orrery`, and a
 * random password; `/` of the URL is the user's chrooted home. Passive mode tells the client a
 * port number, so the passive range is published on the same numbers of the host (a random
 * slot), and PUBLICHOST is the address the client connects to.
 */
export async function startFtpContainer(engine: DockerEngine): Promise<StartedTestService> {
  const { GenericContainer, Wait } = await testcontainers();
  const user = 'orrery';
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const slot = Math.floor(Math.random() * 100);
  const passiveStart = FTP_PASSIVE_FROM + slot * FTP_PASSIVE_PORT_COUNT;
  const passivePorts = Array.from({ length: FTP_PASSIVE_PORT_COUNT }, (_, i) => passiveStart + i);
  const host = engineHost(engine);
  const container = await new GenericContainer(serviceImage('ftp'))
    .withEnvironment({
      PUBLICHOST: host,
      FTP_USER_NAME: user,
      FTP_USER_PASS: password,
      FTP_USER_HOME: `/home/ftpusers/${user}`,
      FTP_PASSIVE_PORTS: `${passiveStart}:${passiveStart + FTP_PASSIVE_PORT_COUNT - 1}`,
      FTP_MAX_CLIENTS: '200',
      FTP_MAX_CONNECTIONS: '200',
      // -D lists dot files (uploads' temporary names), -H skips reverse DNS, as the binary runs.
      ADDED_FLAGS: '-D -H',
    })
    .withExposedPorts(21, ...passivePorts.map((port) => ({ container: port, host: port })))
    // Nothing listens on the passive ports until a transfer, so only port 21 is awaited: a
    // listening socket (state 0A) on local port 0x0015 in the container's own table.
    .withWaitStrategy(Wait.forSuccessfulCommand(`cat /proc/net/tcp /proc/net/tcp6 | awk '$2 ~ /:0015$/ && $4 == "0A"' | grep -q .`))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
  return {
    url: `ftp://${user}:${encodeURIComponent(password)}@${host}:${container.getMappedPort(21)}/`,
    stop: stopper(container),
  };
}

/** The user the SFTP container lets in (linuxserver's image renames its account to this). */
const SFTP_USER = 'orrery';
/** linuxserver/openssh-server listens here inside the container. */
const SFTP_CONTAINER_PORT = 2222;
/** A folder the SFTP user owns, the root of the service's URL (the account's home is /config). */
const SFTP_DATA_DIR = '/config/data';

/**
 * OpenSSH's sshd with SFTP (linuxserver/openssh-server): key login for `orrery` with a key made
 * for this container, the host key read back into a known_hosts file, both riding in the URL as
 * `key_path` and `known_hosts`, as the harness-started sshd's URL does. With `password: true`
 * the account takes a random password instead and the URL carries it (the `sftp-password` service).
 */
export async function startSshdContainer(engine: DockerEngine, options: { password?: boolean } = {}): Promise<StartedTestService> {
  const { GenericContainer, Wait } = await testcontainers();
  const dir = await mkdtemp(join(tmpdir(), 'orrery-sshd-container-'));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    const keyPath = join(dir, 'client_ed25519');
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'orrery-test-client', '-f', keyPath]);
    const publicKey = (await readFile(`${keyPath}.pub`, 'utf8')).trim();
    const password = options.password ? `pw-${randomBytes(12).toString('hex')}` : undefined;
    const container = await new GenericContainer(serviceImage('sftp'))
      .withEnvironment({
        USER_NAME: SFTP_USER,
        ...(password === undefined ? { PUBLIC_KEY: publicKey, PASSWORD_ACCESS: 'false' } : { USER_PASSWORD: password, PASSWORD_ACCESS: 'true' }),
      })
      .withExposedPorts(SFTP_CONTAINER_PORT)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
    const stop = stopper(container, removeDir);
    try {
      const prepared = await container.exec(['sh', '-c', `mkdir -p ${SFTP_DATA_DIR} && chown ${SFTP_USER} ${SFTP_DATA_DIR} && cat /config/ssh_host_keys/ssh_host_ed25519_key.pub`]);
      if (prepared.exitCode !== 0) throw new Error(`could not prepare the SFTP container: ${prepared.output.trim()}`);
      const hostKey = prepared.output.trim().split(/\s+/).slice(0, 2).join(' ');
      const host = engineHost(engine);
      const port = container.getMappedPort(SFTP_CONTAINER_PORT);
      const knownHostsPath = join(dir, 'known_hosts');
      await writeFile(knownHostsPath, `[${host}]:${port} ${hostKey}\n`);
      const credential = password === undefined ? { keyPath } : { password };
      return { url: sshdUrl({ username: SFTP_USER, host, port, path: SFTP_DATA_DIR, knownHostsPath, ...credential }), stop };
    } catch (error) {
      await stop();
      throw error;
    }
  } catch (error) {
    await removeDir();
    throw error;
  }
}

