import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { ARTIFACT_ROOT, tempDir } from './store-helpers.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const BATCHES = 20;
const PER_BATCH = 100;

async function writeAll(store: TrackingStore, runId: string, writer: number): Promise<void> {
  for (let b = 0; b < BATCHES; b++) {
    const metrics = Array.from({ length: PER_BATCH }, (_, i) => ({ key: `w${writer}-${i % 10}`, value: b * 1000 + i, timestamp: b, step: b }));
    await store.logBatch(runId, { metrics, params: [{ key: `w${writer}-b${b}`, value: String(b) }] });
    if (b % 5 === 0) await store.setTag(runId, { key: `w${writer}`, value: String(b) });
  }
}

async function checkRun(store: TrackingStore, runId: string, writers: number[]): Promise<void> {
  const result = await store.getRun(runId);
  expect(result.data.params).toHaveLength(writers.length * BATCHES);
  expect(result.data.metrics).toHaveLength(writers.length * 10);
  for (const writer of writers) {
    for (let k = 0; k < 10; k++) {
      const history = await store.getMetricHistory(runId, `w${writer}-${k}`);
      expect(history.items).toHaveLength(BATCHES * (PER_BATCH / 10));
      const latest = result.data.metrics.find((m) => m.key === `w${writer}-${k}`);
      // Largest step is the last batch; within it the largest value for this key.
      expect(latest).toEqual({ key: `w${writer}-${k}`, value: (BATCHES - 1) * 1000 + 90 + k, timestamp: BATCHES - 1, step: BATCHES - 1 });
    }
  }
}

describe('concurrent writers', () => {
  it('8 writers logging to one run in one process lose nothing', async () => {
    const store = await openSqliteTrackingStore(`sqlite:///${path.join(tempDir(), 'c.db')}`, { defaultArtifactRoot: ARTIFACT_ROOT });
    const { info } = await store.createRun({ experimentId: '0' });
    const writers = [0, 1, 2, 3, 4, 5, 6, 7];
    await Promise.all(writers.map((w) => writeAll(store, info.runId, w)));
    await checkRun(store, info.runId, writers);
    await store.close();
  });

  it('two stores of one process on one file queue their transactions instead of blocking each other', async () => {
    const uri = `sqlite:///${path.join(tempDir(), 'twice.db')}`;
    const first = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT, busyTimeoutMs: 2_000 });
    const second = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT, busyTimeoutMs: 2_000 });
    const { info } = await first.createRun({ experimentId: '0' });
    await Promise.all([0, 1, 2, 3].map((w) => writeAll(w % 2 === 0 ? first : second, info.runId, w)));
    await checkRun(second, info.runId, [0, 1, 2, 3]);
    await first.close();
    await second.close();
  });

  it('two processes and this one writing to one database file lose nothing', async () => {
    const script = path.join(here, 'fixtures', 'concurrent-writer.mjs');
    expect(existsSync(path.join(here, '..', 'dist', 'index.js')), 'build plugins/sqlite first (pnpm tsc -b plugins/sqlite)').toBe(true);
    const uri = `sqlite:///${path.join(tempDir(), 'shared.db')}`;
    const store = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    const { info } = await store.createRun({ experimentId: '0' });
    await Promise.all([
      run(process.execPath, [script, uri, info.runId, '10', String(BATCHES), String(PER_BATCH)]),
      run(process.execPath, [script, uri, info.runId, '11', String(BATCHES), String(PER_BATCH)]),
      writeAll(store, info.runId, 0),
      writeAll(store, info.runId, 1),
    ]);
    await checkRun(store, info.runId, [0, 1, 10, 11]);
    await store.close();
  });
});
