import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StartedTestService, TestServiceDefinition } from './test-services.js';
import { probeConnection } from './tcp-probe.js';

const execFileAsync = promisify(execFile);

/** Where Debian's openssh-server puts the daemon; sshd must be started by its absolute path. */
const SSHD_BINARY = '/usr/sbin/sshd';
/** sshd's privilege-separation directory; it refuses to start without it. */
const PRIVSEP_DIR = '/run/sshd';

/** An OpenSSH sshd the harness started: 127.0.0.1 only, its own keys, config and temp dir. */
export interface StartedSshd extends StartedTestService {
  /**
   * `sftp://<user>@127.0.0.1:<port><dataDir>?key_path=...&known_hosts=...`: the client key and a
   * known_hosts file that trusts this daemon's host key ride along as URI parameters, so a test
   * that only has the URL can still connect with host-key checking on.
   */
  url: string;
  host: string;
  port: number;
  username: string;
  /** A directory the SFTP user can write, on this machine's file system. */
  dataDir: string;
  /** A private key (OpenSSH format, no passphrase) the daemon accepts. */
  clientKeyPath: string;
  /** A known_hosts file holding this daemon's host key as `[127.0.0.1]:<port> ssh-ed25519 ...`. */
  knownHostsPath: string;
  /** The host key's public line, `ssh-ed25519 AAAA...`. */
  hostPublicKey: string;
  /** The listening daemon's process id. */
  pid: number;
  /** The process ids of the per-connection sshd processes (children of the listener). */
  sessionPids(): Promise<number[]>;
  /** What the daemon logged so far (for failure messages). */
  log(): Promise<string>;
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

async function generateKey(path: string, comment: string): Promise<string> {
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  const line = (await readFile(`${path}.pub`, 'utf8')).trim();
  // `type base64 comment` → `type base64`
  return line.split(/\s+/).slice(0, 2).join(' ');
}

/** Children of `pid`, read from /proc (Linux). */
async function childPids(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces; the parent pid follows it.
      const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(afterName[1]) === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Builds the `sftp://` URL of a started daemon. */
export function sshdUrl(options: { username: string; host: string; port: number; path: string; keyPath: string; knownHostsPath: string }): string {
  const query = `key_path=${encodeURIComponent(options.keyPath)}&known_hosts=${encodeURIComponent(options.knownHostsPath)}`;
  return `sftp://${encodeURIComponent(options.username)}@${options.host}:${options.port}${encodeURI(options.path)}?${query}`;
}

/**
 * Starts a private OpenSSH sshd from the installed binary: a free loopback port, a generated
 * ed25519 host key and client key, its own config (key auth only, `internal-sftp`), all in a
 * temp dir that `stop` removes. The daemon runs in the foreground (`-D`) as a child of this
 * process, so `stop` (or a test) can kill it and its per-connection children by pid.
 */
export async function startSshd(): Promise<StartedSshd> {
  await access(SSHD_BINARY).catch(() => {
    throw new Error(`${SSHD_BINARY} is not installed`);
  });
  await mkdir(PRIVSEP_DIR, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'orrery-sshd-'));
  try {
    const username = userInfo().username;
    const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
    const clientKeyPath = join(dir, 'client_ed25519');
    const hostPublicKey = await generateKey(hostKeyPath, 'orrery-test-host');
    const clientPublicKey = await generateKey(clientKeyPath, 'orrery-test-client');
    const authorizedKeys = join(dir, 'authorized_keys');
    await writeFile(authorizedKeys, `${clientPublicKey}\n`, { mode: 0o600 });
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const port = await freePort();
    const knownHostsPath = join(dir, 'known_hosts');
    await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
    const configPath = join(dir, 'sshd_config');
    const logPath = join(dir, 'sshd.log');
    await writeFile(
      configPath,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKeyPath}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'StrictModes no',
        // Concurrent tests open many connections at once; the defaults (10:30:100) drop some.
        'MaxStartups 200',
        'MaxSessions 100',
        'LogLevel VERBOSE',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );

    const child: ChildProcess = spawn(SSHD_BINARY, ['-D', '-f', configPath, '-E', logPath], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const log = () => readFile(logPath, 'utf8').catch(() => '');
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${SSHD_BINARY}`);

    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${SSHD_BINARY} exited before listening:\n${await log()}`);
      }
      if ((await probeConnection({ host: '127.0.0.1', port }, 500)).open) break;
      if (Date.now() > deadline) {
        killQuietly(pid, 'SIGKILL');
        throw new Error(`${SSHD_BINARY} did not listen on 127.0.0.1:${port} within 10 s:\n${await log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    let stopped = false;
    return {
      url: sshdUrl({ username, host: '127.0.0.1', port, path: dataDir, keyPath: clientKeyPath, knownHostsPath }),
      host: '127.0.0.1',
      port,
      username,
      dataDir,
      clientKeyPath,
      knownHostsPath,
      hostPublicKey,
      pid,
      sessionPids: () => childPids(pid),
      log,
      async stop() {
        if (stopped) return;
        stopped = true;
        // The listener's exit does not end open sessions, so their processes go first.
        for (const session of await childPids(pid)) killQuietly(session, 'SIGTERM');
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => killQuietly(pid, 'SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The `sftp` test service: `ORRERY_TEST_SFTP_URL` (e.g.
 * `sftp://me@127.0.0.1:2222/srv/test?key_path=/keys/id_ed25519&known_hosts=/keys/known_hosts`),
 * else a private sshd started from /usr/sbin/sshd. There is no "already listening" step: a
 * machine's own sshd on port 22 would not trust a key the harness has, so `localPort` is 0, a
 * port nothing listens on, and that probe always falls through.
 */
export const SSHD_SERVICE: TestServiceDefinition = {
  name: 'sftp',
  displayName: 'OpenSSH sshd',
  envVar: 'ORRERY_TEST_SFTP_URL',
  localPort: 0,
  localUrl: (host, port) => `sftp://${host}:${port}/`,
  urlExample: 'sftp://me@127.0.0.1:2222/srv/orrery-test?key_path=/keys/id_ed25519&known_hosts=/keys/known_hosts',
  installHint: 'install OpenSSH\'s server (Debian/Ubuntu: `apt-get install openssh-server`; the harness runs /usr/sbin/sshd itself)',
  // CONTAINER HOOK: with testcontainers 11.x in testkit's dependencies, an image such as
  // `linuxserver/openssh-server` with a generated key could be started here.
  startContainer: undefined,
  async startBinary() {
    try {
      await access(SSHD_BINARY);
    } catch {
      return { unavailable: `${SSHD_BINARY} is not installed` };
    }
    return startSshd();
  },
};
