/**
 * The SQLite search thread (SqliteSearchThread): searches read on a worker thread with their own
 * read-only connection. They must see every write committed before them, work the same for
 * in-memory databases (read on the calling thread), and keep the event loop free while they run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import type { TrackingService } from '@orrery/core';

describe('SQLite searches on the search thread', () => {
  const opened: Array<{ store: TrackingService; dir?: string }> = [];
  afterEach(async () => {
    for (const { store, dir } of opened.splice(0)) {
      await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  async function fileStore(): Promise<TrackingService> {
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-search-thread-'));
    const store = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot: `file://${dir}/a` });
    opened.push({ store, dir });
    return store;
  }

  it('sees every write committed before the search (read-your-writes across connections)', async () => {
    const store = await fileStore();
    const experimentId = await store.createExperiment({ name: 'fresh' });
    for (let i = 0; i < 30; i++) {
      const run = await store.createRun({ experimentId, startTime: i });
      await store.logParam(run.info.runId, { key: 'i', value: String(i) });
      const found = await store.searchRuns({ experimentIds: [experimentId], filter: `params.i = '${i}'` });
      expect(found.items.map((r) => r.info.runId)).toEqual([run.info.runId]);
      const experiments = await store.searchExperiments({ filter: "name = 'fresh'" });
      expect(experiments.items).toHaveLength(1);
    }
  });

  it('searches an in-memory database on the calling thread', async () => {
    const store = await openSqliteTrackingStore('sqlite:///:memory:', { defaultArtifactRoot: 'file:///tmp/orrery-memory' });
    opened.push({ store });
    const experimentId = await store.createExperiment({ name: 'in-memory' });
    const run = await store.createRun({ experimentId, startTime: 1 });
    expect((await store.searchRuns({ experimentIds: [experimentId] })).items.map((r) => r.info.runId)).toEqual([run.info.runId]);
  });

  it('keeps the event loop running while a slow search reads', async () => {
    const store = await fileStore();
    const experimentId = await store.createExperiment({ name: 'slow' });
    for (let i = 0; i < 60; i++) {
      const run = await store.createRun({ experimentId, startTime: i });
      await store.logParam(run.info.runId, { key: 'p', value: 'a'.repeat(6000) });
    }
    let ticks = 0;
    let searching = true;
    const tick = async () => {
      while (searching) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        ticks += 1;
      }
    };
    const ticking = tick();
    const search = store.searchRuns({ experimentIds: [experimentId], filter: `params.p LIKE '%${'a'.repeat(498)}b'` });
    const ticksWhenStarted = ticks;
    const found = await search;
    searching = false;
    await ticking;
    expect(found.items).toEqual([]);
    // The loop turned while the search ran; on the calling thread it could not have turned once.
    expect(ticks - ticksWhenStarted).toBeGreaterThan(10);
  });
});
