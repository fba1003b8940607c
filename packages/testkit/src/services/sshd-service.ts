import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PASSWORD_ACCOUNT_NEEDS_ROOT, createPasswordAccount, type PasswordAccount } from './sshd-password-account.js';
import type { StartedTestService, TestServiceDefinition } from './test-services.js';
import { probeConnection } from './tcp-probe.js';
import { startSshdContainer } from './service-containers.js';

const execFileAsync = promisify(execFile);

/** Where Debian's openssh-server puts the daemon; sshd must be started by its absolute path. */
const SSHD_BINARY = '/usr/sbin/sshd';
/** sshd's privilege-separation directory; it refuses to start without it. */
const PRIVSEP_DIR = '/run/sshd';

/** Options of `startSshd`. */
export interface StartSshdOptions {
  /**
   * Also let a throwaway local account log in with a password (see `SshdPasswordLogin`). Needs
   * root: with `UsePAM no` sshd checks passwords against /etc/shadow, so the account must be real.
   */
  passwordLogin?: boolean;
}

/**
 * Password login to a harness sshd: a local account made for this daemon (`orrery-sftp-<hex>`)
 * with a fresh random password, allowed only the password method and only SFTP. `stop` deletes it.
 */
export interface SshdPasswordLogin {
  /**
   * `sftp://<user>:<password>@127.0.0.1:<port><dataDir>?known_hosts=...`, the password
   * percent-encoded; no key rides along, so only the password can log in.
   */
  url: string;
  username: string;
  /** The password as typed (it holds characters a URI must percent-encode). */
  password: string;
  /** The account's home, which it owns; the SFTP root of `url`. */
  dataDir: string;
}

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
  /** Set when started with `passwordLogin: true`. */
  passwordLogin?: SshdPasswordLogin;
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

/** Builds the `sftp://` URL of a started daemon: with a key (`keyPath`) or a password in it. */
export function sshdUrl(options: {
  username: string;
  password?: string;
  host: string;
  port: number;
  path: string;
  keyPath?: string;
  knownHostsPath: string;
}): string {
  const keyParameter = options.keyPath === undefined ? '' : `key_path=${encodeURIComponent(options.keyPath)}&`;
  const query = `${keyParameter}known_hosts=${encodeURIComponent(options.knownHostsPath)}`;
  const userinfo = encodeURIComponent(options.username) + (options.password === undefined ? '' : `:${encodeURIComponent(options.password)}`);
  return `sftp://${userinfo}@${options.host}:${options.port}${encodeURI(options.path)}?${query}`;
}

/**
 * The password account's processes must reach its home inside the daemon's temp dir, so every
 * directory above it must be searchable by other users (it is for /tmp; not for, say, a TMPDIR
 * under /root).
 */
async function checkSearchableByOthers(dir: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) {
      throw new Error(
        `the SFTP password test account cannot reach ${dir}: ${current} is not searchable by other users ` +
          '(point TMPDIR at a directory such as /tmp whose parents all are)',
      );
    }
    if (dirname(current) === current) return;
  }
}

/** The sshd_config block that lets the password account in: the password method only, SFTP only. */
function passwordMatchBlock(username: string): string[] {
  return [
    // Match blocks run to the end of the file, so this one comes last.
    `Match User ${username}`,
    '  PasswordAuthentication yes',
    // The global AuthorizedKeysFile would otherwise let the harness key in as this account too.
    '  PubkeyAuthentication no',
    '  AuthenticationMethods password',
    '  ForceCommand internal-sftp',
    '  AllowTcpForwarding no',
    '  AllowAgentForwarding no',
    '  X11Forwarding no',
    '  PermitTTY no',
  ];
}

/**
 * Starts a private OpenSSH sshd from the installed binary: a free loopback port, a generated
 * ed25519 host key and client key, its own config (key auth only, `internal-sftp`), all in a
 * temp dir that `stop` removes. The daemon runs in the foreground (`-D`) as a child of this
 * process, so `stop` (or a test) can kill it and its per-connection children by pid.
 *
 * With `passwordLogin: true` (root only), a throwaway account may also log in with a password;
 * see `SshdPasswordLogin`.
 */
