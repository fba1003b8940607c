import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Logger, createLogger, isOrreryError } from '@orrery/core';
import { FTP_UPLOAD_TEMP_PREFIX, FtpArtifactRepository, ftpArtifactRepositoryDefinition, parseFtpUri } from '@orrery/plugin-ftp';
import { generateBytes, hashStream, runArtifactRepositoryConformance } from '@orrery/testkit';
import {
  type StartedPureFtpd,
  ftpUrlWithFreshDirectory,
  startPureFtpd,
} from '../../../packages/testkit/src/services/ftp-service.js';

/** A logger that keeps every line, to check what reaches the logs. */
function recordingLogger(lines: string[]): Logger {
  const record = (obj: object | string, msg?: string): void => {
    lines.push(`${typeof obj === 'string' ? obj : JSON.stringify(obj)} ${msg ?? ''}`);
  };
  const logger: Logger = { debug: record, info: record, warn: record, error: record, child: () => logger };
  return logger;
}

async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

async function readText(repo: FtpArtifactRepository, artifactPath: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await repo.readArtifactStream(artifactPath)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function sha256File(file: string): Promise<string> {
  return (await hashStream(createReadStream(file))).sha256;
}

/** Writes `bytes` of deterministic data to a local file and returns its sha256. */
async function writeLocalData(file: string, bytes: number, seed: number): Promise<string> {
  const generated = generateBytes(bytes, { seed, chunkSize: 1024 * 1024 });
  const handle = await fs.open(file, 'w');
  try {
    for await (const chunk of generated.body) await handle.write(chunk);
  } finally {
    await handle.close();
  }
  return generated.sha256();
}

/** Waits until a file whose name starts with `prefix` in `dir` holds at least `bytes`. */
async function waitForGrowingFile(dir: string, prefix: string, bytes: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(prefix))) {
      const size = (await fs.stat(path.join(dir, name)).catch(() => undefined))?.size ?? 0;
      if (size >= bytes) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`no file starting with '${prefix}' reached ${bytes} bytes in ${dir}`);
}

/**
 * Waits until `file`, which was being written when its session was killed, is truncated by a new
 * upload and has grown back to at least `bytes`.
 */
async function waitForRewrittenFile(file: string, bytes: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let largest = 0;
  let truncated = false;
  while (Date.now() < deadline) {
    const size = (await fs.stat(file).catch(() => undefined))?.size ?? 0;
    if (truncated && size >= bytes) return;
    if (size < largest) truncated = true;
    largest = Math.max(largest, size);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`${file} was not rewritten to ${bytes} bytes`);
}

async function tempNamesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  return entries.filter((name) => path.basename(name).startsWith(FTP_UPLOAD_TEMP_PREFIX));
}

