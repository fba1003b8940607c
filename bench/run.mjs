#!/usr/bin/env node
// Orrery foundation benchmarks: `pnpm bench` (after `pnpm install`, which builds the workspace).
// Prints figures; asserts nothing. Each benchmark uses a fresh SQLite file in a temp directory.
//   1. fluent logMetric calls/s accepted (1M calls, single process)
//   2. metrics/s persisted into SQLite through logBatch (batches of 1000)
//   3. search_runs p50/p95 over 10k runs (20 params, 10 metrics, 5 tags each),
//      metric filter + order_by on a metric, page of 100
// Options: BENCH_RUNS (default 10000), BENCH_CALLS (default 1000000), BENCH_BATCHES (default 500).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, percentile } from './bench-kit.mjs';

const client = await import('../packages/client/dist/index.js');

const CALLS = Number(process.env.BENCH_CALLS ?? 1_000_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);

function freshUri() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-'));
  return { dir, uri: `sqlite:///${path.join(dir, 'bench.db')}` };
}


async function benchFluentLogMetric() {
  const { dir, uri } = freshUri();
  client.setTrackingUri(uri);
  await client.setExperiment('bench-fluent');
  const run = await client.startRun({ runName: 'fluent' });
  // Warm up the hot path.
  for (let i = 0; i < 10_000; i += 1) client.logMetric('warmup', i, { step: i });
  await client.flush?.();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i += 1) client.logMetric('loss', i * 0.001, { step: i });
  const acceptMs = performance.now() - t0;
  const t1 = performance.now();
  await client.endRun();
  const drainMs = performance.now() - t1;
  const history = await (await client.OrreryClient.create({ trackingUri: uri })).getMetricHistory(run.info.runId, 'loss');
  rmSync(dir, { recursive: true, force: true });
  return { acceptMs, drainMs, persisted: history.length };
}

async function benchLogBatch() {
  const { dir, uri } = freshUri();
  const c = await client.OrreryClient.create({ trackingUri: uri });
  const run = await c.createRun('0', { runName: 'batch' });
  const runId = run.info.runId;
  const now = Date.now();
  const batches = [];
  for (let b = 0; b < BATCHES; b += 1) {
    const metrics = new Array(1000);
    for (let i = 0; i < 1000; i += 1) {
      metrics[i] = { key: `m${i % 10}`, value: Math.random(), timestamp: now + b, step: b * 100 + Math.floor(i / 10) };
    }
    batches.push(metrics);
  }
  const t0 = performance.now();
  for (const metrics of batches) await c.logBatch(runId, { metrics });
  const ms = performance.now() - t0;
  await c.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms, metrics: BATCHES * 1000 };
}

async function benchSearch() {
  const { dir, uri } = freshUri();
  const c = await client.OrreryClient.create({ trackingUri: uri });
  const experimentId = await c.createExperiment('bench-search');
  const seed0 = performance.now();
  const now = Date.now();
  for (let r = 0; r < RUNS; r += 1) {
    const run = await c.createRun(experimentId, { runName: `run-${r}`, startTime: now - r });
    const params = [];
    for (let p = 0; p < 20; p += 1) params.push({ key: `p${p}`, value: `v${(r * 7 + p) % 50}` });
    const metrics = [];
    for (let m = 0; m < 10; m += 1) metrics.push({ key: `m${m}`, value: Math.random(), timestamp: now, step: 0 });
    const tags = [];
    for (let t = 0; t < 5; t += 1) tags.push({ key: `t${t}`, value: `x${(r + t) % 10}` });
    await c.logBatch(run.info.runId, { metrics, params, tags });
  }
  const seedMs = performance.now() - seed0;
  const query = { experimentIds: [experimentId], filter: 'metrics.m0 > 0.5', orderBy: ['metrics.m1 DESC'], maxResults: 100 };
  for (let i = 0; i < 10; i += 1) await c.searchRuns(query);
  const samples = [];
  for (let i = 0; i < 100; i += 1) {
    const t = performance.now();
    const page = await c.searchRuns(query);
    samples.push(performance.now() - t);
    if (page.items.length !== 100) throw new Error(`expected a full page, got ${page.items.length}`);
  }
  samples.sort((a, b) => a - b);
  await c.close();
  rmSync(dir, { recursive: true, force: true });
  return { seedMs, p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

console.log(`Orrery benchmarks on ${os.cpus().length} cores, Node ${process.version}`);
const fluent = await benchFluentLogMetric();
console.log(
  `fluent logMetric: ${fmt(CALLS / (fluent.acceptMs / 1000))} calls/s accepted (${fmt(CALLS)} calls in ${fluent.acceptMs.toFixed(0)} ms); ` +
    `drained to SQLite in ${fluent.drainMs.toFixed(0)} ms; ${fmt(fluent.persisted)} points persisted (target ≥ 1,000,000 calls/s)`,
);
const batch = await benchLogBatch();
console.log(
  `logBatch into SQLite: ${fmt(batch.metrics / (batch.ms / 1000))} metrics/s persisted (${fmt(batch.metrics)} metrics in ${batch.ms.toFixed(0)} ms; target ≥ 400,000/s)`,
);
const search = await benchSearch();
console.log(
  `search_runs over ${fmt(RUNS)} runs (metrics.m0 > 0.5, order by metrics.m1 DESC, page 100): p50 ${search.p50.toFixed(2)} ms, p95 ${search.p95.toFixed(2)} ms (target p50 ≤ 20 ms; seeding took ${(search.seedMs / 1000).toFixed(1)} s)`,
);