export async function startSshd(options: StartSshdOptions & { passwordLogin: true }): Promise<StartedSshd & { passwordLogin: SshdPasswordLogin }>;
export async function startSshd(options?: StartSshdOptions): Promise<StartedSshd>;
export async function startSshd(options: StartSshdOptions = {}): Promise<StartedSshd> {
  await access(SSHD_BINARY).catch(() => {
    throw new Error(`${SSHD_BINARY} is not installed`);
  });
  await mkdir(PRIVSEP_DIR, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'orrery-sshd-'));
  let account: PasswordAccount | undefined;
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
    let passwordDataDir: string | undefined;
    if (options.passwordLogin) {
      // The temp dir stays unlistable by others; the account only passes through it to its home.
      await chmod(dir, 0o711);
      passwordDataDir = join(dir, 'password-data');
      await mkdir(passwordDataDir, { mode: 0o700 });
      await checkSearchableByOthers(dir);
      account = await createPasswordAccount(passwordDataDir);
    }
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
        ...(account ? passwordMatchBlock(account.username) : []),
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
    const passwordLogin: SshdPasswordLogin | undefined =
      account && passwordDataDir !== undefined
        ? {
            url: sshdUrl({ username: account.username, password: account.password, host: '127.0.0.1', port, path: passwordDataDir, knownHostsPath }),
            username: account.username,
            password: account.password,
            dataDir: passwordDataDir,
          }
        : undefined;
    const removeAccount = account?.remove;
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
      ...(passwordLogin ? { passwordLogin } : {}),
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
        try {
          await removeAccount?.();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await account?.remove().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The `sftp` test service: `ORRERY_TEST_SFTP_URL` (e.g.
 * `sftp://me@127.0.0.1:2222/srv/test?key_path=/keys/id_ed25519&known_hosts=/keys/known_hosts`),
 * else an OpenSSH container when a Docker engine answers, else a private sshd started from
 * /usr/sbin/sshd. There is no "already listening" step: a
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
  startContainer: (engine) => startSshdContainer(engine),
  async startBinary() {
    try {
      await access(SSHD_BINARY);
    } catch {
      return { unavailable: `${SSHD_BINARY} is not installed` };
    }
    return startSshd();
  },
};

/**
 * The `sftp-password` test service, for tests of password login: `ORRERY_TEST_SFTP_PASSWORD_URL`
 * (an SFTP server that accepts the password in the URL, e.g.
 * `sftp://me:secret@127.0.0.1:2222/srv/test?known_hosts=/keys/known_hosts`), else a private sshd
 * started with `passwordLogin: true`, whose URL is its password account's. That needs root; any
 * other user gets the registry's failure naming the variable, never a skip.
 */
export const SSHD_PASSWORD_SERVICE: TestServiceDefinition = {
  name: 'sftp-password',
  displayName: 'OpenSSH sshd with password login',
  envVar: 'ORRERY_TEST_SFTP_PASSWORD_URL',
  localPort: 0,
  localUrl: (host, port) => `sftp://${host}:${port}/`,
  urlExample: 'sftp://me:secret@127.0.0.1:2222/srv/orrery-test?known_hosts=/keys/known_hosts',
  installHint:
    'run the tests as root with OpenSSH\'s server installed (Debian/Ubuntu: `apt-get install openssh-server`): the harness then ' +
    'starts /usr/sbin/sshd and creates a throwaway local account with a random password for it',
  startContainer: (engine) => startSshdContainer(engine, { password: true }),
  async startBinary() {
    try {
      await access(SSHD_BINARY);
    } catch {
      return { unavailable: `${SSHD_BINARY} is not installed` };
    }
    if (process.getuid?.() !== 0) {
      return { unavailable: `${PASSWORD_ACCOUNT_NEEDS_ROOT}, and this process runs as uid ${process.getuid?.() ?? '?'}` };
    }
    const sshd = await startSshd({ passwordLogin: true });
    return { url: sshd.passwordLogin.url, stop: sshd.stop };
  },
};
