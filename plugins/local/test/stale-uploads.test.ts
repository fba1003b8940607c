/**
 * Temporary files of uploads whose writer cannot be checked (another machine sharing the folder,
 * or a name from an older version) go once they have been idle for the bound; an upload's own
 * temporary file stays while its writer lives. The kill -9 case with a live server is in
 * test/security/artifact-trust.test.ts.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArtifactRepository } from '@orrery/plugin-local';

describe('stale upload temporary files', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-stale-'));
    await fs.mkdir(path.join(root, 'a', 'b'), { recursive: true });
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function temp(rel: string, name: string, ageMs: number): Promise<string> {
    const file = path.join(root, rel, name);
    await fs.writeFile(file, 'partial');
    const when = new Date(Date.now() - ageMs);
    await fs.utimes(file, when, when);
    return file;
  }

  const HOUR = 3600 * 1000;
  const legacy = (n: number) => `.orrery-upload-0000000${n}-aaaa-bbbb-cccc-dddddddddddd.tmp`;
  const foreign = (n: number) => `.orrery-upload-ffffffff-1-${n}0000000-aaaa-bbbb-cccc-dddddddddddd.tmp`;

  it('removes, anywhere below the root, files of unknown writers idle longer than the bound, and keeps younger ones', async () => {
    const old = [await temp('a/b', legacy(1), 2 * HOUR), await temp('.', foreign(2), 2 * HOUR)];
    const young = [await temp('a', legacy(3), 10 * 60 * 1000), await temp('a/b', foreign(4), 0)];
    const repository = new LocalArtifactRepository(root);
    expect(await repository.sweepStaleUploads()).toBe(2);
    for (const file of old) await expect(fs.access(file)).rejects.toThrow();
    for (const file of young) await fs.access(file);
    // The bound is an option.
    expect(await new LocalArtifactRepository(root, { staleUploadAfterMs: 60_000 }).sweepStaleUploads()).toBe(1);
  });

  it('never removes a live upload of this process, however old it looks, and a listing clears what it passes', async () => {
    const repository = new LocalArtifactRepository(root, { staleUploadAfterMs: 0 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slowBody(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('first part ');
      await gate;
      yield Buffer.from('second part');
    }
    const upload = repository.writeArtifactStream('a/b/model.bin', slowBody());
    let live: string[] = [];
    for (let i = 0; i < 100 && live.length === 0; i += 1) {
      live = (await fs.readdir(path.join(root, 'a', 'b'))).filter((name) => name.startsWith('.orrery-upload-'));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(live).toHaveLength(1);
    const longAgo = new Date(Date.now() - 30 * 24 * HOUR);
    await fs.utimes(path.join(root, 'a', 'b', live[0]!), longAgo, longAgo);
    const dead = await temp('a/b', foreign(5), 0);

    expect(await repository.listArtifacts('a/b')).toEqual([]);
    await expect(fs.access(dead)).rejects.toThrow();
    expect(await repository.sweepStaleUploads()).toBe(0);
    release();
    await upload;
    expect(await repository.listArtifacts('a/b')).toEqual([{ path: 'a/b/model.bin', isDir: false, fileSize: 22 }]);
  });
});
