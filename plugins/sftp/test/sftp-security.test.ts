import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Logger, isOrreryError, redactUri } from '@orrery/core';
import { SftpArtifactRepository, sha256Fingerprint } from '@orrery/plugin-sftp';
import { startSshd, sshdUrl, type StartedSshd } from '../../../packages/testkit/src/services/sshd-service.js';

const execFileAsync = promisify(execFile);

/** A logger that keeps every line it is given, to check what would have been logged. */
function capturingLogger(lines: string[]): Logger {
  const record = (level: string) => (obj: object | string, msg?: string) => {
    lines.push(`${level} ${typeof obj === 'string' ? obj : JSON.stringify(obj)} ${msg ?? ''}`);
  };
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: () => logger,
  };
  return logger;
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the call to fail');
}

const quiet = capturingLogger([]);

describe('SFTP host keys, authentication and secrets', () => {
  let sshd: StartedSshd;
  let scratch: string;
  let hostKeyBlob: Buffer;

  beforeAll(async () => {
    sshd = await startSshd();
    hostKeyBlob = Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64');
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-sftp-security-'));
  });

  afterEach(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  function url(options: { knownHosts: string; keyPath?: string; query?: string }): string {
    const base = sshdUrl({
      username: sshd.username,
      host: sshd.host,
      port: sshd.port,
      path: sshd.dataDir,
      keyPath: options.keyPath ?? sshd.clientKeyPath,
      knownHostsPath: options.knownHosts,
    });
    return options.query ? `${base}&${options.query}` : base;
  }

  describe('host keys', () => {
    it('refuses an unknown host, naming the host, its SHA256 fingerprint and how to trust it', async () => {
      const knownHosts = path.join(scratch, 'known_hosts');
      const repo = new SftpArtifactRepository(url({ knownHosts }), { logger: quiet, env: {} });
      const error = await failure(repo.listArtifacts());
      await repo.close();
      expect(isOrreryError(error)).toBe(true);
      expect(error.code).toBe('PERMISSION_DENIED');
      const { stdout } = await execFileAsync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(path.dirname(sshd.knownHostsPath), 'ssh_host_ed25519_key.pub')]);
      const fingerprint = stdout.split(' ')[1]!;
      expect(sha256Fingerprint(hostKeyBlob)).toBe(fingerprint);
      expect(error.message).toContain(`[127.0.0.1]:${sshd.port}`);
      expect(error.message).toContain(fingerprint);
      expect(error.message).toContain('ssh-keyscan');
      expect(error.message).toContain('ORRERY_SFTP_TRUST_ON_FIRST_USE=1');
      await expect(fs.access(knownHosts)).rejects.toThrow();
    });

    it('trusts on first use only when asked, records the key, and then checks it like any other', async () => {
      const knownHosts = path.join(scratch, 'tofu', 'known_hosts');
      const lines: string[] = [];
      const repo = new SftpArtifactRepository(url({ knownHosts }), { logger: capturingLogger(lines), env: { ORRERY_SFTP_TRUST_ON_FIRST_USE: '1' } });
      await repo.writeArtifactStream('tofu.txt', Readable.from([Buffer.from('ok')]));
      await repo.close();
      expect((await fs.readFile(knownHosts, 'utf8')).trim()).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}`);
      expect(lines.join('\n')).toContain(sha256Fingerprint(hostKeyBlob));

      // The recorded key now serves a client without the option.
      const again = new SftpArtifactRepository(url({ knownHosts }), { logger: quiet, env: {} });
      expect(await again.listArtifacts()).toContainEqual({ path: 'tofu.txt', isDir: false, fileSize: 2 });
      await again.close();

      // The URI parameter works as the variable does.
      const viaUri = path.join(scratch, 'known_hosts_uri');
      const byParameter = new SftpArtifactRepository(url({ knownHosts: viaUri, query: 'trust_on_first_use=1' }), { logger: quiet, env: {} });
      await byParameter.listArtifacts();
      await byParameter.close();
      expect(await fs.readFile(viaUri, 'utf8')).toContain(sshd.hostPublicKey);
    });

    it('refuses a changed host key, even with trust on first use, and leaves known_hosts alone', async () => {
      const knownHosts = path.join(scratch, 'known_hosts');
      await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(scratch, 'other')]);
      const other = (await fs.readFile(path.join(scratch, 'other.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
      const content = `[127.0.0.1]:${sshd.port} ${other}\n`;
      await fs.writeFile(knownHosts, content);
      const repo = new SftpArtifactRepository(url({ knownHosts }), { logger: quiet, env: { ORRERY_SFTP_TRUST_ON_FIRST_USE: '1' } });
      const error = await failure(repo.listArtifacts());
      await repo.close();
      expect(error.code).toBe('PERMISSION_DENIED');
      expect(error.message).toContain('has changed');
      expect(error.message).toContain(sha256Fingerprint(hostKeyBlob));
      expect(error.message).toContain('line 1');
      expect(await fs.readFile(knownHosts, 'utf8')).toBe(content);
    });

    it('accepts a hashed known_hosts entry (ssh-keygen -H) and a wildcard one', async () => {
      const hashed = path.join(scratch, 'hashed_known_hosts');
      await fs.writeFile(hashed, `other.example ${sshd.hostPublicKey}\n[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
      await execFileAsync('ssh-keygen', ['-H', '-f', hashed]);
      expect(await fs.readFile(hashed, 'utf8')).toMatch(/^\|1\|/);
      const repo = new SftpArtifactRepository(url({ knownHosts: hashed }), { logger: quiet, env: {} });
      expect(await repo.listArtifacts()).toBeInstanceOf(Array);
      await repo.close();

      const wildcard = path.join(scratch, 'wildcard_known_hosts');
      await fs.writeFile(wildcard, `[127.0.0.*]:${sshd.port},!10.0.0.1 ${sshd.hostPublicKey}\n`);
      const repo2 = new SftpArtifactRepository(url({ knownHosts: wildcard }), { logger: quiet, env: {} });
      expect(await repo2.listArtifacts()).toBeInstanceOf(Array);
      await repo2.close();
    });
  });

  describe('authentication', () => {
    it('authenticates with a key path from ORRERY_SFTP_KEY_PATH', async () => {
      const plain = `sftp://${sshd.username}@127.0.0.1:${sshd.port}${sshd.dataDir}`;
      const repo = new SftpArtifactRepository(plain, {
        logger: quiet,
        env: { ORRERY_SFTP_KEY_PATH: sshd.clientKeyPath, ORRERY_SFTP_KNOWN_HOSTS: sshd.knownHostsPath },
      });
      expect(await repo.listArtifacts()).toBeInstanceOf(Array);
      await repo.close();
    });

    it('authenticates with a key in ~/.ssh when none is configured', async () => {
      const home = path.join(scratch, 'home');
      await fs.mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
      await fs.copyFile(sshd.clientKeyPath, path.join(home, '.ssh', 'id_ed25519'));
      await fs.writeFile(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
      const previousHome = process.env.HOME;
      process.env.HOME = home;
      try {
        const repo = new SftpArtifactRepository(`sftp://${sshd.username}@127.0.0.1:${sshd.port}${sshd.dataDir}`, { logger: quiet, env: {} });
        expect(await repo.listArtifacts()).toBeInstanceOf(Array);
        await repo.close();
      } finally {
        process.env.HOME = previousHome;
      }
    });

    it('authenticates through an SSH agent (ssh-agent + ssh-add)', async () => {
      const socket = path.join(scratch, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100; i += 1) {
          if (await fs.access(socket).then(() => true, () => false)) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await execFileAsync('ssh-add', [sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
        const home = path.join(scratch, 'empty-home');
        await fs.mkdir(home);
        const previousHome = process.env.HOME;
        process.env.HOME = home; // no default keys: only the agent can authenticate
        try {
          const repo = new SftpArtifactRepository(`sftp://${sshd.username}@127.0.0.1:${sshd.port}${sshd.dataDir}`, {
            logger: quiet,
            env: { SSH_AUTH_SOCK: socket, ORRERY_SFTP_KNOWN_HOSTS: sshd.knownHostsPath },
          });
          expect(await repo.listArtifacts()).toBeInstanceOf(Array);
          await repo.close();
        } finally {
          process.env.HOME = previousHome;
        }
      } finally {
        agent.kill('SIGTERM');
      }
    });

    it('fails with UNAUTHENTICATED naming what was tried when no credential is accepted', async () => {
      await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(scratch, 'stranger')]);
      const repo = new SftpArtifactRepository(url({ knownHosts: sshd.knownHostsPath, keyPath: path.join(scratch, 'stranger') }), {
        logger: quiet,
        env: {},
      });
      const error = await failure(repo.listArtifacts());
      await repo.close();
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.message).toContain(path.join(scratch, 'stranger'));
    });
  });

  describe('secrets', () => {
    it('never shows a password from the URI in errors, logs or the URI it displays', async () => {
      // The daemon takes keys only, so the password is refused; the point is where it does not appear.
      const secret = 'S3cr3t-p@ss';
      const withPassword = `sftp://${sshd.username}:${encodeURIComponent(secret)}@127.0.0.1:${sshd.port}${sshd.dataDir}?known_hosts=${encodeURIComponent(sshd.knownHostsPath)}`;
      const lines: string[] = [];
      const home = path.join(scratch, 'no-keys');
      await fs.mkdir(home);
      const previousHome = process.env.HOME;
      process.env.HOME = home;
      try {
        const repo = new SftpArtifactRepository(withPassword, { logger: capturingLogger(lines), env: {} });
        expect(repo.displayUri).toBe(redactUri(withPassword));
        expect(repo.displayUri).not.toContain(secret);
        const error = await failure(repo.listArtifacts());
        await repo.close();
        expect(error.code).toBe('UNAUTHENTICATED');
        const shown = [error.message, String(error.stack), JSON.stringify(error), lines.join('\n')].join('\n');
        expect(shown).not.toContain(secret);
        expect(shown).not.toContain(encodeURIComponent(secret));

        // Same for a password from the environment and an unreachable host.
        const unreachable = new SftpArtifactRepository(`sftp://${sshd.username}:${encodeURIComponent(secret)}@127.0.0.1:1/x`, {
          logger: capturingLogger(lines),
          env: {},
        });
        const refused = await failure(unreachable.listArtifacts());
        await unreachable.close();
        expect(refused.code).toBe('TEMPORARILY_UNAVAILABLE');
        expect(`${refused.message}\n${lines.join('\n')}`).not.toContain(encodeURIComponent(secret));
      } finally {
        process.env.HOME = previousHome;
      }
    });

    it('keeps a key passphrase out of errors', async () => {
      const passphrase = 'correct horse battery staple';
      await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', path.join(scratch, 'locked')]);
      const repo = new SftpArtifactRepository(url({ knownHosts: sshd.knownHostsPath, keyPath: path.join(scratch, 'locked') }), {
        logger: quiet,
        env: { ORRERY_SFTP_KEY_PASSPHRASE: passphrase },
      });
      const error = await failure(repo.listArtifacts());
      await repo.close();
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(`${error.message}\n${error.stack}`).not.toContain(passphrase);
    });
  });
});
