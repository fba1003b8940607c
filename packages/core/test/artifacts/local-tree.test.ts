import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrreryError, walkLocalTree, type LocalTreeEntry } from '@orrery/core';

let sandbox: string;
let root: string;

beforeEach(async () => {
  sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-local-tree-'));
  root = path.join(sandbox, 'tree');
  await fs.mkdir(root);
});

afterEach(async () => {
  await fs.rm(sandbox, { recursive: true, force: true });
});

/** Creates files (with their parent directories) under `dir`, from `/`-separated paths. */
async function writeFiles(dir: string, files: string[]): Promise<void> {
  for (const file of files) {
    const local = path.join(dir, ...file.split('/'));
    await fs.mkdir(path.dirname(local), { recursive: true });
    await fs.writeFile(local, file);
  }
}

async function collect(dir: string): Promise<LocalTreeEntry[]> {
  const entries: LocalTreeEntry[] = [];
  for await (const entry of walkLocalTree(dir)) entries.push(entry);
  return entries;
}

/** The walk as `d path` / `f path` lines, in the order it yields them. */
async function walked(dir: string): Promise<string[]> {
  return (await collect(dir)).map((entry) => `${entry.kind === 'directory' ? 'd' : 'f'} ${entry.path}`);
}

describe('walkLocalTree', () => {
  it('yields nothing for an empty directory', async () => {
    expect(await collect(root)).toEqual([]);
  });

  it('walks depth first, each directory before its contents, names in code-unit order', async () => {
    await writeFiles(root, ['b.txt', 'a/z.txt', 'a/b/deep.txt', 'a/a.txt', 'B.txt', '10.txt', '9.txt', 'a-b.txt']);
    await fs.mkdir(path.join(root, 'a', 'empty'));
    await fs.mkdir(path.join(root, 'empty'));
    expect(await walked(root)).toEqual([
      'f 10.txt',
      'f 9.txt',
      'f B.txt',
      'd a',
      'f a/a.txt',
      'd a/b',
      'f a/b/deep.txt',
      'd a/empty',
      'f a/z.txt',
      'f a-b.txt',
      'f b.txt',
      'd empty',
    ]);
  });

  it('gives each entry its local path under the walked directory, resolved from a relative one', async () => {
    await writeFiles(root, ['sub/f.txt']);
    const entries = await collect(path.relative(process.cwd(), root));
    expect(entries).toEqual([
      { kind: 'directory', localPath: path.join(root, 'sub'), path: 'sub' },
      { kind: 'file', localPath: path.join(root, 'sub', 'f.txt'), path: 'sub/f.txt' },
    ]);
  });

  it('keeps unicode names as they are on disk, ordered by UTF-16 code units', async () => {
    // 'é' (U+00E9) < '葉' (U+8449) < '😀' (a surrogate pair, 0xD83D...) < 'ｚ' (U+FF5A).
    await writeFiles(root, ['ｚ.txt', '😀/x.txt', 'résultats/葉 leaf.json', 'dir ü/a b.txt']);
    expect(await walked(root)).toEqual([
      'd dir ü',
      'f dir ü/a b.txt',
      'd résultats',
      'f résultats/葉 leaf.json',
      'd 😀',
      'f 😀/x.txt',
      'f ｚ.txt',
    ]);
  });

  it('follows a link to a file, as a file at the link', async () => {
    await writeFiles(sandbox, ['outside/target.txt']);
    await fs.symlink(path.join(sandbox, 'outside', 'target.txt'), path.join(root, 'link.txt'));
    expect(await collect(root)).toEqual([{ kind: 'file', localPath: path.join(root, 'link.txt'), path: 'link.txt' }]);
  });

  it('follows a link to a directory, walking it under the link name', async () => {
    await writeFiles(sandbox, ['outside/a.txt', 'outside/sub/b.txt']);
    await fs.symlink(path.join(sandbox, 'outside'), path.join(root, 'linked'));
    expect(await collect(root)).toEqual([
      { kind: 'directory', localPath: path.join(root, 'linked'), path: 'linked' },
      { kind: 'file', localPath: path.join(root, 'linked', 'a.txt'), path: 'linked/a.txt' },
      { kind: 'directory', localPath: path.join(root, 'linked', 'sub'), path: 'linked/sub' },
      { kind: 'file', localPath: path.join(root, 'linked', 'sub', 'b.txt'), path: 'linked/sub/b.txt' },
    ]);
  });

  it('leaves out links back to an ancestor, so link cycles end', async () => {
    await writeFiles(root, ['full/f.txt']);
    await fs.symlink('..', path.join(root, 'full', 'loop'));
    await fs.symlink(root, path.join(root, 'full', 'to-root'));
    await fs.symlink('.', path.join(root, 'self'));
    expect(await walked(root)).toEqual(['d full', 'f full/f.txt']);
  });

  it('ends a cycle between two linked directories outside the tree', async () => {
    await fs.mkdir(path.join(sandbox, 'x'));
    await fs.mkdir(path.join(sandbox, 'y'));
    await fs.symlink(path.join(sandbox, 'y'), path.join(sandbox, 'x', 'to-y'));
    await fs.symlink(path.join(sandbox, 'x'), path.join(sandbox, 'y', 'to-x'));
    await fs.symlink(path.join(sandbox, 'x'), path.join(root, 'x'));
    expect(await walked(root)).toEqual(['d x', 'd x/to-y']);
  });

  it('walks a directory linked twice (not a cycle) at both places', async () => {
    await writeFiles(root, ['data/f.txt']);
    await fs.symlink('data', path.join(root, 'alias'));
    expect(await walked(root)).toEqual(['d alias', 'f alias/f.txt', 'd data', 'f data/f.txt']);
  });

  it('walks a root that is itself a link, yielding paths under the link', async () => {
    await writeFiles(root, ['sub/f.txt']);
    await fs.symlink('..', path.join(root, 'sub', 'up'));
    const link = path.join(sandbox, 'root-link');
    await fs.symlink(root, link);
    const entries = await collect(link);
    // `sub/up` leads back to the root's real path, and so is left out.
    expect(entries.map((entry) => entry.path)).toEqual(['sub', 'sub/f.txt']);
    expect(entries[1]?.localPath).toBe(path.join(link, 'sub', 'f.txt'));
  });

  it('refuses a link it cannot follow, naming it, whatever kind of break it is', async () => {
    await writeFiles(root, ['a.txt']);
    await fs.symlink(path.join(sandbox, 'nowhere'), path.join(root, 'dangling'));
    await expect(collect(root)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining(`'${path.join(root, 'dangling')}'`),
    });
    await fs.rm(path.join(root, 'dangling'));
    await fs.symlink('self-loop', path.join(root, 'self-loop'));
    await expect(collect(root)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('ELOOP') });
  });

  it('leaves out entries that are neither files nor directories', async () => {
    await writeFiles(root, ['a.txt']);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'socket'), resolve));
    try {
      expect(await walked(root)).toEqual(['f a.txt']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a name that cannot be an artifact path with INVALID_PARAMETER_VALUE', async () => {
    await writeFiles(root, ['ok.txt', 'sub/back\\slash.txt']);
    const error: unknown = await collect(root).catch((caught: unknown) => caught);
    expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
    expect((error as Error).message).toContain('back\\\\slash.txt');
  });
});