describe('FTP artifact URIs', () => {
  it('reads host, port, user, password and an absolute root path; defaults like MLflow', () => {
    expect(parseFtpUri('ftp://alice:s%40cret@ftp.example.com:2121/data/artifacts', {})).toMatchObject({
      secure: false,
      host: 'ftp.example.com',
      port: 2121,
      user: 'alice',
      password: 's@cret',
      rootPath: '/data/artifacts',
    });
    expect(parseFtpUri('ftp://ftp.example.com', {})).toMatchObject({ port: 21, user: 'anonymous', password: '', rootPath: '/' });
    expect(parseFtpUri('ftps://bob@h/my%20runs/%C3%BC/', {})).toMatchObject({ secure: true, user: 'bob', rootPath: '/my runs/ü' });
  });

  it('takes user and password from the environment when the URI has none', () => {
    const env = { ORRERY_FTP_USER: 'envuser', ORRERY_FTP_PASSWORD: 'envpass' };
    expect(parseFtpUri('ftp://h/x', env)).toMatchObject({ user: 'envuser', password: 'envpass' });
    expect(parseFtpUri('ftp://uriuser@h/x', env)).toMatchObject({ user: 'uriuser', password: 'envpass' });
    expect(parseFtpUri('ftp://u:uripass@h/x', env)).toMatchObject({ user: 'u', password: 'uripass' });
  });

  it('refuses URIs that could smuggle FTP commands or are not FTP, showing them with the password masked', () => {
    for (const bad of [
      'ftp://u:topsecret@h/a%0d%0aDELE%20x',
      'ftp://u:topsecret@h/a%00b',
      'ftp://u:top%0asecret@h/a',
      'ftp://u:topsecret@h/a?x=1',
      // No parameter is read at all, so a repeated one is refused like any other.
      'ftp://u:topsecret@h/a?x=1&x=2',
      'ftp://u:topsecret@h/a%2Fb',
      'sftp://u:topsecret@h/a',
    ]) {
      let message = '';
      try {
        parseFtpUri(bad, {});
      } catch (error) {
        expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
        message = (error as Error).message;
      }
      expect(message, bad).toMatch(/Invalid FTP artifact URI/);
      expect(message).not.toContain('topsecret');
      expect(message).not.toContain('top%0asecret');
    }
  });

  it('shows the root URI with the password masked, also when the repository or its location is logged', () => {
    const repo = new FtpArtifactRepository('ftp://alice:hunter22@127.0.0.1:2121/a', { env: {} });
    expect(String(repo)).toBe('ftp://alice:***@127.0.0.1:2121/a');
    expect(repo.location.shownUri).not.toContain('hunter22');
    expect(repo.location.password).toBe('hunter22');
    for (const shown of [JSON.stringify(repo), inspect(repo, { depth: 5 }), JSON.stringify(repo.location), inspect(repo.location)]) {
      expect(shown).toContain('alice');
      expect(shown).not.toContain('hunter22');
    }
    const env = parseFtpUri('ftp://alice@h/a', { ORRERY_FTP_PASSWORD: 'from-env-secret' });
    expect(JSON.stringify(env)).not.toContain('from-env-secret');
  });
});

