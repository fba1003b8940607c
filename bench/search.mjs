#!/usr/bin/env node
// runs/search at scale, on SQLite and PostgreSQL: `node bench/search.mjs` (after `pnpm tsc -b`).
// Prints p50/p95 per query next to the goal (p50 <= 30 ms, p95 <= 100 ms); asserts nothing.
//
// Data: BENCH_RUNS runs (default 100000) in one experiment, each with 5 params, 5 metrics and 3
// tags. Seeding goes straight into the store's database through its executor (multi-row inserts,
// 2,000 runs a transaction), not through the API: 100k runs through HTTP would take minutes and
// measure ingest, not search. The seeded database is kept and reused by the next invocation:
//   SQLite: BENCH_SQLITE_FILE (default <tmpdir>/orrery-bench-search-<runs>.db)
//   PostgreSQL: database orrery_bench_search_<runs> on ORRERY_BENCH_POSTGRES_URL (default
//   postgres://postgres@127.0.0.1:5432/postgres)
// BENCH_RESEED=1 seeds again; BENCH_DIALECTS=sqlite,postgres picks dialects; BENCH_SEARCHES
// (default 40) searches per query after 5 warm-ups; BENCH_ONLY=<text> times only the queries whose
// label contains it. Searches go through core's tracking service
// in front of the SQL store (what the server calls), page of 100 unless the query says otherwise.
// Each line also prints the CPU this process used per search (main and worker threads: all of a
// SQLite search's work; PostgreSQL's own work is not in it), a figure a shared machine's load
// disturbs far less than the elapsed time.
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fmt, percentile } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const core = await import(path.join(root, 'packages/core/dist/index.js'));
const sqlLayer = await import(path.join(root, 'packages/sql/dist/index.js'));
const sqlitePlugin = await import(path.join(root, 'plugins/sqlite/dist/index.js'));
const pgPlugin = await import(path.join(root, 'plugins/postgres/dist/index.js'));
const { default: pg } = await import(path.join(root, 'plugins/postgres/node_modules/pg/lib/index.js'));

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 40);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean);
const RESEED = process.env.BENCH_RESEED === '1';
const POSTGRES_URL = process.env.ORRERY_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SQLITE_FILE = process.env.BENCH_SQLITE_FILE ?? path.join(os.tmpdir(), `orrery-bench-search-${RUNS}.db`);
const EXPERIMENT = 'bench-search';
const ARTIFACTS = 'file:///tmp/orrery-bench-search/artifacts';
const SEED_TRANSACTION_RUNS = 2000;

const runId = (i) => createHash('md5').update(`run${i}`).digest('hex');
/**
 * A deterministic value in [0, 1) per run and key, from an integer hash, so that one metric's
 * values say nothing of another's (a filter on one metric matches runs spread evenly over the
 * order of another, as with independent measurements).
 */
function metricValue(i, k) {
  let x = i * 8 + k + 1;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
}
const STATUSES = ['FINISHED', 'FAILED', 'RUNNING', 'FINISHED'];

