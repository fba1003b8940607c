import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { generateBytes } from '@orrery/testkit';

const MiB = 1024 * 1024;
const FILE_BYTES = 200 * MiB;
/** Generous: streaming should hold a few chunks at a time, not the file. */
const MAX_RSS_GROWTH = 100 * MiB;

describe('LocalArtifactRepository with a large file', () => {
  let sandbox: string;

  beforeEach(async () => {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-local-large-'));
  });

  afterEach(async () => {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  it(`streams ${FILE_BYTES / MiB} MiB in and out by hash while memory stays flat`, { timeout: 300_000 }, async () => {
    const repo = new LocalArtifactRepository(path.join(sandbox, 'artifacts'));
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sample = (): void => {
      peak = Math.max(peak, process.memoryUsage.rss());
    };

    const generated = generateBytes(FILE_BYTES, { seed: 2024, chunkSize: MiB, onChunk: sample });
    await repo.writeArtifactStream('model/weights.bin', generated.body);
    const writtenHash = generated.sha256();
    const afterWrite = peak;

    expect(await repo.listArtifacts('model')).toEqual([{ path: 'model/weights.bin', isDir: false, fileSize: FILE_BYTES }]);

    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of await repo.readArtifactStream('model/weights.bin')) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      sample();
    }

    expect(bytes).toBe(FILE_BYTES);
    expect(hash.digest('hex')).toBe(writtenHash);
    expect(afterWrite - baseline, 'RSS growth while writing').toBeLessThan(MAX_RSS_GROWTH);
    expect(peak - baseline, 'RSS growth while writing and reading').toBeLessThan(MAX_RSS_GROWTH);
  });
});
