import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTestService, registerTestService, registeredTestServices, type StartedTestService, type TestServiceDefinition } from './test-services.js';
import { probeConnection } from './tcp-probe.js';
import { startAzuriteContainer } from './service-containers.js';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The env var that hands the tests any Azure Blob endpoint (Azurite or a real account) as a connection string. */
export const AZURITE_CONNECTION_STRING_ENV = 'ORRERY_TEST_AZURITE_CONNECTION_STRING';

/** The connection string of the development account on a blob endpoint such as `http://127.0.0.1:10000/devstoreaccount1`. */
export function azuriteConnectionString(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;
}

/** An Azurite blob server the harness started: 127.0.0.1 only, its own port. */
export interface StartedAzurite extends StartedTestService {
  /** The blob endpoint, `http://127.0.0.1:<port>/devstoreaccount1`. */
  url: string;
  port: number;
  connectionString: string;
  /** The server's process id (started with node, so it is Azurite itself). */
  pid: number;
}

export interface StartAzuriteOptions {
  /** Default: a free port. A restart after a fault passes the port it had. */
  port?: number;
  /** Persist to this directory instead of memory, so that a restarted server keeps its blobs. */
  location?: string;
}

/** Azurite's blob server entry point, resolved from plugins/azure-blob (azurite is its devDependency). */
export function azuriteBlobMain(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Same depth from src/services and dist/services: packages/testkit/<src|dist>/services.
  const main = path.resolve(here, '../../../../plugins/azure-blob/node_modules/azurite/dist/src/blob/main.js');
  if (!existsSync(main)) {
    throw new Error(`Azurite is not installed at ${main}: run \`pnpm install\` (azurite is a devDependency of plugins/azure-blob).`);
  }
  return main;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts Azurite's blob server with node (not npx, so the PID is the server's), on 127.0.0.1 and
 * a free port, in memory unless `location` is given. Resolves once it accepts connections.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<StartedAzurite> {
  const port = options.port ?? (await freePort());
  const args = [
    azuriteBlobMain(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    // The blob SDK speaks a newer API version than Azurite 3.35 accepts.
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--silent',
    ...(options.location === undefined ? ['--inMemoryPersistence', '--extentMemoryLimit', '1024'] : ['--location', options.location]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('Azurite did not start: no process id.');

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode} before listening on port ${port}: ${stderr}`);
    if ((await probeConnection({ host: '127.0.0.1', port }, 500)).open) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Azurite did not listen on 127.0.0.1:${port} within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const url = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    url,
    port,
    pid,
    connectionString: azuriteConnectionString(url),
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5000);
      }
    },
  };
}

/**
 * Azurite in the test-services registry: `ORRERY_TEST_AZURITE_URL` (a blob endpoint of the
 * development account) → an Azurite on 127.0.0.1:10000 → an Azurite container → Azurite started by
 * the harness from the devDependency. Its URL is the blob endpoint; `getAzuriteConnectionString`
 * turns it into the connection string the plugin takes.
 */
export const AZURITE_SERVICE: TestServiceDefinition = {
  name: 'azurite',
  displayName: 'Azurite (Azure Blob emulator)',
  envVar: 'ORRERY_TEST_AZURITE_URL',
  localPort: 10000,
  localUrl: (host, port) => `http://${host}:${port}/${AZURITE_ACCOUNT}`,
  urlExample: `http://127.0.0.1:10000/${AZURITE_ACCOUNT}`,
  installHint: 'run `pnpm install` (azurite 3.35.0 is a devDependency of plugins/azure-blob), or start Azurite on 127.0.0.1:10000',
  startContainer: (engine) => startAzuriteContainer(engine),
  startBinary: () => startAzurite(),
};

/** A connection string and how to release the server behind it. */
export interface AzuriteConnection {
  connectionString: string;
  source: 'env' | 'local' | 'container' | 'binary';
  stop(): Promise<void>;
}

/**
 * The connection string tests use: `ORRERY_TEST_AZURITE_CONNECTION_STRING` when set (any Azure
 * Blob endpoint, e.g. a real account), else the registry's Azurite. The value may hold an
 * account key: never log it.
 */
export async function getAzuriteConnectionString(env: NodeJS.ProcessEnv = process.env): Promise<AzuriteConnection> {
  const fromEnv = env[AZURITE_CONNECTION_STRING_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { connectionString: fromEnv.trim(), source: 'env', stop: async () => {} };
  }
  // Registered here, not at module load: service-definitions.ts and test-services.ts import each other.
  if (!registeredTestServices().includes(AZURITE_SERVICE.name)) registerTestService(AZURITE_SERVICE);
  const service = await getTestService('azurite', { env });
  return { connectionString: azuriteConnectionString(service.url), source: service.source, stop: () => service.stop() };
}