async function seed(db, experimentId) {
  const t0 = performance.now();
  for (let lo = 0; lo < RUNS; lo += SEED_TRANSACTION_RUNS) {
    const hi = Math.min(RUNS, lo + SEED_TRANSACTION_RUNS);
    const runs = [];
    const params = [];
    const tags = [];
    const metrics = [];
    const latest = [];
    for (let i = lo; i < hi; i++) {
      const id = runId(i);
      const start = 1_700_000_000_000 + i * 1000;
      runs.push([id, `run-${i}`, experimentId, `user${i % 50}`, STATUSES[i % 4], start, start + 60_000, `${ARTIFACTS}/${id}/artifacts`, 'active']);
      params.push([id, 'model', `model-${i % 100}`], [id, 'lr', String((i % 10) / 100)], [id, 'layers', String(i % 12)]);
      params.push([id, 'optimizer', ['adam', 'sgd', 'rmsprop'][i % 3]], [id, 'seed', String(i % 1000)]);
      tags.push([id, 'mlflow.runName', `run-${i}`], [id, 'team', `team-${i % 7}`], [id, 'env', i % 2 ? 'prod' : 'dev']);
      for (let k = 0; k < 5; k++) {
        const row = [id, `m${k}`, metricValue(i, k), start + 1000, 10, 0];
        metrics.push(row);
        latest.push(row);
      }
    }
    await db.transaction(async (tx) => {
      await tx.insertMany('runs', ['run_uuid', 'name', 'experiment_id', 'user_id', 'status', 'start_time', 'end_time', 'artifact_uri', 'lifecycle_stage'], runs);
      await tx.insertMany('params', ['run_uuid', 'key', 'value'], params);
      await tx.insertMany('tags', ['run_uuid', 'key', 'value'], tags);
      await tx.insertMany('metrics', ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'], metrics);
      await tx.insertMany('latest_metrics', ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'], latest);
    });
    if (hi % 20_000 === 0 || hi === RUNS) process.stdout.write(`  seeded ${fmt(hi)} runs (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
}

/** Opens (seeding when needed) the store of one dialect: `{ service, experimentId, close }`. */
async function openSeeded(dialect) {
  let executor;
  if (dialect === 'sqlite') {
    if (RESEED) for (const suffix of ['', '-wal', '-shm']) rmSync(`${SQLITE_FILE}${suffix}`, { force: true });
    executor = sqlitePlugin.openSqliteExecutor(`sqlite:///${SQLITE_FILE}`);
  } else {
    const name = `orrery_bench_search_${RUNS}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    if (RESEED) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    ({ executor } = await pgPlugin.openPostgresExecutor(url.toString()));
  }
  const store = await sqlLayer.SqlTrackingStore.open(executor, { defaultArtifactRoot: ARTIFACTS });
  const service = new core.TrackingService(store);
  let experiment = await service.getExperimentByName(EXPERIMENT).catch(() => undefined);
  const count = experiment
    ? Number((await executor.get(sqlLayer.sql`SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ${Number(experiment.experimentId)}`)).n)
    : 0;
  if (count !== RUNS) {
    if (experiment) throw new Error(`${dialect}: experiment '${EXPERIMENT}' holds ${count} runs, not ${RUNS}; run with BENCH_RESEED=1`);
    const experimentId = await service.createExperiment({ name: EXPERIMENT });
    console.log(`${dialect}: seeding ${fmt(RUNS)} runs (5 params, 5 metrics, 3 tags each)`);
    await seed(executor, Number(experimentId));
    // PostgreSQL's autovacuum would vacuum (visibility map: index-only scans) and analyze the new
    // rows shortly; the bench does not wait for it.
    if (dialect === 'postgres') await executor.run(sqlLayer.sql`VACUUM ANALYZE`);
    experiment = await service.getExperiment(experimentId);
  } else {
    console.log(`${dialect}: reusing the seeded database (${fmt(RUNS)} runs)`);
  }
  return { service, experimentId: experiment.experimentId, close: () => service.close() };
}

/** The searches a user does; `pages` > 1 follows page tokens and times the last page. */
const QUERIES = [
  { label: 'default order (start_time DESC), first page', input: {} },
  { label: 'default order, next page (page token)', input: {}, pages: 2 },
  { label: 'default order, max_results 1000', input: { maxResults: 1000 } },
  { label: 'order by metrics.m1 DESC', input: { orderBy: ['metrics.m1 DESC'] } },
  { label: 'order by metrics.m1 DESC, next page', input: { orderBy: ['metrics.m1 DESC'] }, pages: 2 },
  { label: "param filter: params.model = 'model-7'", input: { filter: "params.model = 'model-7'" } },
  { label: 'metrics.m0 > 0.5, order by metrics.m1 DESC', input: { filter: 'metrics.m0 > 0.5', orderBy: ['metrics.m1 DESC'] } },
  { label: 'metrics.m0 > 0.5, order by metrics.m1 DESC, page 3', input: { filter: 'metrics.m0 > 0.5', orderBy: ['metrics.m1 DESC'] }, pages: 3 },
  { label: 'metrics.m0 < 0.01, order by metrics.m1 ASC', input: { filter: 'metrics.m0 < 0.01', orderBy: ['metrics.m1 ASC'] } },
  { label: "tag filter: tags.team = 'team-3'", input: { filter: "tags.team = 'team-3'" } },
  { label: "attributes.status = 'FAILED'", input: { filter: "attributes.status = 'FAILED'" } },
  { label: "run name LIKE: attributes.run_name LIKE 'run-123%'", input: { filter: "attributes.run_name LIKE 'run-123%'" } },
  { label: "run name LIKE: attributes.run_name LIKE '%999'", input: { filter: "attributes.run_name LIKE '%999'" } },
];

async function timeQueries(dialect, service, experimentId) {
  const rows = [];
  const only = process.env.BENCH_ONLY;
  for (const query of QUERIES.filter((q) => !only || q.label.includes(only))) {
    const input = { experimentIds: [experimentId], maxResults: 100, ...query.input };
    // The token of the page before the timed one, read once (tokens are stable for a query).
    let pageToken;
    for (let p = 1; p < (query.pages ?? 1); p++) pageToken = (await service.searchRuns({ ...input, pageToken })).nextPageToken;
    const timed = pageToken ? { ...input, pageToken } : input;
    let count = 0;
    for (let i = 0; i < 5; i++) count = (await service.searchRuns(timed)).items.length;
    const samples = [];
    const cpu = [];
    for (let i = 0; i < SEARCHES; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      await service.searchRuns(timed);
      samples.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1000);
    }
    samples.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    const ok = p50 <= 30 && p95 <= 100;
    rows.push({ ok });
    console.log(
      `[${dialect}] ${query.label.padEnd(56)} p50 ${p50.toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  ${String(count).padStart(4)} runs  ${ok ? 'ok' : 'OVER GOAL'}` +
        `  (CPU of this process p50 ${percentile(cpu, 50).toFixed(1)} ms)`,
    );
  }
  return rows;
}

console.log(`runs/search over ${fmt(RUNS)} runs, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; goal p50 <= 30 ms, p95 <= 100 ms`);
for (const dialect of DIALECTS) {
  if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`unknown dialect '${dialect}' in BENCH_DIALECTS`);
  if (dialect === 'sqlite' && !RESEED && existsSync(SQLITE_FILE)) console.log(`sqlite: ${SQLITE_FILE}`);
  const { service, experimentId, close } = await openSeeded(dialect);
  try {
    const rows = await timeQueries(dialect, service, experimentId);
    console.log(`[${dialect}] ${rows.filter((r) => r.ok).length}/${rows.length} queries within the goal`);
  } finally {
    await close();
  }
}
