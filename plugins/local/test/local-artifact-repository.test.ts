import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, isOrreryError } from '@orrery/core';
import { LocalArtifactRepository, localArtifactRepositoryDefinition } from '@orrery/plugin-local';
import { generateBytes, runArtifactRepositoryConformance } from '@orrery/testkit';

async function freshRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-local-repo-'));
  // The root does not exist yet: the repository creates it on first write.
  return { root: path.join(sandbox, 'artifacts'), cleanup: () => fs.rm(sandbox, { recursive: true, force: true }) };
}

runArtifactRepositoryConformance({
  name: 'local (file:// URI)',
  open: async () => {
    const { root, cleanup } = await freshRoot();
    return { repo: new LocalArtifactRepository(pathToFileURL(root).href), cleanup };
  },
});

runArtifactRepositoryConformance({
  name: 'local (plain path, through the plugin definition)',
  open: async () => {
    const { root, cleanup } = await freshRoot();
    const repo = await localArtifactRepositoryDefinition.create({ uri: root, logger: createLogger() });
    return { repo, cleanup };
  },
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isOrreryError(error) ? error.code : `not an OrreryError: ${String(error)}`;
  }
}

async function readText(repo: LocalArtifactRepository, artifactPath: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await repo.readArtifactStream(artifactPath)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function body(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

describe('LocalArtifactRepository', () => {
  let sandbox: string;
  let root: string;
  let outside: string;
  let repo: LocalArtifactRepository;

  beforeEach(async () => {
    sandbox = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-local-repo-')));
    root = path.join(sandbox, 'root');
    outside = path.join(sandbox, 'outside');
    await fs.mkdir(path.join(root, 'data'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret.txt'), 'secret');
    await fs.writeFile(path.join(root, 'data', 'x.txt'), 'inside');
    repo = new LocalArtifactRepository(pathToFileURL(root).href);
  });

  afterEach(async () => {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  describe('root URIs', () => {
    it('maps file://, file:/ and plain paths (absolute or relative) to the same directory', () => {
      expect(new LocalArtifactRepository(`file://${root}`).rootDir).toBe(root);
      expect(new LocalArtifactRepository(`file:${root}`).rootDir).toBe(root);
      expect(new LocalArtifactRepository(root).rootDir).toBe(root);
      expect(new LocalArtifactRepository('root', { cwd: sandbox }).rootDir).toBe(root);
      expect(new LocalArtifactRepository(`file://${root}`).rootUri).toBe(`file://${root}`);
    });

    it('decodes file URIs: a root with spaces and unicode works', async () => {
      const odd = path.join(sandbox, 'my artifacts ü');
      const oddRepo = new LocalArtifactRepository(pathToFileURL(odd).href);
      expect(oddRepo.rootDir).toBe(odd);
      await oddRepo.writeArtifactStream('a.txt', body('a'));
      expect(await fs.readFile(path.join(odd, 'a.txt'), 'utf8')).toBe('a');
    });

    it('refuses file URIs for other hosts', () => {
      expect(() => new LocalArtifactRepository('file://fileserver/share/artifacts')).toThrow(/local path/);
    });

    it('works when the root itself is a symbolic link', async () => {
      const link = path.join(sandbox, 'root-link');
      await fs.symlink(root, link);
      const linked = new LocalArtifactRepository(link);
      expect(await linked.listArtifacts('data')).toEqual([{ path: 'data/x.txt', isDir: false, fileSize: 6 }]);
      await linked.writeArtifactStream('data/y.txt', body('y'));
      expect(await fs.readFile(path.join(root, 'data', 'y.txt'), 'utf8')).toBe('y');
    });
  });

  describe('symbolic links', () => {
    it('follows links that stay inside the root', async () => {
      await fs.symlink('data', path.join(root, 'alias'));
      await fs.symlink(path.join(root, 'data', 'x.txt'), path.join(root, 'x-link.txt'));
      await fs.mkdir(path.join(root, 'deep', 'er'), { recursive: true });
      await fs.symlink('../..', path.join(root, 'deep', 'er', 'up'));

      expect(await readText(repo, 'alias/x.txt')).toBe('inside');
      expect(await readText(repo, 'x-link.txt')).toBe('inside');
      expect(await readText(repo, 'deep/er/up/data/x.txt')).toBe('inside');
      expect(await repo.listArtifacts('alias')).toEqual([{ path: 'alias/x.txt', isDir: false, fileSize: 6 }]);
      expect(await repo.listArtifacts()).toEqual([
        { path: 'alias', isDir: true },
        { path: 'data', isDir: true },
        { path: 'deep', isDir: true },
        { path: 'x-link.txt', isDir: false, fileSize: 6 },
      ]);
      await repo.writeArtifactStream('alias/new.txt', body('via link'));
      expect(await fs.readFile(path.join(root, 'data', 'new.txt'), 'utf8')).toBe('via link');
    });

    it('refuses every operation through a directory link leading outside', async () => {
      await fs.symlink(outside, path.join(root, 'out-abs'));
      await fs.symlink('../outside', path.join(root, 'out-rel'));
      await fs.mkdir(path.join(root, 'a'));
      await fs.symlink('../..', path.join(root, 'a', 'up-too-far'));
      const localFile = path.join(sandbox, 'upload.txt');
      await fs.writeFile(localFile, 'upload');
      const localDir = path.join(sandbox, 'upload-dir');
      await fs.mkdir(localDir);
      await fs.writeFile(path.join(localDir, 'u.txt'), 'u');
      const dst = path.join(sandbox, 'dst');
      await fs.mkdir(dst);

      for (const link of ['out-abs', 'out-rel', 'a/up-too-far/outside']) {
        const label = `through ${link}`;
        expect(await codeOf(repo.readArtifactStream(`${link}/secret.txt`)), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.listArtifacts(link)), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.downloadArtifacts(link, dst)), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.downloadArtifacts(`${link}/secret.txt`, dst)), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.writeArtifactStream(`${link}/new.txt`, body('x'))), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.writeArtifactStream(`${link}/made/new.txt`, body('x'))), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.logArtifact(localFile, link)), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.logArtifacts(localDir, `${link}/dir`)), label).toBe('INVALID_PARAMETER_VALUE');
        expect(await codeOf(repo.deleteArtifacts(`${link}/secret.txt`)), label).toBe('INVALID_PARAMETER_VALUE');
      }
      expect(await codeOf(repo.listArtifacts('a/up-too-far'))).toBe('INVALID_PARAMETER_VALUE');

      expect(await fs.readdir(outside)).toEqual(['secret.txt']);
      expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      expect(await fs.readdir(dst)).toEqual([]);
    });

    it('refuses to read a file link leading outside, and leaves it out of listings and downloads', async () => {
      await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'data', 'leak.txt'));
      await fs.symlink(path.join(sandbox, 'nowhere'), path.join(root, 'data', 'dangling.txt'));
      expect(await codeOf(repo.readArtifactStream('data/leak.txt'))).toBe('INVALID_PARAMETER_VALUE');
      expect(await repo.listArtifacts('data')).toEqual([{ path: 'data/x.txt', isDir: false, fileSize: 6 }]);
      const dst = path.join(sandbox, 'dst');
      await repo.downloadArtifacts('data', dst);
      expect(await fs.readdir(path.join(dst, 'data'))).toEqual(['x.txt']);
    });

    it('replaces a file link leading outside on write, and removes only the link on delete', async () => {
      await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'data', 'leak.txt'));
      await repo.writeArtifactStream('data/leak.txt', body('overwritten'));
      expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      expect(await readText(repo, 'data/leak.txt')).toBe('overwritten');

      await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'data', 'leak2.txt'));
      await fs.symlink(outside, path.join(root, 'out-dir'));
      await repo.deleteArtifacts('data/leak2.txt');
      await repo.deleteArtifacts('out-dir');
      expect(await fs.readdir(outside)).toEqual(['secret.txt']);
      await expect(fs.lstat(path.join(root, 'out-dir'))).rejects.toThrow();
      await expect(fs.lstat(path.join(root, 'data', 'leak2.txt'))).rejects.toThrow();
    });

    it('deleting the whole root removes a root link, not what it points to', async () => {
      const link = path.join(sandbox, 'root-link');
      await fs.symlink(root, link);
      await new LocalArtifactRepository(link).deleteArtifacts();
      expect(await fs.readFile(path.join(root, 'data', 'x.txt'), 'utf8')).toBe('inside');
      await expect(fs.lstat(link)).rejects.toThrow();
    });
  });

  describe('atomic writes', () => {
    it('a failed upload leaves neither a partial file nor a temporary file', async () => {
      const failing = generateBytes(4 * 1024 * 1024, { chunkSize: 64 * 1024, failAfter: 1024 * 1024 });
      await expect(repo.writeArtifactStream('data/partial.bin', failing.body)).rejects.toThrow(/on purpose/);
      expect(await fs.readdir(path.join(root, 'data'))).toEqual(['x.txt']);
    });

    it('a reader sees the old file until the new one is complete', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let firstChunkWritten!: () => void;
      const started = new Promise<void>((resolve) => (firstChunkWritten = resolve));
      async function* slowBody(): AsyncGenerator<Buffer> {
        yield Buffer.from('new-part-1 ');
        firstChunkWritten();
        await released;
        yield Buffer.from('new-part-2');
      }
      const writing = repo.writeArtifactStream('data/x.txt', slowBody());
      await started;
      expect(await readText(repo, 'data/x.txt')).toBe('inside');
      expect(await repo.listArtifacts('data')).toEqual([{ path: 'data/x.txt', isDir: false, fileSize: 6 }]);
      const openedBefore = await repo.readArtifactStream('data/x.txt');
      release();
      await writing;
      expect(await readText(repo, 'data/x.txt')).toBe('new-part-1 new-part-2');
      const chunks: Buffer[] = [];
      for await (const chunk of openedBefore) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('inside');
      expect(await fs.readdir(path.join(root, 'data'))).toEqual(['x.txt']);
    });
  });

  describe('files and directories in the way', () => {
    it('refuses to read a directory or write over one', async () => {
      expect(await codeOf(repo.readArtifactStream('data'))).toBe('INVALID_PARAMETER_VALUE');
      expect(await codeOf(repo.writeArtifactStream('data', body('x')))).toBe('INVALID_PARAMETER_VALUE');
      expect(await codeOf(repo.writeArtifactStream('', body('x')))).toBe('INVALID_PARAMETER_VALUE');
    });

    it('refuses to write under a file', async () => {
      const error = await repo.writeArtifactStream('data/x.txt/child.txt', body('x')).catch((e: unknown) => e);
      expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
      expect((error as Error).message).toContain("'data/x.txt' is a file");
      expect(await codeOf(repo.readArtifactStream('data/x.txt/child.txt'))).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('refuses to log a directory with logArtifact, or a file with logArtifacts', async () => {
      const localFile = path.join(sandbox, 'f.txt');
      await fs.writeFile(localFile, 'f');
      expect(await codeOf(repo.logArtifact(outside))).toBe('INVALID_PARAMETER_VALUE');
      expect(await codeOf(repo.logArtifacts(localFile))).toBe('INVALID_PARAMETER_VALUE');
      expect(await codeOf(repo.logArtifacts(path.join(sandbox, 'missing')))).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('copies empty directories with logArtifacts, and survives a link cycle in the source', async () => {
      const localDir = path.join(sandbox, 'src');
      await fs.mkdir(path.join(localDir, 'empty'), { recursive: true });
      await fs.mkdir(path.join(localDir, 'full'));
      await fs.writeFile(path.join(localDir, 'full', 'f.txt'), 'f');
      await fs.symlink('..', path.join(localDir, 'full', 'loop'));
      await repo.logArtifacts(localDir, 'copied');
      expect(await repo.listArtifacts('copied')).toEqual([
        { path: 'copied/empty', isDir: true },
        { path: 'copied/full', isDir: true },
      ]);
      expect(await repo.listArtifacts('copied/full')).toEqual([{ path: 'copied/full/f.txt', isDir: false, fileSize: 1 }]);
    });
  });

  describe('plugin definition', () => {
    it('is declared in package.json for the file scheme and creates a LocalArtifactRepository', async () => {
      const packageDir = path.resolve(import.meta.dirname, '..');
      const manifest = JSON.parse(await fs.readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
        orrery: { artifactRepository: Record<string, string> };
      };
      expect(manifest.orrery.artifactRepository).toEqual({ file: './dist/local-plugin.js' });
      await fs.access(path.join(packageDir, 'src', 'local-plugin.ts'));

      expect(localArtifactRepositoryDefinition.kind).toBe('artifactRepository');
      expect(localArtifactRepositoryDefinition.schemes).toEqual(['file']);
      const created = await localArtifactRepositoryDefinition.create({ uri: pathToFileURL(root).href, logger: createLogger() });
      expect(created).toBeInstanceOf(LocalArtifactRepository);
      expect(created.rootUri).toBe(pathToFileURL(root).href);
    });
  });
});
