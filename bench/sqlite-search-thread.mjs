#!/usr/bin/env node
// What the SQLite search thread costs a search: `node bench/sqlite-search-thread.mjs` (after
// `pnpm tsc -b`). Seeds one SQLite file (BENCH_RUNS runs, default 10000, with two metrics and a
// param each) and runs the same searches, alternating, on a store that reads searches on its worker
// thread and on one that reads them on the calling thread (`searchThread: false`). Prints p50/p95
// of each; asserts nothing. The thread exists so that a slow search never blocks the event loop
// (test/security/search-stall.test.ts); this prints its price for fast ones.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fmt, percentile } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { openSqliteTrackingStore } = await import(path.join(root, 'plugins/sqlite/dist/index.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 100);

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-search-thread-'));
try {
  const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
  const options = { defaultArtifactRoot: `file://${dir}/artifacts` };
  const seed = await openSqliteTrackingStore(uri, { ...options, searchThread: false });
  const experimentId = await seed.createExperiment({ name: 'bench' });
  for (let i = 0; i < RUNS; i++) {
    const run = await seed.createRun({ experimentId, startTime: i });
    await seed.logBatch(run.info.runId, {
      metrics: [
        { key: 'm0', value: Math.random(), timestamp: 1, step: 0 },
        { key: 'm1', value: Math.random(), timestamp: 1, step: 0 },
      ],
      params: [{ key: 'p', value: `v${i % 10}` }],
    });
  }
  await seed.close();

  const stores = {
    'search thread': await openSqliteTrackingStore(uri, options),
    'calling thread': await openSqliteTrackingStore(uri, { ...options, searchThread: false }),
  };
  const queries = [
    { label: 'no filter, default order', filter: '' },
    { label: 'metrics.m0 > 0.5, order by metrics.m1 DESC', filter: 'metrics.m0 > 0.5', orderBy: ['metrics.m1 DESC'] },
    { label: "params.p = 'v3'", filter: "params.p = 'v3'" },
    { label: "params.p LIKE '%3'", filter: "params.p LIKE '%3'" },
  ];
  console.log(`SQLite search-runs over ${fmt(RUNS)} runs, page of 100, ${SEARCHES} searches each, alternating:`);
  for (const query of queries) {
    const input = { experimentIds: [experimentId], filter: query.filter, orderBy: query.orderBy, maxResults: 100 };
    const times = Object.fromEntries(Object.keys(stores).map((name) => [name, []]));
    for (let i = 0; i < 10; i++) for (const store of Object.values(stores)) await store.searchRuns(input); // warm-up
    for (let i = 0; i < SEARCHES; i++) {
      for (const [name, store] of Object.entries(stores)) {
        const started = performance.now();
        await store.searchRuns(input);
        times[name].push(performance.now() - started);
      }
    }
    const figures = Object.entries(times).map(([name, list]) => {
      const sorted = list.sort((a, b) => a - b);
      return `${name} p50 ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms`;
    });
    console.log(`  ${query.label}: ${figures.join(' · ')}`);
  }
  for (const store of Object.values(stores)) await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