describe('FTP repository against pure-ftpd', () => {
  let server: StartedPureFtpd;

  beforeAll(async () => {
    server = await startPureFtpd();
  });

  afterAll(async () => {
    await server?.stop();
  });

  const opened: FtpArtifactRepository[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((repo) => repo.close()));
  });

  function open(
    options: ConstructorParameters<typeof FtpArtifactRepository>[1] = {},
    on: StartedPureFtpd = server,
  ): { repo: FtpArtifactRepository; dir: string } {
    const uri = ftpUrlWithFreshDirectory(on.url);
    const repo = new FtpArtifactRepository(uri, options);
    opened.push(repo);
    return { repo, dir: path.join(on.homeDir, ...repo.location.rootPath.split('/').filter(Boolean)) };
  }

  describe('secrets', () => {
    it('a refused login is UNAUTHENTICATED and names the user, never the password', async () => {
      const wrong = 'wrong-password-value';
      const lines: string[] = [];
      const repo = new FtpArtifactRepository(`ftp://${server.user}:${wrong}@127.0.0.1:${server.port}/x`, {
        logger: recordingLogger(lines),
      });
      opened.push(repo);
      const error = await failureOf(repo.listArtifacts());
      expect(isOrreryError(error) && error.code).toBe('UNAUTHENTICATED');
      expect(error.message).toContain(`user '${server.user}'`);
      expect(error.message).not.toContain(wrong);
      expect(JSON.stringify(lines)).not.toContain(wrong);
    });

    it('an unreachable server is TEMPORARILY_UNAVAILABLE, and neither the error nor the logs hold the password', async () => {
      const lines: string[] = [];
      const closedPort = server.port === 1 ? 2 : 1;
      const repo = new FtpArtifactRepository(`ftp://someone:very-secret-pw@127.0.0.1:${closedPort}/x`, {
        logger: recordingLogger(lines),
        env: {},
      });
      opened.push(repo);
      const error = await failureOf(repo.writeArtifactStream('a.txt', Readable.from([Buffer.from('a')])));
      expect(isOrreryError(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
      expect(error.message).toContain('ftp://someone:***@127.0.0.1');
      expect(`${error.message} ${String(error.stack)} ${JSON.stringify(lines)}`).not.toContain('very-secret-pw');
    });

    it('the password can come from ORRERY_FTP_PASSWORD, so the artifact URI holds none', async () => {
      const uri = `ftp://${server.user}@127.0.0.1:${server.port}/env-${Date.now()}`;
      const repo = new FtpArtifactRepository(uri, { env: { ORRERY_FTP_PASSWORD: server.password } });
      opened.push(repo);
      await repo.writeArtifactStream('e.txt', Readable.from([Buffer.from('from env')]));
      expect(await readText(repo, 'e.txt')).toBe('from env');
      expect(repo.rootUri).not.toContain(server.password);
      await repo.deleteArtifacts();
    });

    it('the plugin definition serves ftp and ftps, is declared in package.json, and masks the password in its errors', async () => {
      const manifest = JSON.parse(await fs.readFile(path.resolve(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
        orrery: { artifactRepository: Record<string, string> };
      };
      expect(manifest.orrery.artifactRepository).toEqual({ ftp: './dist/ftp-plugin.js', ftps: './dist/ftp-plugin.js' });
      expect(ftpArtifactRepositoryDefinition.kind).toBe('artifactRepository');
      expect(ftpArtifactRepositoryDefinition.schemes).toEqual(['ftp', 'ftps']);
      const created = await ftpArtifactRepositoryDefinition.create({ uri: ftpUrlWithFreshDirectory(server.url), logger: createLogger() });
      expect(created).toBeInstanceOf(FtpArtifactRepository);
      await created.close?.();
      const error = await failureOf(ftpArtifactRepositoryDefinition.create({ uri: 'ftp://u:pw-in-uri@h/a?b', logger: createLogger() }));
      expect(error.message).not.toContain('pw-in-uri');
    });
  });

  describe('uploads', () => {
    it('stream to a temporary name, renamed into place: readers see the old file until the new one is whole', async () => {
      const { repo, dir } = open();
      await repo.writeArtifactStream('m/model.bin', Readable.from([Buffer.from('old version')]));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      async function* slowBody(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(2 * 1024 * 1024, 1);
        await released;
        yield Buffer.from('tail');
      }
      const writing = repo.writeArtifactStream('m/model.bin', slowBody());
      await waitForGrowingFile(path.join(dir, 'm'), FTP_UPLOAD_TEMP_PREFIX, 1024 * 1024);
      const reader = new FtpArtifactRepository(repo.rootUri);
      opened.push(reader);
      expect(await readText(reader, 'm/model.bin')).toBe('old version');
      expect(await reader.listArtifacts('m')).toEqual([{ path: 'm/model.bin', isDir: false, fileSize: 11 }]);
      release();
      await writing;
      expect((await reader.listArtifacts('m'))[0]?.fileSize).toBe(2 * 1024 * 1024 + 4);
      expect(await tempNamesUnder(dir)).toEqual([]);
    });

    it('ORRERY_FTP_RENAME_THRESHOLD_MB sets which files go through a temporary name; a bad value is refused', async () => {
      const previous = process.env.ORRERY_FTP_RENAME_THRESHOLD_MB;
      try {
        process.env.ORRERY_FTP_RENAME_THRESHOLD_MB = 'lots';
        const refused = await failureOf(ftpArtifactRepositoryDefinition.create({ uri: server.url, logger: createLogger() }));
        expect(isOrreryError(refused) && refused.code).toBe('INVALID_PARAMETER_VALUE');
        expect(refused.message).toContain("ORRERY_FTP_RENAME_THRESHOLD_MB must be a number of MiB, 0 or more (e.g. 16 or 0.5), not 'lots'");

        // 0: every file, however small, through a temporary name; seen while the body waits.
        process.env.ORRERY_FTP_RENAME_THRESHOLD_MB = '0';
        const uri = ftpUrlWithFreshDirectory(server.url);
        const dir = path.join(server.homeDir, ...parseFtpUri(uri).rootPath.split('/').filter(Boolean));
        const repo = await ftpArtifactRepositoryDefinition.create({ uri, logger: createLogger() });
        try {
          let release!: () => void;
          const released = new Promise<void>((resolve) => (release = resolve));
          async function* slowBody(): AsyncGenerator<Buffer> {
            yield Buffer.alloc(64 * 1024, 1);
            await released;
            yield Buffer.from('tail');
          }
          const writing = repo.writeArtifactStream('t/small.bin', slowBody());
          await waitForGrowingFile(path.join(dir, 't'), FTP_UPLOAD_TEMP_PREFIX, 64 * 1024);
          release();
          await writing;
          expect(await repo.listArtifacts('t')).toEqual([{ path: 't/small.bin', isDir: false, fileSize: 64 * 1024 + 4 }]);
          expect(await tempNamesUnder(dir)).toEqual([]);
          await repo.deleteArtifacts();
        } finally {
          await repo.close?.();
        }
      } finally {
        if (previous === undefined) delete process.env.ORRERY_FTP_RENAME_THRESHOLD_MB;
        else process.env.ORRERY_FTP_RENAME_THRESHOLD_MB = previous;
      }
      expect(() => new FtpArtifactRepository(server.url, { renameThresholdBytes: -1 })).toThrow(/renameThresholdBytes/);
    });

    it('a failed body leaves the old file and no temporary file on the server', async () => {
      const { repo, dir } = open();
      await repo.writeArtifactStream('keep.txt', Readable.from([Buffer.from('kept')]));
      const failing = generateBytes(8 * 1024 * 1024, { chunkSize: 256 * 1024, failAfter: 2 * 1024 * 1024 });
      await expect(repo.writeArtifactStream('keep.txt', failing.body)).rejects.toThrow(/on purpose/);
      expect(await readText(repo, 'keep.txt')).toBe('kept');
      expect(await tempNamesUnder(dir)).toEqual([]);
    });

    it('refuses to write under a file or over a directory', async () => {
      const { repo } = open();
      await repo.writeArtifactStream('d/f.txt', Readable.from([Buffer.from('f')]));
      const under = await failureOf(repo.writeArtifactStream('d/f.txt/child.txt', Readable.from([Buffer.from('x')])));
      expect(isOrreryError(under) && under.code).toBe('INVALID_PARAMETER_VALUE');
      expect(under.message).toContain("'d/f.txt' is a file");
      const over = await failureOf(repo.writeArtifactStream('d', Readable.from([Buffer.from('x')])));
      expect(isOrreryError(over) && over.code).toBe('INVALID_PARAMETER_VALUE');
      const read = await failureOf(repo.readArtifactStream('d'));
      expect(isOrreryError(read) && read.code).toBe('INVALID_PARAMETER_VALUE');
    });
  });

  describe('listings', () => {
    it('takes wildcard characters and a leading dash literally', async () => {
      const { repo } = open();
      for (const name of ['*', 'a*b?.txt', '[abc].txt', '-la', '.hidden']) {
        await repo.writeArtifactStream(`w/${name}`, Readable.from([Buffer.from(name)]));
      }
      await repo.writeArtifactStream('w*/other.txt', Readable.from([Buffer.from('other')]));
      expect((await repo.listArtifacts('w')).map((entry) => entry.path)).toEqual(
        ['w/*', 'w/-la', 'w/.hidden', 'w/[abc].txt', 'w/a*b?.txt'],
      );
      expect(await repo.listArtifacts('w*')).toEqual([{ path: 'w*/other.txt', isDir: false, fileSize: 5 }]);
      expect(await readText(repo, 'w/*')).toBe('*');
    });

    it('leaves out names no artifact path can address, so a download never leaves its destination', async () => {
      const { repo, dir } = open();
      await repo.writeArtifactStream('ok.txt', Readable.from([Buffer.from('ok')]));
      await fs.writeFile(path.join(dir, 'back\\slash.txt'), 'x');
      await fs.writeFile(path.join(dir, 'new\nline.txt'), 'x');
      await fs.writeFile(path.join(dir, `${FTP_UPLOAD_TEMP_PREFIX}stale.tmp`), 'x');
      expect(await repo.listArtifacts()).toEqual([{ path: 'ok.txt', isDir: false, fileSize: 2 }]);
      const dst = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-ftp-dst-'));
      try {
        await repo.downloadArtifacts('', dst);
        expect(await fs.readdir(dst)).toEqual(['ok.txt']);
      } finally {
        await fs.rm(dst, { recursive: true, force: true });
      }
    });
  });

  describe('connection pool', () => {
    it('never opens more connections than its limit', async () => {
      await waitForNoSessions(server);
      const perSession = await processesPerSession(server);
      await waitForNoSessions(server);
      const { repo } = open({ maxConnections: 2 });
      const before = (await server.sessionPids()).length;
      let most = 0;
      const watching = (async () => {
        for (let i = 0; i < 40; i += 1) {
          // Each session is a process (privsep adds a helper per session), so compare growth.
          most = Math.max(most, (await server.sessionPids()).length - before);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => repo.writeArtifactStream(`p/${i}.bin`, Readable.from([Buffer.alloc(256 * 1024, i)]))),
      );
      await watching;
      expect((await repo.listArtifacts('p')).length).toBe(12);
      expect(most).toBeLessThanOrEqual(2 * perSession);
      expect(most).toBeGreaterThan(0);
    });

    it("probing files and missing paths on one connection does not trip pure-ftpd's guard against directory scans", async () => {
      // pure-ftpd delays each refused CWD by 100 ms more than the one before and ends the session
      // after 50 in a row; listing a file or a missing path, or downloading a file, probes with CWD.
      const lines: string[] = [];
      const { repo } = open({ maxConnections: 1, logger: recordingLogger(lines) });
      await repo.writeArtifactStream('f.txt', Readable.from([Buffer.from('f')]));
      const dst = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-ftp-dst-'));
      try {
        for (let i = 0; i < 60; i += 1) {
          if (i % 3 === 0) expect(await repo.listArtifacts(`missing-${i}`)).toEqual([]);
          else if (i % 3 === 1) expect(await repo.listArtifacts('f.txt')).toEqual([]);
          else expect(await repo.downloadArtifacts('f.txt', dst)).toBe(path.join(dst, 'f.txt'));
        }
      } finally {
        await fs.rm(dst, { recursive: true, force: true });
      }
      expect(lines.filter((line) => line.includes('retrying'))).toEqual([]);
    });

    it('replaces connections the server dropped while idle', async () => {
      const lines: string[] = [];
      const { repo } = open({ logger: recordingLogger(lines) });
      await repo.writeArtifactStream('a.txt', Readable.from([Buffer.from('a')]));
      expect(await server.killSessions()).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await readText(repo, 'a.txt')).toBe('a');
      await repo.writeArtifactStream('b.txt', Readable.from([Buffer.from('b')]));
      expect((await repo.listArtifacts()).map((entry) => entry.path)).toEqual(['a.txt', 'b.txt']);
    });
  });

  describe('a session killed mid-transfer', () => {
    const sizeBytes = 192 * 1024 * 1024;
    let scratch: string;
    let localFile: string;
    let expected: string;
    // Uploads capped at 128 MiB/s, so the session is killed well before the end (about 1.5 s per
    // upload) however fast this machine moves bytes; downloads are not capped.
    let slow: StartedPureFtpd;

    beforeAll(async () => {
      slow = await startPureFtpd({ uploadKibPerSecond: 128 * 1024 });
      scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-ftp-fault-'));
      localFile = path.join(scratch, 'weights.bin');
      expected = await writeLocalData(localFile, sizeBytes, 42);
    });

    afterAll(async () => {
      await fs.rm(scratch, { recursive: true, force: true });
      await slow?.stop();
    });

    it('logArtifact retries the file on a fresh connection and stores it whole, leaving no temporary file', async () => {
      const lines: string[] = [];
      const { repo, dir } = open({ logger: recordingLogger(lines) }, slow);
      const uploading = repo.logArtifact(localFile, 'model');
      await waitForGrowingFile(path.join(dir, 'model'), FTP_UPLOAD_TEMP_PREFIX, 16 * 1024 * 1024);
      expect(await slow.killSessions()).toBeGreaterThan(0);
      await uploading;

      expect(lines.some((line) => line.includes('retrying the operation once on a fresh connection'))).toBe(true);
      expect(JSON.stringify(lines)).not.toContain(slow.password);
      expect(await repo.listArtifacts('model')).toEqual([{ path: 'model/weights.bin', isDir: false, fileSize: sizeBytes }]);
      expect(await sha256File(path.join(dir, 'model', 'weights.bin'))).toBe(expected);
      expect(await tempNamesUnder(dir)).toEqual([]);
    });

    it('a file under the threshold is written under its own name; a dropped upload is retried and stored whole', async () => {
      const lines: string[] = [];
      const { repo, dir } = open({ logger: recordingLogger(lines), renameThresholdBytes: sizeBytes + 1 }, slow);
      const uploading = repo.logArtifact(localFile, 'model');
      await waitForGrowingFile(path.join(dir, 'model'), 'weights.bin', 16 * 1024 * 1024);
      expect(await tempNamesUnder(dir)).toEqual([]);
      expect(await slow.killSessions()).toBeGreaterThan(0);
      await uploading;

      expect(lines.some((line) => line.includes('retrying the operation once on a fresh connection'))).toBe(true);
      expect(await repo.listArtifacts('model')).toEqual([{ path: 'model/weights.bin', isDir: false, fileSize: sizeBytes }]);
      expect(await sha256File(path.join(dir, 'model', 'weights.bin'))).toBe(expected);
      expect(await tempNamesUnder(dir)).toEqual([]);
    });

    it('a file under the threshold whose retry is dropped too fails and leaves no partial file', async () => {
      const { repo, dir } = open({ renameThresholdBytes: sizeBytes + 1 }, slow);
      const target = path.join(dir, 'model', 'weights.bin');
      const uploading = failureOf(repo.logArtifact(localFile, 'model'));
      await waitForGrowingFile(path.join(dir, 'model'), 'weights.bin', 16 * 1024 * 1024);
      expect(await slow.killSessions()).toBeGreaterThan(0);
      await waitForRewrittenFile(target, 16 * 1024 * 1024);
      expect(await slow.killSessions()).toBeGreaterThan(0);

      const error = await uploading;
      expect(isOrreryError(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
      expect(error.message).not.toContain(slow.password);
      expect(await fs.readdir(path.join(dir, 'model'))).toEqual([]);
      expect(await repo.listArtifacts('model')).toEqual([]);
    });

    it('logArtifacts retries the interrupted file and stores the whole tree', async () => {
      const tree = path.join(scratch, 'tree');
      await fs.mkdir(path.join(tree, 'sub'), { recursive: true });
      await fs.copyFile(localFile, path.join(tree, 'sub', 'big.bin'));
      await fs.writeFile(path.join(tree, 'small.txt'), 'small');
      const { repo, dir } = open({ maxConnections: 1 }, slow);
      const uploading = repo.logArtifacts(tree, 'run');
      await waitForGrowingFile(path.join(dir, 'run', 'sub'), FTP_UPLOAD_TEMP_PREFIX, 16 * 1024 * 1024);
      await slow.killSessions();
      await uploading;
      expect(await sha256File(path.join(dir, 'run', 'sub', 'big.bin'))).toBe(expected);
      expect(await fs.readFile(path.join(dir, 'run', 'small.txt'), 'utf8')).toBe('small');
      expect(await tempNamesUnder(dir)).toEqual([]);
    });

    it('a stream body that was partly sent cannot be replayed: the write fails, the old file stays, nothing partial is left', async () => {
      const { repo, dir } = open({}, slow);
      await repo.writeArtifactStream('s.bin', Readable.from([Buffer.from('old')]));
      const writing = repo.writeArtifactStream('s.bin', createReadStream(localFile));
      await waitForGrowingFile(dir, FTP_UPLOAD_TEMP_PREFIX, 16 * 1024 * 1024);
      await slow.killSessions();
      const error = await failureOf(writing);
      expect(isOrreryError(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
      expect(error.message).not.toContain(slow.password);
      expect(await readText(repo, 's.bin')).toBe('old');
      expect(await tempNamesUnder(dir)).toEqual([]);
    });

    it('a read resumes where it stopped and yields every byte once', async () => {
      const { repo, dir } = open({}, slow);
      await fs.mkdir(dir, { recursive: true });
      await fs.copyFile(localFile, path.join(dir, 'r.bin'));
      const stream = await repo.readArtifactStream('r.bin');
      const hash = createHash('sha256');
      let bytes = 0;
      let killed = false;
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        if (!killed && bytes > 32 * 1024 * 1024) {
          killed = true;
          expect(await slow.killSessions()).toBeGreaterThan(0);
        }
      }
      expect(killed).toBe(true);
      expect(bytes).toBe(sizeBytes);
      expect(hash.digest('hex')).toBe(expected);
    });
  });
});

/** Waits until every earlier session has ended (closed repositories' server processes exit shortly after). */
async function waitForNoSessions(server: StartedPureFtpd): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await server.sessionPids()).length > 0) {
    if (Date.now() > deadline) throw new Error('pure-ftpd sessions of earlier tests did not end within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How many processes pure-ftpd runs per session (1 without privilege separation, 2 with). */
async function processesPerSession(server: StartedPureFtpd): Promise<number> {
  const repo = new FtpArtifactRepository(ftpUrlWithFreshDirectory(server.url), { maxConnections: 1 });
  try {
    const before = (await server.sessionPids()).length;
    await repo.listArtifacts();
    return Math.max(1, (await server.sessionPids()).length - before);
  } finally {
    await repo.close();
  }
}

describe('FTPS (explicit TLS) against pure-ftpd', () => {
  let server: StartedPureFtpd;

  beforeAll(async () => {
    server = await startPureFtpd({ tls: true });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a server certificate it does not trust, saying how to trust it', async () => {
    const repo = new FtpArtifactRepository(ftpUrlWithFreshDirectory(server.url));
    try {
      const error = await failureOf(repo.listArtifacts());
      expect(isOrreryError(error) && error.code).toBe('UNAUTHENTICATED');
      expect(error.message).toContain('ORRERY_FTPS_CA_FILE');
      expect(error.message).not.toContain(server.password);
    } finally {
      await repo.close();
    }
  });

  it('works through the plugin definition with ORRERY_FTPS_CA_FILE', async () => {
    const previous = process.env.ORRERY_FTPS_CA_FILE;
    process.env.ORRERY_FTPS_CA_FILE = server.caFile;
    try {
      const repo = await ftpArtifactRepositoryDefinition.create({ uri: ftpUrlWithFreshDirectory(server.url), logger: createLogger() });
      await repo.writeArtifactStream('tls/a.txt', Readable.from([Buffer.from('over TLS')]));
      expect(await repo.listArtifacts('tls')).toEqual([{ path: 'tls/a.txt', isDir: false, fileSize: 8 }]);
      await repo.deleteArtifacts();
      await repo.close?.();
    } finally {
      if (previous === undefined) delete process.env.ORRERY_FTPS_CA_FILE;
      else process.env.ORRERY_FTPS_CA_FILE = previous;
    }
  });

  describe('conformance over TLS', () => {
    runArtifactRepositoryConformance({
      name: 'ftps (pure-ftpd, explicit TLS)',
      // The same implementation as the ftp:// run: the scale cases run there.
      largeFile: false,
      manyFiles: false,
      open: async () => {
        const ca = await fs.readFile(server.caFile as string);
        const uri = ftpUrlWithFreshDirectory(server.url);
        return {
          repo: new FtpArtifactRepository(uri, { tls: { ca } }),
          cleanup: async () => {
            const janitor = new FtpArtifactRepository(uri, { tls: { ca } });
            try {
              await janitor.deleteArtifacts();
            } finally {
              await janitor.close();
            }
          },
        };
      },
    });
  });
});
