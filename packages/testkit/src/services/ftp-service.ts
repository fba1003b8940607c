import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { uniqueNamespace } from './namespaces.js';
import { probeConnection } from './tcp-probe.js';
import { startFtpContainer } from './service-containers.js';
import {
  getTestService,
  registerTestService,
  registeredTestServices,
  type StartedTestService,
  type TestService,
  type TestServiceDefinition,
} from './test-services.js';

const execFileAsync = promisify(execFile);

const PURE_FTPD = '/usr/sbin/pure-ftpd';
const PURE_PW = '/usr/bin/pure-pw';
/** The system account the virtual FTP user's files belong to (Debian's `nobody`). */
const FTP_SYSTEM_UID = 65534;
const FTP_SYSTEM_GID = 65534;
/** Passive data ports per server: thousands of small transfers leave ports in TIME_WAIT. */
const PASSIVE_PORT_COUNT = 3000;
/**
 * Passive ranges start here, in slots of PASSIVE_PORT_COUNT, and stay below Linux's ephemeral
 * ports (32768 and up): a passive port that is also some client socket's local port cannot be
 * bound, and the server answers 425 "Address already in use".
 */
const PASSIVE_PORTS_FROM = 11_000;
const PASSIVE_SLOTS = 7;

/** A pure-ftpd the harness started: 127.0.0.1 only, its own ports, its own temporary root. */
export interface StartedPureFtpd extends StartedTestService {
  /** `ftp://orrery:<password>@127.0.0.1:<port>/` (or `ftps://`), credentials included: never log it. */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The local directory that is `/` for the FTP user (files appear here as the server writes them). */
  homeDir: string;
  /** The daemon's process id. */
  pid: number;
  /** For `tls: true`: the PEM file of the server's self-signed certificate, to trust as a CA. */
  caFile?: string;
  /** The process ids of the sessions the daemon forked (one or more per connected client). */
  sessionPids(): Promise<number[]>;
  /** Kills every session the daemon forked (SIGKILL), as a dropped connection would; returns how many. */
  killSessions(): Promise<number>;
}

export interface StartPureFtpdOptions {
  /** Also accept explicit TLS (AUTH TLS) with a self-signed certificate for 127.0.0.1. */
  tls?: boolean;
  /**
   * Caps each session's upload rate, in KiB/s (pure-ftpd `-T <up>:`), so a fault test can act in
   * the middle of an upload however fast the machine moves bytes.
   */
  uploadKibPerSecond?: number;
}

