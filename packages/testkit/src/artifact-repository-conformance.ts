import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactFileInfo, ArtifactRepository } from '@orrery/core';
import {
  asBytes,
  expectOrreryError,
  generateBytes,
  hashStream,
  makeScratchDir,
  readAll,
  readLocalTree,
  writeLocalTree,
} from './artifact-conformance/artifact-fixtures.js';
import { describeScaleCases } from './artifact-conformance/scale-cases.js';

/** What a conformance suite's `open` hands back: a repository rooted at a fresh, empty location. */
export interface OpenedArtifactRepository {
  repo: ArtifactRepository;
  /** Removes what `open` made. The suite calls `repo.close()` first, when the repository has it. */
  cleanup?: () => Promise<void>;
}

export interface ArtifactRepositoryConformanceOptions {
  /** Names the implementation in test titles. */
  name: string;
  /** Opens a repository on a fresh, empty root; called once per test. */
  open: () => Promise<OpenedArtifactRepository>;
  /** Size of the streamed file in the streaming tests; default 4 MiB. */
  streamBytes?: number;
  /**
   * Runs the large-file round trip (500 MiB, sha256 checked, process RSS growth < 100 MiB); default
   * true, as every storage backend must pass it. The size is scaled only by the env var
   * `ORRERY_CONFORMANCE_LARGE_FILE_MB`, never per backend. A second suite run over the same
   * implementation (another URI spelling of it) may turn it off.
   */
  largeFile?: boolean;
  /**
   * Runs the 10k-file directory case (create with bounded concurrency, list, delete); default true.
   * The count is scaled only by the env var `ORRERY_CONFORMANCE_MANY_FILES`. Same rule as `largeFile`.
   */
  manyFiles?: boolean;
  /** How many uploads the 10k-file case keeps in flight; default 16. */
  manyFilesConcurrency?: number;
}

/**
 * Paths that reach outside the root, one way or another. Every method that takes an artifact path
 * must refuse each with INVALID_PARAMETER_VALUE before reading or writing anything.
 */
export const ESCAPING_ARTIFACT_PATHS: readonly string[] = [
  '..',
  '../x',
  'a/../../x',
  'a/..',
  '/etc/passwd',
  'C:\\Windows\\x',
  'C:/x',
  '\\\\server\\share\\x',
  'a\\..\\b',
  'a\u0000b',
  'a\nb',
  '%2e%2e/x',
  '%2E%2e%2fx',
  'a/%2e%2e/%2e%2e/x',
  '%252e%252e/x',
];

const byPath = (a: ArtifactFileInfo, b: ArtifactFileInfo): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * The ArtifactRepository conformance suite: what every implementation (local files, the REST
 * proxy, Azure Blob, FTP, SFTP) promises, tested only through the contract. Call it inside a
 * vitest test file; `open` gives each test a fresh, empty root.
 */
