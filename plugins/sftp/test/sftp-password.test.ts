import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, redactUri } from '@orrery/core';
import { recordingLogger, runArtifactRepositoryConformance, uniqueNamespace, type TestService } from '@orrery/testkit';
import { SftpArtifactRepository } from '@orrery/plugin-sftp';
import { expectOrreryError } from '../../../packages/testkit/src/artifact-conformance/artifact-fixtures.js';
import { sftpPasswordTestService, urlWithChild } from './sftp-test-service.js';

/**
 * Password login against a real SFTP server: `ORRERY_TEST_SFTP_PASSWORD_URL`, else the harness
 * sshd with a throwaway local account (run as root). Without either, `beforeAll` fails with the
 * registry's message naming the variable.
 */

let service: TestService;
/** The service URL's password, decoded. */
let password: string;
/** An empty HOME for the whole file, so no default key in ~/.ssh can log in in the password's place. */
let emptyHome: string;
let previousHome: string | undefined;

beforeAll(async () => {
  service = await sftpPasswordTestService();
  const url = new URL(service.url);
  if (url.password === '') {
    throw new Error('ORRERY_TEST_SFTP_PASSWORD_URL must carry a password: sftp://user:password@host:port/dir?known_hosts=/path/known_hosts');
  }
  password = decodeURIComponent(url.password);
  emptyHome = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-sftp-password-home-'));
  previousHome = process.env.HOME;
  process.env.HOME = emptyHome;
});

afterAll(async () => {
  if (previousHome === undefined) delete process.env.HOME;
  else process.env.HOME = previousHome;
  if (emptyHome !== undefined) await fs.rm(emptyHome, { recursive: true, force: true });
  await service?.stop();
});

/** A fresh root under the service's directory, with the URL's password replaced (or removed, for ''). */
function rootUrl(options: { password?: string; knownHosts?: string } = {}): string {
  const url = new URL(urlWithChild(service.url, uniqueNamespace('sftppw')));
  if (options.password !== undefined) url.password = encodeURIComponent(options.password);
  if (options.knownHosts !== undefined) url.searchParams.set('known_hosts', options.knownHosts);
  return url.toString();
}

/** Every place a secret could leak to: the error (message, stack, cause, JSON) and what was logged. */
function everythingShown(error: Error, logger: ReturnType<typeof recordingLogger>): string {
  return [error.message, String(error.stack), String(error.cause), JSON.stringify(error), JSON.stringify(logger.records)].join('\n');
}

/** The part of an UNAUTHENTICATED message that lists what was tried, ending with a password. */
const TRIED_A_PASSWORD = /: tried (.+, )?a password\. /;

function expectNoSecret(text: string, secret: string): void {
  expect(text).not.toContain(secret);
  expect(text).not.toContain(encodeURIComponent(secret));
}

