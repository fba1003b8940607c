/**
 * The tree transfers core writes once for every backend, on stores that talk to nothing (the
 * conformance suite runs them against every real backend): fast paths are taken when offered,
 * concurrency stays bounded, a failure stops the transfer, a hostile listing cannot write outside
 * the destination, a failed download leaves no partial file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  artifactRepositoryFrom,
  errors,
  normalizeArtifactPath,
  type ArtifactFileInfo,
  type ArtifactStorePrimitives,
} from '../../src/index.js';

let scratch: string;

beforeEach(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'artifact-trees-'));
});

afterEach(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

/** A store whose listing is given outright and whose files all hold `content`. */
function listedStore(listing: Record<string, ArtifactFileInfo[]>, content = 'x'): ArtifactStorePrimitives {
  return {
    rootUri: 'fake://listed',
    listArtifacts: async (p) => listing[normalizeArtifactPath(p)] ?? [],
    readArtifactStream: async () => Readable.from([Buffer.from(content)]),
    writeArtifactStream: async () => {
      throw errors.notImplemented('read-only');
    },
    deleteArtifacts: async () => {},
  };
}

async function localTree(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(scratch, 'src-'));
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  }
  return dir;
}

describe('downloadArtifacts from core', () => {
  it.each([
    ['a parent segment', '../escaped.txt'],
    ['a path outside the listed directory', 'elsewhere/escaped.txt'],
    ['a name two levels down in a one-level listing', 'model/deep/escaped.txt'],
    ['an absolute path', '/tmp/escaped.txt'],
  ])('refuses a listing that names %s, writing nothing outside the destination', async (_what, hostile) => {
    const repo = artifactRepositoryFrom(
      listedStore({ '': [{ path: 'model', isDir: true }], model: [{ path: hostile, isDir: false, fileSize: 1 }] }),
    );
    const dst = path.join(scratch, 'dst');
    await expect(repo.downloadArtifacts('model', dst)).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    // The tree is listed whole before anything is written: nothing at all, inside or out.
    expect(await fs.readdir(scratch)).toEqual([]);
  });

  it('removes a file whose download failed part way, and reports the failure', async () => {
    const store = listedStore({ '': [{ path: 'big.bin', isDir: false, fileSize: 10 }] });
    store.readArtifactStream = async () =>
      Readable.from(
        (async function* () {
          yield Buffer.from('first half');
          throw new Error('connection dropped');
        })(),
      );
    const dst = path.join(scratch, 'dst');
    await expect(artifactRepositoryFrom(store).downloadArtifacts('big.bin', dst)).rejects.toThrow('connection dropped');
    expect(await fs.readdir(dst)).toEqual([]);
  });

  it('uses the bulk tree listing and the file fast path when offered', async () => {
    const fetched: string[] = [];
    const store: ArtifactStorePrimitives = {
      ...listedStore({}),
      artifactKind: async (p) => (p === 'model' ? 'directory' : undefined),
      listArtifactTree: async () => [
        { path: 'model/a.txt', isDir: false, fileSize: 1 },
        { path: 'model/deep/er/b.txt', isDir: false, fileSize: 1 },
      ],
      downloadToLocalFile: async (p, local) => {
        fetched.push(p);
        await fs.writeFile(local, p);
      },
    };
    const dst = path.join(scratch, 'dst');
    expect(await artifactRepositoryFrom(store).downloadArtifacts('model', dst)).toBe(path.join(dst, 'model'));
    expect(fetched.sort()).toEqual(['model/a.txt', 'model/deep/er/b.txt']);
    expect(await fs.readFile(path.join(dst, 'model', 'deep', 'er', 'b.txt'), 'utf8')).toBe('model/deep/er/b.txt');
  });

  it('is RESOURCE_DOES_NOT_EXIST for a missing path, writing nothing', async () => {
    const dst = path.join(scratch, 'dst');
    await expect(artifactRepositoryFrom(listedStore({})).downloadArtifacts('absent/file.txt', dst)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(fs.access(dst)).rejects.toThrow();
  });
});

describe('logArtifacts from core', () => {
  it('makes directories parents first (empty ones too) and uploads through the local-file fast path', async () => {
    const calls: string[] = [];
    const store: ArtifactStorePrimitives = {
      ...listedStore({}),
      makeArtifactDirectory: async (p) => {
        calls.push(`mkdir ${p}`);
      },
      uploadLocalFile: async (local, p) => {
        calls.push(`put ${p} ${await fs.readFile(local, 'utf8')}`);
      },
    };
    const dir = await localTree({ 'a.txt': 'A', 'sub/b.txt': 'B' });
    await fs.mkdir(path.join(dir, 'sub', 'empty'));
    await artifactRepositoryFrom(store).logArtifacts(dir, 'run');
    // Directories first, parents before children; the uploads then run concurrently, in any order.
    expect(calls.slice(0, 3)).toEqual(['mkdir run', 'mkdir run/sub', 'mkdir run/sub/empty']);
    expect(calls.slice(3).sort()).toEqual(['put run/a.txt A', 'put run/sub/b.txt B']);
  });

  it('keeps at most treeConcurrency uploads in flight, and starts none after the first failure', async () => {
    let inFlight = 0;
    let most = 0;
    const started: string[] = [];
    const store: ArtifactStorePrimitives = {
      ...listedStore({}),
      treeConcurrency: 3,
      writeArtifactStream: async (p, body) => {
        started.push(p);
        inFlight += 1;
        most = Math.max(most, inFlight);
        for await (const _chunk of body) {
          // drain
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        if (p === 'f05.txt') throw errors.unavailable('the service went away');
      },
    };
    const dir = await localTree(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, 'x'])));
    await expect(artifactRepositoryFrom(store).logArtifacts(dir)).rejects.toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE' });
    expect(most).toBe(3);
    expect(started.length).toBeLessThan(30);
  });

  it('refuses a tree with a dangling link before uploading anything', async () => {
    const uploaded: string[] = [];
    const store: ArtifactStorePrimitives = { ...listedStore({}), uploadLocalFile: async (_l, p) => void uploaded.push(p) };
    const dir = await localTree({ 'a.txt': 'A' });
    await fs.symlink(path.join(scratch, 'nowhere'), path.join(dir, 'z-dangling'));
    await expect(artifactRepositoryFrom(store).logArtifacts(dir)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect(uploaded).toEqual([]);
  });
});

describe('artifactRepositoryFrom', () => {
  it('passes close and the multipart capability through, and leaves out what the store lacks', async () => {
    let closed = false;
    const repo = artifactRepositoryFrom({
      ...listedStore({}),
      close: async () => {
        closed = true;
      },
      createMultipartUpload: async () => ({ uploadId: 'u1', credentials: [] }),
    });
    expect(await repo.createMultipartUpload?.('f.bin', 1)).toEqual({ uploadId: 'u1', credentials: [] });
    expect(repo.completeMultipartUpload).toBeUndefined();
    await repo.close?.();
    expect(closed).toBe(true);
  });
});