export function runArtifactRepositoryConformance(options: ArtifactRepositoryConformanceOptions): void {
  const streamBytes = options.streamBytes ?? 4 * 1024 * 1024;
  const largeFile = options.largeFile ?? true;
  const manyFiles = options.manyFiles ?? true;
  const manyFilesConcurrency = options.manyFilesConcurrency ?? 16;

  describe(`ArtifactRepository conformance: ${options.name}`, () => {
    let repo: ArtifactRepository;
    let cleanup: (() => Promise<void>) | undefined;
    /** Local scratch space for files to upload and downloads. */
    let scratch: string;

    beforeEach(async () => {
      const opened = await options.open();
      repo = opened.repo;
      cleanup = opened.cleanup;
      scratch = await makeScratchDir('artifact-conformance');
    });

    afterEach(async () => {
      try {
        await repo?.close?.();
      } finally {
        await cleanup?.();
        await fs.rm(scratch, { recursive: true, force: true });
      }
    });

    /** Writes local files under `<scratch>/<name>` and returns that directory. */
    async function localTree(name: string, files: Record<string, string | Uint8Array>): Promise<string> {
      const dir = path.join(scratch, name);
      await fs.mkdir(dir, { recursive: true });
      await writeLocalTree(dir, files);
      return dir;
    }

    async function localFile(name: string, content: string | Uint8Array): Promise<string> {
      const dir = await fs.mkdtemp(path.join(scratch, 'file-'));
      const file = path.join(dir, name);
      await fs.writeFile(file, content);
      return file;
    }

    async function read(artifactPath: string): Promise<string> {
      return (await readAll(await repo.readArtifactStream(artifactPath))).toString('utf8');
    }

    async function write(artifactPath: string, content: string | Uint8Array): Promise<void> {
      await repo.writeArtifactStream(artifactPath, Readable.from([Buffer.from(content)]));
    }

    async function freshDownloadDir(): Promise<string> {
      return fs.mkdtemp(path.join(scratch, 'download-'));
    }

    describe('basics', () => {
      it('has a root URI and starts empty', async () => {
        expect(typeof repo.rootUri).toBe('string');
        expect(repo.rootUri.length).toBeGreaterThan(0);
        expect(await repo.listArtifacts()).toEqual([]);
        expect(await repo.listArtifacts('')).toEqual([]);
      });
    });

    describe('logArtifact and logArtifacts', () => {
      it('logs a file at the root under its base name', async () => {
        await repo.logArtifact(await localFile('model.txt', 'weights'), undefined);
        expect(await repo.listArtifacts()).toEqual([{ path: 'model.txt', isDir: false, fileSize: 7 }]);
        expect(await read('model.txt')).toBe('weights');
      });

      it('logs a file to <artifactPath>/<basename>, creating the directories', async () => {
        await repo.logArtifact(await localFile('config.yaml', 'a: 1\n'), 'outputs/configs');
        expect(await repo.listArtifacts()).toEqual([{ path: 'outputs', isDir: true }]);
        expect(await repo.listArtifacts('outputs')).toEqual([{ path: 'outputs/configs', isDir: true }]);
        expect(await repo.listArtifacts('outputs/configs')).toEqual([
          { path: 'outputs/configs/config.yaml', isDir: false, fileSize: 5 },
        ]);
        expect(await read('outputs/configs/config.yaml')).toBe('a: 1\n');
      });

      it('logs a directory with nested directories under an artifact path', async () => {
        const files = {
          'MLmodel': 'flavors: {}\n',
          'data/model.bin': Buffer.from([0, 1, 2, 3, 255]),
          'data/deep/er/leaf.json': '{"ok":true}',
          'requirements.txt': 'numpy\n',
        };
        await repo.logArtifacts(await localTree('model', files), 'model');
        expect(await repo.listArtifacts()).toEqual([{ path: 'model', isDir: true }]);
        expect(await repo.listArtifacts('model')).toEqual([
          { path: 'model/MLmodel', isDir: false, fileSize: 12 },
          { path: 'model/data', isDir: true },
          { path: 'model/requirements.txt', isDir: false, fileSize: 6 },
        ]);
        expect(await repo.listArtifacts('model/data')).toEqual([
          { path: 'model/data/deep', isDir: true },
          { path: 'model/data/model.bin', isDir: false, fileSize: 5 },
        ]);
        expect(await repo.listArtifacts('model/data/deep/er')).toEqual([
          { path: 'model/data/deep/er/leaf.json', isDir: false, fileSize: 11 },
        ]);
        expect(await readAll(await repo.readArtifactStream('model/data/model.bin'))).toEqual(Buffer.from([0, 1, 2, 3, 255]));
      });

      it('logs a directory the same way on every backend: links followed, cycles cut, dangling links refused', async () => {
        const dir = await localTree('linked', { 'real.txt': 'real', 'shared/inner.txt': 'inner' });
        const outside = await localTree('outside', { 'far.txt': 'far away' });
        await fs.symlink(path.join(outside, 'far.txt'), path.join(dir, 'far-link.txt'));
        await fs.symlink('shared', path.join(dir, 'shared-link'));
        await fs.symlink('..', path.join(dir, 'shared', 'up'));
        await repo.logArtifacts(dir, 'tree');
        expect(await repo.listArtifacts('tree')).toEqual([
          { path: 'tree/far-link.txt', isDir: false, fileSize: 8 },
          { path: 'tree/real.txt', isDir: false, fileSize: 4 },
          { path: 'tree/shared', isDir: true },
          { path: 'tree/shared-link', isDir: true },
        ]);
        // `shared/up` leads back to the uploaded directory itself: left out, not walked forever.
        expect(await repo.listArtifacts('tree/shared')).toEqual([{ path: 'tree/shared/inner.txt', isDir: false, fileSize: 5 }]);
        expect(await read('tree/shared-link/inner.txt')).toBe('inner');
        expect(await read('tree/far-link.txt')).toBe('far away');

        await fs.symlink(path.join(scratch, 'nowhere'), path.join(dir, 'dangling'));
        await expect(repo.logArtifacts(dir, 'broken')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      });

      it("logs a directory's contents at the root when no artifact path is given", async () => {
        await repo.logArtifacts(await localTree('outputs', { 'a.txt': 'a', 'sub/b.txt': 'bb' }));
        expect(await repo.listArtifacts()).toEqual([
          { path: 'a.txt', isDir: false, fileSize: 1 },
          { path: 'sub', isDir: true },
        ]);
        expect(await read('sub/b.txt')).toBe('bb');
      });

      it('overwrites files when logging again', async () => {
        await repo.logArtifact(await localFile('metrics.json', '{"acc": 0.5, "loss": 1.25}'), 'eval');
        await repo.logArtifact(await localFile('metrics.json', '{"acc": 0.9}'), 'eval');
        expect(await read('eval/metrics.json')).toBe('{"acc": 0.9}');
        expect(await repo.listArtifacts('eval')).toEqual([{ path: 'eval/metrics.json', isDir: false, fileSize: 12 }]);

        await repo.logArtifacts(await localTree('v1', { 'a.txt': 'first version', 'keep.txt': 'kept' }), 'dir');
        await repo.logArtifacts(await localTree('v2', { 'a.txt': 'second' }), 'dir');
        expect(await read('dir/a.txt')).toBe('second');
        expect(await read('dir/keep.txt')).toBe('kept');
      });

      it('refuses to log a local file that does not exist, storing nothing', async () => {
        await expect(repo.logArtifact(path.join(scratch, 'no-such-file.txt'))).rejects.toThrow();
        expect(await repo.listArtifacts()).toEqual([]);
      });
    });

    describe('listArtifacts', () => {
      it('lists direct children sorted by path, with sizes for files only', async () => {
        await repo.logArtifacts(
          await localTree('tree', { 'b.txt': 'bbb', 'a.txt': 'a', 'c/d.txt': 'dddd', 'A.txt': 'AA', 'c/e/f.txt': 'f' }),
        );
        const root = await repo.listArtifacts();
        expect(root).toEqual([
          { path: 'A.txt', isDir: false, fileSize: 2 },
          { path: 'a.txt', isDir: false, fileSize: 1 },
          { path: 'b.txt', isDir: false, fileSize: 3 },
          { path: 'c', isDir: true },
        ]);
        expect(root.find((entry) => entry.isDir)?.fileSize).toBeUndefined();
        expect(await repo.listArtifacts('c')).toEqual([
          { path: 'c/d.txt', isDir: false, fileSize: 4 },
          { path: 'c/e', isDir: true },
        ]);
      });

      it('accepts equivalent spellings of a directory path', async () => {
        await write('c/d.txt', 'd');
        const expected = [{ path: 'c/d.txt', isDir: false, fileSize: 1 }];
        expect(await repo.listArtifacts('c/')).toEqual(expected);
        expect(await repo.listArtifacts('./c')).toEqual(expected);
        expect(await repo.listArtifacts('.')).toEqual([{ path: 'c', isDir: true }]);
      });

      it('is empty for a missing directory and for a file', async () => {
        await write('file.txt', 'x');
        expect(await repo.listArtifacts('missing')).toEqual([]);
        expect(await repo.listArtifacts('missing/deeper')).toEqual([]);
        expect(await repo.listArtifacts('file.txt')).toEqual([]);
      });

      it('lists many files in order', async () => {
        const names = Array.from({ length: 60 }, (_, i) => `f${String(i).padStart(3, '0')}.txt`);
        await repo.logArtifacts(await localTree('many', Object.fromEntries(names.map((n) => [n, n]))), 'many');
        const listed = await repo.listArtifacts('many');
        expect(listed.map((entry) => entry.path)).toEqual(names.map((n) => `many/${n}`));
        expect([...listed].sort(byPath)).toEqual(listed);
      });
    });

    describe('downloadArtifacts', () => {
      it('downloads one file to <dstDir>/<artifactPath> and returns that path', async () => {
        const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
        await write('data/blob.bin', content);
        const dst = await freshDownloadDir();
        const downloaded = await repo.downloadArtifacts('data/blob.bin', dst);
        expect(path.resolve(downloaded)).toBe(path.resolve(dst, 'data', 'blob.bin'));
        expect(await fs.readFile(downloaded)).toEqual(content);
        expect(await readLocalTree(dst)).toEqual({ 'data/blob.bin': content });
      });

      it('downloads a directory tree, byte for byte', async () => {
        const files = {
          'model/MLmodel': 'artifact_path: model\n',
          'model/data/weights.bin': Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256)),
          'model/data/nested/deeper/x.txt': 'x',
          'other.txt': 'not downloaded',
        };
        await repo.logArtifacts(await localTree('src', files));
        const dst = await freshDownloadDir();
        const downloaded = await repo.downloadArtifacts('model', dst);
        expect(path.resolve(downloaded)).toBe(path.resolve(dst, 'model'));
        const { 'other.txt': _other, ...expected } = asBytes(files);
        expect(await readLocalTree(dst)).toEqual(expected);
      });

      it('downloads everything when the path is the root', async () => {
        const files = { 'a.txt': 'a', 'b/c.txt': 'c', 'b/d/e.txt': 'e' };
        await repo.logArtifacts(await localTree('src', files));
        const dst = await freshDownloadDir();
        const downloaded = await repo.downloadArtifacts('', dst);
        expect(path.resolve(downloaded)).toBe(path.resolve(dst));
        expect(await readLocalTree(dst)).toEqual(asBytes(files));
      });

      it('refuses a missing artifact with RESOURCE_DOES_NOT_EXIST', async () => {
        await write('present.txt', 'here');
        const dst = await freshDownloadDir();
        await expectOrreryError(repo.downloadArtifacts('absent.txt', dst), 'RESOURCE_DOES_NOT_EXIST');
        await expectOrreryError(repo.downloadArtifacts('absent/dir', dst), 'RESOURCE_DOES_NOT_EXIST');
        expect(await readLocalTree(dst)).toEqual({});
      });
    });

    describe('names', () => {
      it('keeps unicode file and directory names', async () => {
        const files = { 'données/模型 ü.txt': 'unicode ✓', 'données/naïve café.csv': 'a,b\n', 'Ωmega.txt': '' };
        await repo.logArtifacts(await localTree('unicode', files), 'résultats');
        expect(await repo.listArtifacts('résultats')).toEqual([
          { path: 'résultats/données', isDir: true },
          { path: 'résultats/Ωmega.txt', isDir: false, fileSize: 0 },
        ]);
        expect(await repo.listArtifacts('résultats/données')).toEqual([
          { path: 'résultats/données/naïve café.csv', isDir: false, fileSize: 4 },
          { path: 'résultats/données/模型 ü.txt', isDir: false, fileSize: Buffer.byteLength('unicode ✓') },
        ]);
        expect(await read('résultats/données/模型 ü.txt')).toBe('unicode ✓');
        const dst = await freshDownloadDir();
        await repo.downloadArtifacts('résultats', dst);
        expect(await readLocalTree(path.join(dst, 'résultats'))).toEqual(asBytes(files));
      });

      it('keeps names with spaces and unicode together, in directories and files, through every operation', async () => {
        await repo.logArtifact(await localFile('my model – final ✓.txt', 'final'), 'run outputs/étape 1');
        await write('run outputs/étape 1/two  spaces 二.bin', 'two');
        await repo.logArtifacts(await localTree('spaced', { 'sub dir ü/leaf 葉 x.json': '{}', 'top level é.txt': 'top' }), 'run outputs/dir ü 2');
        expect(await repo.listArtifacts('run outputs')).toEqual([
          { path: 'run outputs/dir ü 2', isDir: true },
          { path: 'run outputs/étape 1', isDir: true },
        ]);
        expect(await repo.listArtifacts('run outputs/étape 1/')).toEqual([
          { path: 'run outputs/étape 1/my model – final ✓.txt', isDir: false, fileSize: 5 },
          { path: 'run outputs/étape 1/two  spaces 二.bin', isDir: false, fileSize: 3 },
        ]);
        expect(await read('run outputs/dir ü 2/sub dir ü/leaf 葉 x.json')).toBe('{}');
        const dst = await freshDownloadDir();
        const downloaded = await repo.downloadArtifacts('run outputs/dir ü 2', dst);
        expect(path.resolve(downloaded)).toBe(path.resolve(dst, 'run outputs', 'dir ü 2'));
        expect(await readLocalTree(downloaded)).toEqual(asBytes({ 'sub dir ü/leaf 葉 x.json': '{}', 'top level é.txt': 'top' }));
        await repo.deleteArtifacts('run outputs/étape 1/two  spaces 二.bin');
        await repo.deleteArtifacts('run outputs/dir ü 2');
        expect(await repo.listArtifacts('run outputs')).toEqual([{ path: 'run outputs/étape 1', isDir: true }]);
        expect(await repo.listArtifacts('run outputs/étape 1')).toEqual([
          { path: 'run outputs/étape 1/my model – final ✓.txt', isDir: false, fileSize: 5 },
        ]);
      });

      it('takes percent signs, spaces and other punctuation literally (paths are never percent-decoded)', async () => {
        const names = ['100% done.txt', 'a%20b.txt', 'a%2Fb.txt', "it's (final) [v2] #1 & more+.txt", 'semi;colon=eq,comma.txt'];
        for (const name of names) await write(`odd/${name}`, name);
        expect((await repo.listArtifacts('odd')).map((entry) => entry.path)).toEqual(
          names.map((name) => `odd/${name}`).sort(),
        );
        for (const name of names) expect(await read(`odd/${name}`)).toBe(name);
      });
    });

    describe('file contents', () => {
      it('stores empty files', async () => {
        await repo.logArtifact(await localFile('empty.txt', ''), 'e');
        await write('e/empty-stream.txt', '');
        await repo.writeArtifactStream('e/no-chunks.txt', Readable.from([]));
        expect(await repo.listArtifacts('e')).toEqual([
          { path: 'e/empty-stream.txt', isDir: false, fileSize: 0 },
          { path: 'e/empty.txt', isDir: false, fileSize: 0 },
          { path: 'e/no-chunks.txt', isDir: false, fileSize: 0 },
        ]);
        expect((await readAll(await repo.readArtifactStream('e/empty.txt'))).length).toBe(0);
        const dst = await freshDownloadDir();
        await repo.downloadArtifacts('e', dst);
        expect(await readLocalTree(dst)).toEqual(asBytes({ 'e/empty.txt': '', 'e/empty-stream.txt': '', 'e/no-chunks.txt': '' }));
      });

      it('overwrites a file with a stream, longer then shorter', async () => {
        await write('o.txt', 'short');
        await write('o.txt', 'a much longer second version');
        expect(await read('o.txt')).toBe('a much longer second version');
        await write('o.txt', 'tiny');
        expect(await read('o.txt')).toBe('tiny');
        expect(await repo.listArtifacts()).toEqual([{ path: 'o.txt', isDir: false, fileSize: 4 }]);
      });

      it('creates the directories a streamed file needs', async () => {
        await write('x/y/z.txt', 'z');
        expect(await repo.listArtifacts('x')).toEqual([{ path: 'x/y', isDir: true }]);
        expect(await read('x/y/z.txt')).toBe('z');
      });

      it(`streams ${streamBytes} bytes in and out unchanged (async iterable and Readable bodies)`, async () => {
        const generated = generateBytes(streamBytes, { seed: 7, chunkSize: 256 * 1024 });
        await repo.writeArtifactStream('big/generated.bin', generated.body);
        const expectedHash = generated.sha256();
        expect(await repo.listArtifacts('big')).toEqual([{ path: 'big/generated.bin', isDir: false, fileSize: streamBytes }]);
        expect(await hashStream(await repo.readArtifactStream('big/generated.bin'))).toEqual({
          sha256: expectedHash,
          bytes: streamBytes,
        });

        const again = generateBytes(streamBytes, { seed: 11, chunkSize: 100_000 });
        await repo.writeArtifactStream('big/readable.bin', Readable.from(again.body));
        expect(await hashStream(await repo.readArtifactStream('big/readable.bin'))).toEqual({
          sha256: again.sha256(),
          bytes: streamBytes,
        });

        const dst = await freshDownloadDir();
        const downloaded = await repo.downloadArtifacts('big/generated.bin', dst);
        expect(await hashStream((await fs.open(downloaded)).createReadStream())).toEqual({ sha256: expectedHash, bytes: streamBytes });
      });

      it('rejects an upload whose body fails, keeping the previous content', async () => {
        await write('model.bin', 'previous content');
        const failing = generateBytes(1024 * 1024, { chunkSize: 64 * 1024, failAfter: 256 * 1024 });
        await expect(repo.writeArtifactStream('model.bin', failing.body)).rejects.toThrow();
        expect(await read('model.bin')).toBe('previous content');
        const alsoFailing = generateBytes(1024 * 1024, { chunkSize: 64 * 1024, failAfter: 128 * 1024 });
        await expect(repo.writeArtifactStream('fresh.bin', alsoFailing.body)).rejects.toThrow();
        expect(await repo.listArtifacts()).toEqual([{ path: 'model.bin', isDir: false, fileSize: 16 }]);
      });
    });

    describe('missing artifacts', () => {
      it('refuses to read a missing file with RESOURCE_DOES_NOT_EXIST', async () => {
        await expectOrreryError(repo.readArtifactStream('missing.txt'), 'RESOURCE_DOES_NOT_EXIST');
        await write('dir/present.txt', 'here');
        await expectOrreryError(repo.readArtifactStream('dir/missing.txt'), 'RESOURCE_DOES_NOT_EXIST');
        await expectOrreryError(repo.readArtifactStream('missing-dir/x.txt'), 'RESOURCE_DOES_NOT_EXIST');
      });
    });

    describe('deleteArtifacts', () => {
      beforeEach(async () => {
        await repo.logArtifacts(await localTree('tree', { 'keep.txt': 'k', 'gone.txt': 'g', 'dir/a.txt': 'a', 'dir/sub/b.txt': 'b' }));
      });

      it('deletes one file and leaves its siblings', async () => {
        await repo.deleteArtifacts('gone.txt');
        expect((await repo.listArtifacts()).map((entry) => entry.path)).toEqual(['dir', 'keep.txt']);
        await expectOrreryError(repo.readArtifactStream('gone.txt'), 'RESOURCE_DOES_NOT_EXIST');
        expect(await read('keep.txt')).toBe('k');
      });

      it('deletes a directory recursively', async () => {
        await repo.deleteArtifacts('dir');
        expect((await repo.listArtifacts()).map((entry) => entry.path)).toEqual(['gone.txt', 'keep.txt']);
        expect(await repo.listArtifacts('dir')).toEqual([]);
        await expectOrreryError(repo.readArtifactStream('dir/sub/b.txt'), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('deletes a nested directory and keeps its parent', async () => {
        await repo.deleteArtifacts('dir/sub/');
        expect(await repo.listArtifacts('dir')).toEqual([{ path: 'dir/a.txt', isDir: false, fileSize: 1 }]);
      });

      it('deletes everything when no path is given, and the repository can be written again', async () => {
        await repo.deleteArtifacts();
        expect(await repo.listArtifacts()).toEqual([]);
        await write('again.txt', 'again');
        expect(await read('again.txt')).toBe('again');
      });

      it('deletes a deep, wide tree and nothing that merely shares its name as a prefix', async () => {
        const tree: Record<string, string> = {};
        for (let a = 0; a < 4; a += 1) {
          for (let b = 0; b < 5; b += 1) {
            tree[`tree/level-${a}/sub-${b}/leaf.txt`] = `${a}${b}`;
            tree[`tree/level-${a}/sub-${b}/deeper/still/more-${b}.txt`] = `${b}`;
          }
          tree[`tree/level-${a}/file-${a}.txt`] = `${a}`;
        }
        tree['tree/top.txt'] = 'top';
        const neighbours = { 'tree-2/x.txt': 'x', 'tree.txt': 't', 'treehouse/y.txt': 'y', 'dir/tree/z.txt': 'z' };
        await repo.logArtifacts(await localTree('deep', { ...tree, ...neighbours }));
        await repo.deleteArtifacts('tree');
        expect(await repo.listArtifacts('tree')).toEqual([]);
        await expectOrreryError(repo.readArtifactStream('tree/level-3/sub-4/deeper/still/more-4.txt'), 'RESOURCE_DOES_NOT_EXIST');
        const dst = await freshDownloadDir();
        await expectOrreryError(repo.downloadArtifacts('tree', dst), 'RESOURCE_DOES_NOT_EXIST');
        expect(await readLocalTree(dst)).toEqual({});
        await repo.downloadArtifacts('', dst);
        expect(await readLocalTree(dst)).toEqual(
          asBytes({ ...neighbours, 'keep.txt': 'k', 'gone.txt': 'g', 'dir/a.txt': 'a', 'dir/sub/b.txt': 'b' }),
        );
      });

      it('does nothing for a missing artifact', async () => {
        await repo.deleteArtifacts('no-such-file.txt');
        await repo.deleteArtifacts('no/such/dir');
        expect((await repo.listArtifacts()).map((entry) => entry.path)).toEqual(['dir', 'gone.txt', 'keep.txt']);
      });
    });

    describe('paths escaping the root', () => {
      type Call = (badPath: string) => Promise<unknown>;
      const calls: Array<[string, (setup: { file: string; dir: string; dst: string }) => Call]> = [
        ['logArtifact', ({ file }) => (bad) => repo.logArtifact(file, bad)],
        ['logArtifacts', ({ dir }) => (bad) => repo.logArtifacts(dir, bad)],
        ['listArtifacts', () => (bad) => repo.listArtifacts(bad)],
        ['downloadArtifacts', ({ dst }) => (bad) => repo.downloadArtifacts(bad, dst)],
        ['deleteArtifacts', () => (bad) => repo.deleteArtifacts(bad)],
        ['readArtifactStream', () => (bad) => repo.readArtifactStream(bad)],
        ['writeArtifactStream', () => (bad) => repo.writeArtifactStream(bad, Readable.from([Buffer.from('payload')]))],
      ];

      it.each(calls)('%s refuses every escaping path with INVALID_PARAMETER_VALUE and touches nothing', async (_name, makeCall) => {
        await write('sentinel/inside.txt', 'still here');
        const file = await localFile('payload.txt', 'payload');
        const dir = await localTree('payload-dir', { 'p.txt': 'p' });
        const dst = await freshDownloadDir();
        const call = makeCall({ file, dir, dst });
        for (const bad of ESCAPING_ARTIFACT_PATHS) {
          await expectOrreryError(call(bad), 'INVALID_PARAMETER_VALUE', `path ${JSON.stringify(bad)}`);
        }
        expect(await repo.listArtifacts()).toEqual([{ path: 'sentinel', isDir: true }]);
        expect(await read('sentinel/inside.txt')).toBe('still here');
        expect(await readLocalTree(dst)).toEqual({});
      });
    });

    describeScaleCases(
      { repo: () => repo, freshDownloadDir },
      { largeFile, manyFiles, manyFilesConcurrency },
    );
  });
}