/** Why pure-ftpd cannot be started here, or undefined when it can. */
export function pureFtpdUnavailableReason(): string | undefined {
  if (!existsSync(PURE_FTPD) || !existsSync(PURE_PW)) return `${PURE_FTPD} (and ${PURE_PW}) are not installed`;
  if (process.getuid?.() !== 0) {
    return 'pure-ftpd needs root to serve virtual users (it changes to their uid and chroots); run the tests as root';
  }
  return undefined;
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

/** Every process descending from `pid`, found through /proc. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name (2nd field) is in parentheses and may hold spaces: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const parent = Number(fields[1]);
    const children = parents.get(parent) ?? [];
    children.push(Number(entry));
    parents.set(parent, children);
  }
  const found: number[] = [];
  const pending = [pid];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const child of parents.get(current) ?? []) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
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
 * Starts pure-ftpd from the Debian package, as root, with everything as flags: one virtual user
 * (`orrery`, a random password, a `$6$` hash in a puredb file made by pure-pw) mapped to the
 * `nobody` uid and chrooted to a fresh temporary home; 127.0.0.1 and a free control port only;
 * its own passive port range; no anonymous logins; dot files shown (so uploads' temporary names
 * can be listed and removed); no reverse DNS. `stop` ends it and removes the temporary directory.
 */
export async function startPureFtpd(options: StartPureFtpdOptions = {}): Promise<StartedPureFtpd> {
  const unavailable = pureFtpdUnavailableReason();
  if (unavailable !== undefined) throw new Error(unavailable);

  const baseDir = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-pure-ftpd-'));
  await fs.chmod(baseDir, 0o755);
  const homeDir = path.join(baseDir, 'home');
  await fs.mkdir(homeDir);
  await fs.chown(homeDir, FTP_SYSTEM_UID, FTP_SYSTEM_GID);

  const user = 'orrery';
  const password = `pw-${uniqueNamespace('ftp')}`;
  const passwdFile = path.join(baseDir, 'pureftpd.passwd');
  const dbFile = path.join(baseDir, 'pureftpd.pdb');
  const hash = await hashPassword(password);
  // pure-pw's line format: user:hash:uid:gid:gecos:home/./ then quota and limit fields.
  await fs.writeFile(passwdFile, `${user}:${hash}:${FTP_SYSTEM_UID}:${FTP_SYSTEM_GID}::${homeDir}/./::::::::::::\n`, { mode: 0o600 });
  await execFileAsync(PURE_PW, ['mkdb', dbFile, '-f', passwdFile]);

  const extraArgs: string[] = [];
  let caFile: string | undefined;
  if (options.tls) {
    const keyFile = path.join(baseDir, 'key.pem');
    caFile = path.join(baseDir, 'cert.pem');
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-keyout', keyFile, '-out', caFile,
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ]);
    extraArgs.push('-Y', '1', '-2', `${caFile},${keyFile}`);
  }
  if (options.uploadKibPerSecond !== undefined) {
    if (!Number.isInteger(options.uploadKibPerSecond) || options.uploadKibPerSecond < 1) {
      throw new Error(`uploadKibPerSecond must be a whole number of KiB/s, 1 or more, not ${options.uploadKibPerSecond}`);
    }
    extraArgs.push('-T', `${options.uploadKibPerSecond}:`);
  }

  const port = await freePort();
  const passiveStart = PASSIVE_PORTS_FROM + Math.floor(Math.random() * PASSIVE_SLOTS) * PASSIVE_PORT_COUNT;
  const args = [
    '-l', `puredb:${dbFile}`,
    '-S', `127.0.0.1,${port}`,
    '-P', '127.0.0.1',
    '-p', `${passiveStart}:${passiveStart + PASSIVE_PORT_COUNT - 1}`,
    '-E', // no anonymous logins
    '-A', // chroot everyone
    '-j', // create the home directory if missing
    '-H', // no reverse DNS
    '-D', // list dot files
    '-u', '1', // any uid but root may log in
    '-c', '200', // sessions in all
    '-C', '200', // sessions per client IP (all tests come from 127.0.0.1)
    '-L', '100000:16', // listing limit: files per listing, recursion depth
    '-4',
    ...extraArgs,
  ];
  const child = spawn(PURE_FTPD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('pure-ftpd did not start: no process id.');

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await fs.rm(baseDir, { recursive: true, force: true });
      throw new Error(`pure-ftpd exited with code ${child.exitCode} before listening on 127.0.0.1:${port}: ${stderr}`);
    }
    if ((await probeConnection({ host: '127.0.0.1', port }, 500)).open) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await fs.rm(baseDir, { recursive: true, force: true });
      throw new Error(`pure-ftpd did not listen on 127.0.0.1:${port} within 10 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const scheme = options.tls ? 'ftps' : 'ftp';
  const killSessions = async (): Promise<number> => {
    const sessions = await descendants(pid);
    for (const session of sessions) {
      try {
        process.kill(session, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    return sessions.length;
  };
  return {
    url: `${scheme}://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`,
    host: '127.0.0.1',
    port,
    user,
    password,
    homeDir,
    pid,
    ...(caFile !== undefined ? { caFile } : {}),
    sessionPids: () => descendants(pid),
    killSessions,
    async stop() {
      await killSessions();
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5000);
      }
      await fs.rm(baseDir, { recursive: true, force: true });
    },
  };
}

/** A SHA-512 crypt (`$6$`) hash: the default hash of pure-pw costs about 2 s per login. */
async function hashPassword(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['passwd', '-6', '-stdin'], { encoding: 'utf8' }, (error, stdout) => {
      if (error) reject(new Error(`openssl passwd -6 failed: ${error.message}`));
      else resolve(stdout.trim());
    });
    child.stdin?.end(`${password}\n`);
  });
}

/**
 * An FTP server in the test-services registry: `ORRERY_TEST_FTP_URL` (any FTP server, as
 * `ftp://user:password@host:port/dir`) → (no standard local FTP server with known credentials, so
 * no local probe) → a pure-ftpd container → pure-ftpd started by the harness.
 */
export const FTP_SERVICE: TestServiceDefinition = {
  name: 'ftp',
  displayName: 'FTP server',
  envVar: 'ORRERY_TEST_FTP_URL',
  // Port 0 never answers: an FTP server found on :21 would come without credentials to use.
  localPort: 0,
  localUrl: (host, port) => `ftp://${host}:${port}/`,
  urlExample: 'ftp://user:password@127.0.0.1:2121/artifacts',
  installHint: 'install pure-ftpd (Debian/Ubuntu: `apt-get install pure-ftpd`) and run the tests as root, so the harness can start it',
  startContainer: (engine) => startFtpContainer(engine),
  startBinary: async () => {
    const reason = pureFtpdUnavailableReason();
    return reason !== undefined ? { unavailable: reason } : startPureFtpd();
  },
};

/**
 * The FTP server tests share: the registry's answer for `ftp` (registered on first use, since
 * service-definitions.ts and test-services.ts import each other). Its URL holds credentials.
 */
export async function getFtpTestService(env: NodeJS.ProcessEnv = process.env): Promise<TestService> {
  if (!registeredTestServices().includes(FTP_SERVICE.name)) registerTestService(FTP_SERVICE);
  return getTestService(FTP_SERVICE.name, { env });
}

/** `url` with a fresh directory appended (`ftp://u:p@h:21/base/` → `ftp://u:p@h:21/base/<unique>`), one per test. */
export function ftpUrlWithFreshDirectory(url: string, prefix = 'ftp'): string {
  return `${url.replace(/\/+$/, '')}/${uniqueNamespace(prefix)}`;
}
