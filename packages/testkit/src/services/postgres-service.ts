import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { uniqueNamespace } from './namespaces.js';
import type { StartedTestService } from './test-services.js';

const run = promisify(execFile);

/**
 * PostgreSQL for tests: fresh databases on a shared server, and private servers the harness starts
 * from the installed binaries (`initdb` + `postgres`) for tests that restart or stop PostgreSQL and
 * so must never touch the shared one. testkit holds no database driver: the helpers that run SQL
 * take a `PostgresAdmin` (the PostgreSQL plugin's tests pass one made with `pg`).
 */

/** Runs one statement on a database, given its URL (autocommit; CREATE/DROP DATABASE need that). */
export interface PostgresAdmin {
  execute(url: string, statement: string): Promise<void>;
}

/** A database made for one test run. */
export interface FreshPostgresDatabase {
  /** Its name, `orrery_test_<unique>`. */
  name: string;
  /** The server URL with the database name in the path (credentials kept). */
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** `url` with its database (path) replaced by `database`. */
export function postgresUrlWithDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates `orrery_test_<unique>` on the server at `serverUrl` (any database URL on it; the
 * statement runs on that database) and returns its URL. Drop it in `afterAll`.
 */
export async function createFreshPostgresDatabase(serverUrl: string, admin: PostgresAdmin, prefix = 'orrery_test'): Promise<FreshPostgresDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/g, '')}_${uniqueNamespace('t')}`.slice(0, 63);
  await admin.execute(serverUrl, `CREATE DATABASE "${name}"`);
  return {
    name,
    url: postgresUrlWithDatabase(serverUrl, name),
    drop: () => admin.execute(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; released before returning). */
export async function freeLocalPort(): Promise<number> {
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

/** Where Debian and most Linux packages put the server binaries; ORRERY_TEST_POSTGRES_BIN wins. */
export function findPostgresBinaries(env: Record<string, string | undefined> = process.env): string | undefined {
  const candidates = [
    env.ORRERY_TEST_POSTGRES_BIN,
    ...[17, 16, 15, 14, 13].map((v) => `/usr/lib/postgresql/${v}/bin`),
    '/usr/local/pgsql/bin',
    '/usr/pgsql-16/bin',
    '/usr/bin',
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres')));
}

/** A PostgreSQL server this process started, on 127.0.0.1 at a free port, with its data in a temp dir. */
export interface PrivatePostgres extends StartedTestService {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server (fast shutdown: open connections are ended with 57P01). */
  stopServer(): Promise<void>;
  /** Starts it again on the same port and data. */
  startServer(): Promise<void>;
  /** Fast shutdown, then start. */
  restart(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * How to run the server binaries. PostgreSQL refuses to run as root, so as root they run as the
 * `postgres` system user and the folder is handed to it. `setpriv` switches user with an `exec`
 * (so the child's pid is the server's own) and sets a parent-death signal: if this process dies
 * without stopping the server (a killed test worker), the kernel sends the server SIGINT, a fast
 * shutdown, and nothing is left running.
 */
function serverLauncher(): { wrap: (argv: string[]) => string[]; chown: (dir: string) => void } {
  const hasSetpriv = spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  const deathSignal = hasSetpriv ? ['--pdeathsig', 'SIGINT'] : [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { wrap: (argv) => (hasSetpriv ? ['setpriv', ...deathSignal, '--', ...argv] : argv), chown: () => {} };
  }
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) {
    throw new Error('running as root and there is no `postgres` user to run PostgreSQL as (PostgreSQL refuses to run as root)');
  }
  const uid = Number(id.stdout.trim());
  const group = Number(gid.stdout.trim());
  return {
    wrap: (argv) =>
      hasSetpriv
        ? ['setpriv', `--reuid=${uid}`, `--regid=${group}`, '--init-groups', ...deathSignal, '--', ...argv]
        : ['runuser', '-u', 'postgres', '--', ...argv],
    chown: (dir) => chownSync(dir, uid, group),
  };
}

/**
 * Initialises and starts a private PostgreSQL (trust auth for `postgres`, listening on 127.0.0.1
 * only, unix socket in its own folder). The server is a child of this process and stops with it.
 * Throws with the server's log when it cannot start.
 */
export async function startPrivatePostgres(options: { binDir?: string } = {}): Promise<PrivatePostgres> {
  const binDir = options.binDir ?? findPostgresBinaries();
  if (!binDir) {
    throw new Error('no PostgreSQL server binaries (initdb, postgres) found; install them (Debian/Ubuntu: `apt-get install postgresql`) or set ORRERY_TEST_POSTGRES_BIN');
  }
  const launcher = serverLauncher();
  const root = mkdtempSync(path.join(tmpdir(), 'orrery-private-pg-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');
  launcher.chown(root);
  try {
    const [cmd, ...args] = launcher.wrap([path.join(binDir, 'initdb'), '-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    await run(cmd!, args, { cwd: root, timeout: 60_000 });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as Error).message}`);
  }
  const port = await freeLocalPort();
  const serverArgs = ['-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=100', '-c', 'fsync=off', '-c', 'shared_buffers=32MB'];
  let child: ChildProcess | undefined;

  const ready = async (): Promise<boolean> => {
    const probe = spawnSync(path.join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-t', '1'], { stdio: 'ignore' });
    return probe.status === 0;
  };
  const startServer = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    const [cmd, ...args] = launcher.wrap([path.join(binDir, 'postgres'), ...serverArgs]);
    const started = spawn(cmd!, args, { cwd: root, stdio: ['ignore', log, log] });
    closeSync(log);
    child = started;
    const deadline = Date.now() + 60_000;
    while (!(await ready())) {
      if (started.exitCode !== null || started.signalCode !== null || Date.now() > deadline) {
        const tail = spawnSync('tail', ['-n', '30', logFile], { encoding: 'utf8' }).stdout;
        started.kill('SIGQUIT');
        throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}:\n${tail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const stopServer = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    // SIGINT: fast shutdown, open connections are ended with 57P01, as on a real restart.
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGQUIT'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await startServer();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stopServer,
    startServer,
    restart: async () => {
      await stopServer();
      await startServer();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopServer();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The registry's binary hook: a private server when the machine has the binaries, else the reason. */
export async function startHarnessPostgres(): Promise<StartedTestService | { unavailable: string }> {
  if (!findPostgresBinaries()) {
    return { unavailable: `no initdb/postgres found under /usr/lib/postgresql/*/bin (user ${userInfo().username})` };
  }
  const server = await startPrivatePostgres();
  return { url: server.url, stop: server.stop };
}
