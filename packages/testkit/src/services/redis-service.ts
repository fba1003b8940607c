import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueNamespace } from './namespaces.js';
import type { StartedTestService } from './test-services.js';

const run = promisify(execFile);

/**
 * Redis for tests: a key-prefix namespace per test on a shared server, and private `redis-server`
 * processes the harness starts itself (127.0.0.1, a free port, a temp dir) for tests that restart,
 * kill or reconfigure Redis, which must never touch the machine's shared Redis on 6379.
 */

/** The `redis-server` binary: `ORRERY_REDIS_SERVER_BIN`, else the first on PATH, else /usr/bin/redis-server. */
export function redisServerBinary(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.ORRERY_REDIS_SERVER_BIN) return env.ORRERY_REDIS_SERVER_BIN;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'redis-server'))) return join(dir, 'redis-server');
  }
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined;
}

function redisCliBinary(server: string): string {
  const sibling = join(server, '..', 'redis-cli');
  return existsSync(sibling) ? sibling : 'redis-cli';
}

/** A free TCP port on 127.0.0.1 (the kernel picks; the caller binds it right after). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Sends PING over a raw socket; resolves with the first reply line (`+PONG`, `-LOADING ...`) or the error. */
function ping(port: number, timeoutMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (data.includes('\r\n')) done(data.split('\r\n')[0]!);
    });
    socket.once('error', (error) => done(error.message));
  });
}

async function waitForPong(port: number, child: ChildProcess, output: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`);
    }
    if ((await ping(port)) === '+PONG') return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface PrivateRedisOptions {
  /** Extra `redis-server` flags, e.g. `{ 'maxmemory-policy': 'allkeys-lru', appendonly: 'yes' }`. */
  config?: Record<string, string>;
  /** Run as a Sentinel (`--sentinel`) with this config file content instead of flags. */
  sentinelConfig?: (port: number, dir: string) => string;
}

/** A redis-server process owned by one test. */
export interface PrivateRedisServer {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Its working directory (AOF and RDB files live here). */
  dir: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Starts it again on the same port and directory (after `stop` or `kill`). */
  start(): Promise<void>;
  /** SIGTERM and wait: Redis flushes what its persistence settings say, then exits. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash, nothing flushed. */
  kill(): Promise<void>;
  /** Stops it and removes its directory. */
  cleanup(): Promise<void>;
}

/**
 * Starts a private `redis-server` on 127.0.0.1, a free port and a fresh temp dir (no RDB
 * snapshots unless `config` asks for them). Throws saying what to install when there is no binary.
 */
export async function startPrivateRedisServer(options: PrivateRedisOptions = {}): Promise<PrivateRedisServer> {
  const binary = redisServerBinary();
  if (!binary) {
    throw new Error(
      'No redis-server binary found (set ORRERY_REDIS_SERVER_BIN, or install Redis: Debian/Ubuntu `apt-get install redis-server`).',
    );
  }
  const port = await freeTcpPort();
  const dir = await mkdtemp(join(tmpdir(), 'orrery-redis-'));
  let child: ChildProcess | undefined;
  let output = '';
  let exited: Promise<void> = Promise.resolve();

  const args = async (): Promise<string[]> => {
    if (options.sentinelConfig) {
      const file = join(dir, 'sentinel.conf');
      if (!existsSync(file)) await writeFile(file, options.sentinelConfig(port, dir));
      return [file, '--sentinel'];
    }
    const flags: Record<string, string> = {
      port: String(port),
      bind: '127.0.0.1',
      dir,
      save: '',
      appendonly: 'no',
      'protected-mode': 'yes',
      daemonize: 'no',
      loglevel: 'warning',
      ...options.config,
    };
    return Object.entries(flags).flatMap(([name, value]) => [`--${name}`, value]);
  };

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    output = '';
    const proc = spawn(binary, await args(), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await waitForPong(port, proc, () => output);
  };

  const signal = async (name: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(name);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    start,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async cleanup() {
      await signal('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The harness-started binary for `getTestService('redis')`: one private server, stopped after. */
export async function startRedisBinary(): Promise<StartedTestService | { unavailable: string }> {
  if (!redisServerBinary()) return { unavailable: 'no redis-server binary on PATH or at /usr/bin/redis-server' };
  const server = await startPrivateRedisServer();
  return { url: server.url, stop: () => server.cleanup() };
}

/**
 * A store URL under a fresh key prefix on the Redis at `baseUrl`, so each test (or suite) has its
 * own namespace on a shared server: `redis://127.0.0.1:6379?prefix=orreryt...`.
 */
export function redisNamespaceUrl(baseUrl: string, label = 'orrery'): { url: string; prefix: string } {
  const prefix = uniqueNamespace(label);
  const url = new URL(baseUrl);
  url.searchParams.set('prefix', prefix);
  return { url: url.toString(), prefix };
}

/** A private Redis Cluster: `masters` cluster-enabled servers joined with `redis-cli --cluster create`. */
export interface PrivateRedisCluster {
  /** A store URI naming every node: `redis://127.0.0.1:<p1>?cluster=true&cluster_nodes=...`. */
  url: string;
  nodes: PrivateRedisServer[];
  cleanup(): Promise<void>;
}

export async function startPrivateRedisCluster(masters = 3): Promise<PrivateRedisCluster> {
  const nodes: PrivateRedisServer[] = [];
  try {
    for (let i = 0; i < masters; i += 1) {
      nodes.push(
        await startPrivateRedisServer({
          config: { 'cluster-enabled': 'yes', 'cluster-config-file': 'nodes.conf', 'cluster-node-timeout': '2000' },
        }),
      );
    }
    const cli = redisCliBinary(redisServerBinary()!);
    await run(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(
        nodes.map(async (n) => (await run(cli, ['-p', String(n.port), 'cluster', 'info'])).stdout.includes('cluster_state:ok')),
      );
      if (states.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error('the private Redis Cluster did not reach cluster_state:ok within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.cleanup()));
    throw error;
  }
  const [first, ...rest] = nodes;
  return {
    url: `redis://127.0.0.1:${first!.port}?cluster=true&cluster_nodes=${rest.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    cleanup: async () => {
      await Promise.all(nodes.map((n) => n.cleanup()));
    },
  };
}

/** A private master watched by one Sentinel. */
export interface PrivateRedisSentinel {
  /** A store URI through the Sentinel: `redis://127.0.0.1:<sentinel port>?sentinel=mymaster`. */
  url: string;
  master: PrivateRedisServer;
  sentinel: PrivateRedisServer;
  cleanup(): Promise<void>;
}

export async function startPrivateRedisSentinel(masterName = 'mymaster'): Promise<PrivateRedisSentinel> {
  const master = await startPrivateRedisServer();
  try {
    const sentinel = await startPrivateRedisServer({
      sentinelConfig: (port, dir) =>
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
          `sentinel down-after-milliseconds ${masterName} 2000`,
          '',
        ].join('\n'),
    });
    return {
      url: `redis://127.0.0.1:${sentinel.port}?sentinel=${masterName}`,
      master,
      sentinel,
      cleanup: async () => {
        await sentinel.cleanup();
        await master.cleanup();
      },
    };
  } catch (error) {
    await master.cleanup();
    throw error;
  }
}