describe('SFTP password login (real sshd)', () => {
  const opened: SftpArtifactRepository[] = [];
  let scratch: string;

  function open(uri: string, options: { env?: NodeJS.ProcessEnv; logger?: ReturnType<typeof recordingLogger> } = {}): SftpArtifactRepository {
    // env {} keeps the machine's SSH agent and ORRERY_SFTP_* settings out: only the password can log in.
    const repo = new SftpArtifactRepository(uri, { logger: options.logger ?? recordingLogger(), env: options.env ?? {} });
    opened.push(repo);
    return repo;
  }

  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-sftp-password-'));
  });

  afterEach(async () => {
    for (const repo of opened.splice(0)) {
      await repo.deleteArtifacts().catch(() => undefined);
      await repo.close();
    }
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('logs in with the password in the URI (percent-decoded), checks the host key, and round-trips a file', async () => {
    const logger = recordingLogger();
    const repo = open(rootUrl(), { logger });
    expect(repo.location.password).toBe(password);
    expect(repo.location.knownHostsPath).toBe(new URL(service.url).searchParams.get('known_hosts'));

    const content = randomBytes(300 * 1024);
    await repo.writeArtifactStream('model/weights.bin', Readable.from([content]));
    const local = path.join(scratch, 'notes.txt');
    await fs.writeFile(local, 'written through a password login\n');
    await repo.logArtifact(local, 'model');

    expect(await repo.listArtifacts('model')).toEqual([
      { path: 'model/notes.txt', isDir: false, fileSize: 33 },
      { path: 'model/weights.bin', isDir: false, fileSize: content.length },
    ]);
    const downloaded = await repo.downloadArtifacts('model', path.join(scratch, 'download'));
    expect(await fs.readFile(path.join(downloaded, 'weights.bin'))).toEqual(content);
    expect(await fs.readFile(path.join(downloaded, 'notes.txt'), 'utf8')).toBe('written through a password login\n');
    expectNoSecret(JSON.stringify(logger.records), password);
  });

  it('logs in with ORRERY_SFTP_PASSWORD when the URI carries no password', async () => {
    const withoutPassword = rootUrl({ password: '' });
    expect(new URL(withoutPassword).password).toBe('');
    const repo = open(withoutPassword, { env: { ORRERY_SFTP_PASSWORD: password } });
    expect(repo.location.password).toBe(password);
    await repo.writeArtifactStream('from-env.txt', Readable.from([Buffer.from('env password')]));
    expect(await repo.listArtifacts()).toEqual([{ path: 'from-env.txt', isDir: false, fileSize: 12 }]);

    // Without the variable the same URI has no credential the server takes.
    const logger = recordingLogger();
    const error = await expectOrreryError(open(withoutPassword, { logger }).listArtifacts(), 'UNAUTHENTICATED');
    expect(error.message).toContain(': tried the default keys in ~/.ssh. ');
  });

  it('prefers the password in the URI over ORRERY_SFTP_PASSWORD', async () => {
    const repo = open(rootUrl(), { env: { ORRERY_SFTP_PASSWORD: `not-${password}` } });
    await repo.writeArtifactStream('uri-wins.txt', Readable.from([Buffer.from('ok')]));
    expect(await repo.listArtifacts()).toEqual([{ path: 'uri-wins.txt', isDir: false, fileSize: 2 }]);
  });

  it('fails a wrong password with UNAUTHENTICATED naming the account, and shows neither password anywhere', async () => {
    const wrong = `wrong-${randomBytes(9).toString('base64url')}@:/%`;
    const user = decodeURIComponent(new URL(service.url).username);
    const host = new URL(service.url).hostname;

    const inUri = recordingLogger();
    const uriError = await expectOrreryError(open(rootUrl({ password: wrong }), { logger: inUri }).listArtifacts(), 'UNAUTHENTICATED');
    expect(uriError.message).toMatch(/^SFTP authentication failed for /);
    expect(uriError.message).toContain(`${user}@`);
    expect(uriError.message).toContain(host);
    expect(uriError.message).toMatch(TRIED_A_PASSWORD);
    for (const secret of [wrong, password]) expectNoSecret(everythingShown(uriError, inUri), secret);

    const inEnv = recordingLogger();
    const envError = await expectOrreryError(
      open(rootUrl({ password: '' }), { logger: inEnv, env: { ORRERY_SFTP_PASSWORD: wrong } }).writeArtifactStream('x.txt', Readable.from([Buffer.from('x')])),
      'UNAUTHENTICATED',
    );
    expect(envError.message).toMatch(TRIED_A_PASSWORD);
    for (const secret of [wrong, password]) expectNoSecret(everythingShown(envError, inEnv), secret);
  });

  it('never shows the password in the URI the repository displays and logs', async () => {
    const uri = rootUrl();
    const repo = open(uri);
    expect(repo.displayUri).toBe(redactUri(uri));
    expect(repo.displayUri).toContain(':***@');
    expectNoSecret(repo.displayUri, password);
    expectNoSecret(repo.location.displayUri, password);
  });

  it('checks the host key before sending the password: an unknown host is refused', async () => {
    const logger = recordingLogger();
    const knownHosts = path.join(scratch, 'empty_known_hosts');
    await fs.writeFile(knownHosts, '');
    const error = await expectOrreryError(open(rootUrl({ knownHosts }), { logger }).listArtifacts(), 'PERMISSION_DENIED');
    expect(error.message).toContain('is not in');
    expect(error.message).toContain(knownHosts);
    expectNoSecret(everythingShown(error, logger), password);
  });
});

runArtifactRepositoryConformance({
  name: 'sftp (password login)',
  // The key-login suite (sftp-conformance.test.ts) runs the large cases over the same code; they
  // would add minutes and prove nothing about how the session was authenticated.
  largeFile: false,
  manyFiles: false,
  async open() {
    const root = rootUrl();
    const logger = createLogger({ level: 'silent' });
    const repo = new SftpArtifactRepository(root, { logger, env: {} });
    return {
      repo,
      cleanup: async () => {
        const cleaner = new SftpArtifactRepository(root, { logger, env: {} });
        try {
          await cleaner.deleteArtifacts();
        } finally {
          await cleaner.close();
        }
      },
    };
  },
});
