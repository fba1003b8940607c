#!/usr/bin/env node
// PostgreSQL backend benchmark: `node bench/postgres.mjs` (after `pnpm tsc -b`). Prints figures;
// asserts nothing. It creates a fresh database on the server at ORRERY_BENCH_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres) and drops it at the end (BENCH_KEEP=1 keeps it).
//
//   0. seeding: BENCH_RUNS runs (default 100000) in one experiment, each with 20 params,
//      10 metrics x 100 steps (full history + latest values) and 5 tags. Rows are generated inside
//      PostgreSQL (INSERT ... SELECT FROM generate_series): no client round trips; the metrics
//      history index is built once after loading, as for any bulk load.
//   1. search_runs p50/p95, page of 100, through the store (one SQL query + 4 bulk loads) and
//      through the HTTP server, for: a metric filter ordered by a metric; a param LIKE filter; tag
//      equality plus attribute status. The EXPLAIN ANALYZE of each search query is printed.
//   2. log-batch ingest through `orrery server` (built CLI, BENCH_WORKERS worker processes,
//      default 2 = the cores here, BENCH_POOL_SIZE connections each, default 8): 8 clients, 1000
//      metrics per request (10 keys x 100 steps, so stored as chunks: migration 8;
//      BENCH_INGEST_BATCHES requests per client, default 240); with the CPU per metric
//      PostgreSQL, the server and the clients used, and a check that every metric was stored once.
//   3. the history of one metric with 1M points, twice: stored as rows (`long`, as single
//      log-metric calls store it) and as chunks of 250 (`long_batched`, as log-batch stores it;
//      added to an older seeded database when missing). Paged by keyset (pages of 25000, the API
//      maximum) through the store and through the HTTP server, and as one streamed get-history
//      response (no max_results, as MLflow 2.x clients ask). Best of two runs after a warm-up.
// BENCH_PHASES=search,ingest,history picks phases (default all).
// Targets (issue 5): search p50 <= 30 ms; ingest >= 200k metrics/s; 1M points in <= 2 s.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { cpuByCommand, cpuSpent, fmt, freePort, httpClient, median, percentile, rawHttpConnection, rawPostRequest } from './bench-kit.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { default: pg } = await import(path.join(repo, 'plugins/postgres/node_modules/pg/lib/index.js'));
const pgPlugin = await import(path.join(repo, 'plugins/postgres/dist/index.js'));
const sqlLayer = await import(path.join(repo, 'packages/sql/dist/index.js'));
const cliBin = path.join(repo, 'packages/cli/dist/bin.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
const INGEST_CLIENTS = 8;
const INGEST_BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 240);
const HISTORY_POINTS = Number(process.env.BENCH_HISTORY_POINTS ?? 1_000_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
/** Connections per server worker (BENCH_POOL_SIZE). */
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 8);
/** BENCH_PHASES picks phases (comma-separated: search, ingest, history); default all. */
const phases = new Set((process.env.BENCH_PHASES ?? 'search,ingest,history').split(',').map((p) => p.trim()));
const SERVER_URL = process.env.ORRERY_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const ms = (n) => `${n.toFixed(1)} ms`;
const log = (...args) => console.log(...args);

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(url, statement) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

// ---- seeding ----

async function seed(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const step = async (label, text) => {
    const t0 = performance.now();
    const result = await client.query(text);
    log(`  ${label.padEnd(44)} ${fmt(result.rowCount ?? 0).padStart(12)} rows  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  // Run ids are md5 hex (32 chars) like real ones; values vary per run so filters select fractions.
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET maintenance_work_mem = '512MB'`);
  await client.query(`SET work_mem = '256MB'`);
  await client.query(`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
                      VALUES (1, 'bench', 'file:///tmp/orrery-bench/1', 'active', 0, 0)`);
  await client.query(`SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), 1)`);
  await step(
    'runs',
    `INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
     SELECT md5('run' || i), 'run-' || i, 1, 'user' || (i % 50),
            (ARRAY['FINISHED', 'FAILED', 'RUNNING', 'FINISHED'])[1 + i % 4], 1700000000000 + i * 1000, 1700000000000 + i * 1000 + 60000,
            'file:///tmp/orrery-bench/1/' || md5('run' || i) || '/artifacts', 'active'
     FROM generate_series(1, ${RUNS}) i`,
  );
  // Secondary indexes are built once after their table is loaded (much faster than row by row).
  // A run's params and tags are stored together, as when a client logs them in one batch (without
  // ORDER BY, PostgreSQL's cross join wrote them param by param, each run's rows on 20 pages).
  // Latest metrics are left spread out: they are rewritten on every batch, so they scatter in use.
  await client.query(`DROP INDEX params_key_value; DROP INDEX tags_key_value; DROP INDEX latest_metrics_key_value`);
  await step(
    'params (20 per run)',
    `INSERT INTO params (run_uuid, key, value)
     SELECT md5('run' || i), 'param_' || p, CASE p WHEN 0 THEN 'model-' || (i % 100) ELSE ((i * 31 + p * 7) % 1000)::text END
     FROM generate_series(1, ${RUNS}) i, generate_series(0, 19) p ORDER BY i, p`,
  );
  await step(
    'tags (5 per run)',
    `INSERT INTO tags (run_uuid, key, value)
     SELECT md5('run' || i), k, CASE k WHEN 'mlflow.runName' THEN 'run-' || i WHEN 'team' THEN 'team-' || (i % 7)
                                       WHEN 'env' THEN (ARRAY['prod', 'dev'])[1 + i % 2] WHEN 'dataset' THEN 'ds-' || (i % 20)
                                       ELSE 'owner-' || (i % 30) END
     FROM generate_series(1, ${RUNS}) i, unnest(ARRAY['mlflow.runName', 'team', 'env', 'dataset', 'owner']) k ORDER BY i`,
  );
  const value = (i, k, s) => `((${i} * 7919 + ${k} * 104729 + ${s} * 31) % 10000) / 10000.0`;
  await step(
    'latest_metrics (10 per run)',
    `INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
     SELECT md5('run' || i), 'metric_' || k, ${value('i', 'k', 99)}, 1700000000000 + i * 1000 + 99, 99, 0
     FROM generate_series(1, ${RUNS}) i, generate_series(0, 9) k`,
  );
  await step('params/tags/latest_metrics (key, value) indexes', `CREATE INDEX params_key_value ON params (key, value, run_uuid);
     CREATE INDEX tags_key_value ON tags (key, value, run_uuid); CREATE INDEX latest_metrics_key_value ON latest_metrics (key, value, run_uuid)`);
  await client.query(`DROP INDEX metrics_series_step`);
  // The history is most of the data: load it in slices over two connections (the cores here).
  const t0 = performance.now();
  const slices = [];
  const sliceSize = Math.ceil(RUNS / 16);
  for (let lo = 1; lo <= RUNS; lo += sliceSize) slices.push([lo, Math.min(RUNS, lo + sliceSize - 1)]);
  let loaded = 0;
  await Promise.all(
    [0, 1].map(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`SET synchronous_commit = off`);
      for (let slice = slices.shift(); slice; slice = slices.shift()) {
        const result = await c.query(
          `INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
           SELECT r.run_uuid, k.key, ((r.i * 7919 + k.k * 104729 + s * 31) % 10000) / 10000.0, r.t + s, s, 0
           FROM (SELECT md5('run' || i) AS run_uuid, i, 1700000000000 + i * 1000 AS t FROM generate_series(${slice[0]}, ${slice[1]}) i) r,
                (SELECT k, 'metric_' || k AS key FROM generate_series(0, 9) k) k, generate_series(0, 99) s`,
        );
        loaded += result.rowCount ?? 0;
      }
      await c.end();
    }),
  );
  log(`  ${'metrics history (10 x 100 per run)'.padEnd(44)} ${fmt(loaded).padStart(12)} rows  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await step('metrics index (built once, after the load)', `CREATE INDEX metrics_series_step ON metrics ((${pgPlugin.postgresSeriesHash()}), step)`);
  await step(
    `one metric with ${fmt(HISTORY_POINTS)} points`,
    `INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
     SELECT md5('run1'), 'long', s / 1000.0, 1700000000000 + s, s, 0 FROM generate_series(0, ${HISTORY_POINTS - 1}) s`,
  );
  await client.end();
  await seedBatchedHistory(url);
  await admin(url, 'VACUUM ANALYZE');
}

/**
 * The same 1M points under the key `long_batched`, stored as log-batch stores a batch's points of
 * one key (migration 8): chunks of 250, as 1000-metric batches of that key would be split. Added
 * to a database seeded before the chunks existed, too.
 */
async function seedBatchedHistory(url) {
  const present = await admin(url, `SELECT 1 FROM metric_chunks WHERE run_uuid = md5('run1') AND key = 'long_batched' LIMIT 1`);
  if (present.rowCount > 0) return;
  const t0 = performance.now();
  const result = await admin(
    url,
    `INSERT INTO metric_chunks (run_uuid, key, min_step, max_step, points, steps, timestamps, vals)
     SELECT md5('run1'), 'long_batched', MIN(s), MAX(s), COUNT(*), array_agg(s ORDER BY s), array_agg(1700000000000 + s ORDER BY s), array_agg(s / 1000.0::float8 ORDER BY s)
     FROM generate_series(0, ${HISTORY_POINTS - 1}) s GROUP BY s / 250`,
  );
  log(`  ${`one metric with ${fmt(HISTORY_POINTS)} points, as chunks`.padEnd(44)} ${fmt(result.rowCount ?? 0).padStart(12)} rows  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// ---- search ----

/** Records the statements the store sends, so the search query can be EXPLAINed. */
function recording(executor) {
  const statements = [];
  const wrap = (name) => (q, ...rest) => {
    statements.push(q);
    return executor[name](q, ...rest);
  };
  return {
    statements,
    executor: {
      dialect: executor.dialect,
      all: wrap('all'),
      get: wrap('get'),
      run: wrap('run'),
      insertMany: (...args) => executor.insertMany(...args),
      transaction: (fn) => executor.transaction(fn),
      isUniqueViolation: (e) => executor.isUniqueViolation(e),
      close: () => executor.close(),
    },
  };
}

const SHAPES = [
  { name: 'metric filter + order_by metric', filter: (i) => `metrics.metric_0 > ${(0.3 + (i % 5) * 0.1).toFixed(1)}`, orderBy: ['metrics.metric_1 DESC'] },
  { name: 'param LIKE filter', filter: (i) => `params.param_0 LIKE 'model-${1 + (i % 9)}%'`, orderBy: [] },
  { name: 'tag equality + attribute status', filter: (i) => `tags.team = 'team-${i % 7}' AND attributes.status = 'FINISHED'`, orderBy: [] },
];

/** Reads runs, params, tags and latest_metrics, with their indexes, into the OS page cache (pg_prewarm 'read'). */
async function prewarmSearchTables(url) {
  try {
    await admin(url, 'CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  } catch (error) {
    log(`  (pg_prewarm is not available, the search tables are read cold: ${error.message})`);
    return undefined;
  }
  const result = await admin(
    url,
    `SELECT sum(pg_prewarm(c.oid, 'read')) AS pages FROM pg_class c
     WHERE c.relname IN ('runs', 'params', 'tags', 'latest_metrics')
        OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('runs'::regclass, 'params'::regclass, 'tags'::regclass, 'latest_metrics'::regclass))`,
  );
  return `${fmt((Number(result.rows[0].pages) * 8192) / 2 ** 20)} MB`;
}

async function benchSearch(url, server) {
  const parsed = pgPlugin.parsePostgresUri(url);
  const inner = new pgPlugin.PostgresExecutor(parsed.poolConfig);
  const { executor, statements } = recording(inner);
  const store = new sqlLayer.SqlTrackingStore(executor, { defaultArtifactRoot: 'file:///tmp/orrery-bench' });
  const results = [];
  for (const shape of SHAPES) {
    for (let i = 0; i < 5; i++) await store.searchRuns({ experimentIds: ['1'], filter: shape.filter(i), orderBy: shape.orderBy, maxResults: 100 });
    const storeTimes = [];
    let count = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      const page = await store.searchRuns({ experimentIds: ['1'], filter: shape.filter(i), orderBy: shape.orderBy, maxResults: 100 });
      storeTimes.push(performance.now() - t0);
      count = page.items.length;
    }
    const httpTimes = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const body = JSON.stringify({ experiment_ids: ['1'], filter: shape.filter(i), order_by: shape.orderBy, max_results: 100 });
      const t0 = performance.now();
      await server.post('/runs/search', body);
      httpTimes.push(performance.now() - t0);
    }
    statements.length = 0;
    await store.searchRuns({ experimentIds: ['1'], filter: shape.filter(0), orderBy: shape.orderBy, maxResults: 100 });
    const perCall = statements.length;
    const plan = await inner.all(sqlLayer.sql`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${statements[0]}`);
    storeTimes.sort((a, b) => a - b);
    httpTimes.sort((a, b) => a - b);
    results.push({ shape, count, perCall, storeTimes, httpTimes, plan: plan.map((r) => r['QUERY PLAN']).join('\n') });
  }
  await store.close();
  return results;
}

// ---- server ----

async function startServer(url) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-pg-server-'));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cliBin, 'server', '--host', '127.0.0.1', '--port', String(port), '--workers', String(WORKERS),
      '--backend-store-uri', `${url}?pool_size=${POOL_SIZE}`, '--artifacts-destination', `file://${path.join(dir, 'artifacts')}`],
    { cwd: dir, env: { ...process.env, ORRERY_LOG_LEVEL: 'error' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error('server did not answer /health within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function benchIngest(url, port) {
  const setup = httpClient(port, 1);
  const runIds = [];
  for (let c = 0; c < INGEST_CLIENTS; c++) {
    const created = await setup.post('/runs/create', JSON.stringify({ experiment_id: '1', run_name: `ingest-${c}` }));
    runIds.push(created.run.info.run_id);
  }
  setup.close();
  // Requests are built before the clock starts and sent as raw HTTP/1.1 over one keep-alive
  // connection per client (as load generators do): the figure is the server's, not the generator's.
  const requests = runIds.map((runId, c) =>
    Array.from({ length: INGEST_BATCHES }, (_, b) =>
      rawPostRequest('/runs/log-batch', {
        run_id: runId,
        metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(b * 1000 + i + c), timestamp: 1700000000000 + b, step: b * 100 + Math.floor(i / 10) })),
      }),
    ),
  );
  const clients = await Promise.all(runIds.map(() => rawHttpConnection(port)));
  // Warm-up: one batch per client.
  await Promise.all(clients.map((cl, c) => cl.send(requests[c][0])));
  const cpuBefore = cpuByCommand();
  const ownBefore = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (cl, c) => {
      for (let b = 1; b < INGEST_BATCHES; b++) await cl.send(requests[c][b]);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(ownBefore);
  const spent = cpuSpent(cpuBefore, cpuByCommand());
  clients.forEach((cl) => cl.close());
  const clientSeconds = (own.user + own.system) / 1e6;
  // Every node process but this one is the server (its primary and workers).
  const cpu = { postgres: spent.get('postgres') ?? 0, server: Math.max(0, (spent.get('node') ?? 0) - clientSeconds), clients: clientSeconds };
  // Every metric sent (warm-up included) must be stored, once.
  const stored = Number(
    (await admin(url, {
      // Series by series, through the history index (a count by run alone would scan the table).
      text: `SELECT sum((SELECT count(*) FROM metrics WHERE ${pgPlugin.postgresSeriesHash()} = hashtextextended(s.run_uuid || '/' || s.key COLLATE "C", 0)
               AND metrics.run_uuid = s.run_uuid AND metrics.key = s.key)
             + (SELECT coalesce(sum(points), 0) FROM metric_chunks c WHERE ${pgPlugin.postgresSeriesHash('c')} = hashtextextended(s.run_uuid || '/' || s.key COLLATE "C", 0)
               AND c.run_uuid = s.run_uuid AND c.key = s.key)) AS n
             FROM (SELECT r AS run_uuid, 'm' || k AS key FROM unnest($1::text[]) r, generate_series(0, 9) k) s`,
      values: [runIds],
    })).rows[0].n,
  );
  if (stored !== INGEST_CLIENTS * INGEST_BATCHES * 1000) throw new Error(`ingest: ${stored} metrics stored, ${INGEST_CLIENTS * INGEST_BATCHES * 1000} sent`);
  return { metrics: INGEST_CLIENTS * (INGEST_BATCHES - 1) * 1000, seconds, cpu };
}

async function benchHistory(url, port, key) {
  const parsed = pgPlugin.parsePostgresUri(url);
  const store = new sqlLayer.SqlTrackingStore(new pgPlugin.PostgresExecutor(parsed.poolConfig), { defaultArtifactRoot: 'file:///tmp/orrery-bench' });
  const row = await admin(url, `SELECT md5('run1') AS id`);
  const runId = row.rows[0].id;
  const viaStore = async () => {
    let points = 0;
    let pageToken;
    const t0 = performance.now();
    do {
      const page = await store.getMetricHistory(runId, key, { maxResults: 25_000, ...(pageToken ? { pageToken } : {}) });
      points += page.items.length;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return { points, seconds: (performance.now() - t0) / 1000 };
  };
  // The whole history as the server's streamed get-history reads it (streamMetricHistory).
  const viaStoreStream = async () => {
    let points = 0;
    const t0 = performance.now();
    for await (const batch of store.streamMetricHistory(runId, key)) points += batch.length;
    return { points, seconds: (performance.now() - t0) / 1000 };
  };
  const client = httpClient(port, 1);
  const viaHttp = async () => {
    let points = 0;
    let pageToken;
    const t0 = performance.now();
    do {
      const query = new URLSearchParams({ run_id: runId, metric_key: key, max_results: '25000', ...(pageToken ? { page_token: pageToken } : {}) });
      const page = await client.get(`/metrics/get-history?${query}`);
      points += (page.metrics ?? []).length;
      pageToken = page.next_page_token;
    } while (pageToken);
    return { points, seconds: (performance.now() - t0) / 1000 };
  };
  // One request without max_results: what MLflow 2.x clients send; the server streams the whole
  // history as one body while it reads the next page.
  const viaHttpWhole = async () => {
    const t0 = performance.now();
    const chunks = await new Promise((resolve, reject) => {
      const received = [];
      http
        .get({ host: '127.0.0.1', port, path: `/api/2.0/mlflow/metrics/get-history?${new URLSearchParams({ run_id: runId, metric_key: key })}` }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`get-history answered ${res.statusCode}`));
          res.on('data', (chunk) => received.push(chunk));
          res.on('end', () => resolve(received));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    // The last byte is in: that is the streaming. Decoding 70 MB of JSON is the client's own work,
    // timed apart (and it checks the answer: every point, in step order).
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const metrics = JSON.parse(Buffer.concat(chunks).toString('utf8')).metrics ?? [];
    const decodeSeconds = (performance.now() - t1) / 1000;
    if (!metrics.every((m, i) => m.step === i)) throw new Error('streamed get-history: points missing or out of order');
    return { points: metrics.length, seconds, decodeSeconds };
  };
  const best = async (fn) => {
    await fn();
    const runs = [await fn(), await fn()];
    return runs.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  };
  // get-history-bulk-interval (what the UI's charts ask): 100 runs' metric_3 (100 steps each), and
  // the 1M-point metric, sampled to 320 points per run inside SQL.
  const runIds = (await admin(url, `SELECT md5('run' || i) AS id FROM generate_series(1, 100) i`)).rows.map((r) => r.id);
  const sampled = async (ids, key) => {
    const times = [];
    let points = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      points = (await store.getMetricHistoryBulkInterval({ runIds: ids, metricKey: key, maxResults: 320 })).length;
      times.push(performance.now() - t0);
    }
    return { points, ms: median(times) };
  };
  const bulk = { manyRuns: await sampled(runIds, 'metric_3'), longRun: await sampled([runId], key) };
  const result = { store: await best(viaStore), storeStream: await best(viaStoreStream), http: await best(viaHttp), whole: await best(viaHttpWhole), bulk };
  client.close();
  await store.close();
  return result;
}

// ---- main ----

// BENCH_DB names a database seeded by an earlier run with BENCH_KEEP=1: no seeding, no drop.
const reuse = process.env.BENCH_DB;
const dbName = reuse ?? `orrery_bench_${Date.now().toString(36)}`;
if (!reuse) await admin(SERVER_URL, `CREATE DATABASE "${dbName}"`);
const url = withDatabase(SERVER_URL, dbName);
let server;
try {
  log(`PostgreSQL benchmark on ${dbName} (${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}; PostgreSQL ${(await admin(url, 'SHOW server_version')).rows[0].server_version})`);
  await pgPlugin.migratePostgresUri(url);
  if (!reuse) {
    log(`\nSeeding ${fmt(RUNS)} runs (20 params, 10 metrics x 100 steps, 5 tags each):`);
    const tSeed = performance.now();
    await seed(url);
    log(`  total ${((performance.now() - tSeed) / 1000).toFixed(1)} s`);
  }

  server = await startServer(url);
  const api = httpClient(server.port, 1);

  if (phases.has('search')) {
    log(`\n1. search_runs over ${fmt(RUNS)} runs, page of 100 (${ITERATIONS} calls each; target p50 <= 30 ms)`);
    // A running server's search tables sit in the page cache (about 0.9 GB here; docs/postgres.md,
    // Sizing); the seed, the ingest and the history phases push them out. Read them (tables and
    // indexes, not the metrics history) into the OS cache first, as a steady state would have them.
    const warmed = await prewarmSearchTables(url);
    if (warmed) log(`  (search tables read into the OS page cache first: ${warmed})`);
    const search = await benchSearch(url, api);
    for (const r of search) {
      log(
        `  ${r.shape.name.padEnd(34)} store p50 ${ms(percentile(r.storeTimes, 50)).padStart(9)}  p95 ${ms(percentile(r.storeTimes, 95)).padStart(9)}   ` +
          `HTTP p50 ${ms(percentile(r.httpTimes, 50)).padStart(9)}  p95 ${ms(percentile(r.httpTimes, 95)).padStart(9)}   ` +
          `(${r.count} runs/page, ${r.perCall} statements/call) ${percentile(r.storeTimes, 50) <= 30 ? 'OK' : 'MISSES TARGET'}`,
      );
    }
    for (const r of search) log(`\n  EXPLAIN ANALYZE, ${r.shape.name} (${r.shape.filter(0)}${r.shape.orderBy.length ? `, order_by ${r.shape.orderBy}` : ''}):\n${r.plan.replace(/^/gm, '    ')}`);
  }
  api.close();

  if (phases.has('ingest')) {
    log(`\n2. log-batch ingest through orrery server (${WORKERS} worker processes), ${INGEST_CLIENTS} clients x 1000 metrics/request (target >= 200,000 metrics/s)`);
    const ingest = await benchIngest(url, server.port);
    const rate = ingest.metrics / ingest.seconds;
    log(`  ${fmt(ingest.metrics)} metrics in ${ingest.seconds.toFixed(2)} s = ${fmt(rate)} metrics/s ${rate >= 200_000 ? 'OK' : 'MISSES TARGET'}`);
    const perMetric = (cpuSeconds) => `${((cpuSeconds / ingest.metrics) * 1e6).toFixed(2)} us`;
    log(`  CPU per metric: PostgreSQL ${perMetric(ingest.cpu.postgres)}, server ${perMetric(ingest.cpu.server)}, bench clients ${perMetric(ingest.cpu.clients)} ` +
      `(${os.cpus().length} cores: 200,000 metrics/s needs at most ${((os.cpus().length / 200_000) * 1e6).toFixed(0)} us in all)`);
  }

  if (phases.has('history')) {
    await seedBatchedHistory(url);
    for (const [key, layout] of [
      ['long', 'stored one row per point, as single log-metric calls store it'],
      ['long_batched', 'stored in chunks of 250, as log-batch stores it'],
    ]) {
      log(`\n3. history of one metric with ${fmt(HISTORY_POINTS)} points ${layout} (target <= 2 s)`);
      const history = await benchHistory(url, server.port, key);
      const verdict = (seconds) => (seconds <= 2 ? 'OK' : 'MISSES TARGET');
      log(`  through the store, paged:         ${fmt(history.store.points)} points in ${history.store.seconds.toFixed(2)} s (25,000 per page, keyset; the target is for the streamed read)`);
      log(`  through the store, streamed:      ${fmt(history.storeStream.points)} points in ${history.storeStream.seconds.toFixed(2)} s ${verdict(history.storeStream.seconds)} (streamMetricHistory)`);
      log(`  through the HTTP server, paged:   ${fmt(history.http.points)} points in ${history.http.seconds.toFixed(2)} s (40 requests, each decoded by this client)`);
      log(`  through the HTTP server, streamed: ${fmt(history.whole.points)} points in ${history.whole.seconds.toFixed(2)} s ${verdict(history.whole.seconds)} (one get-history request without max_results; last byte received)`);
      log(`    then ${history.whole.decodeSeconds.toFixed(2)} s for this client to decode the 70 MB body (Buffer.concat, UTF-8, JSON.parse): ${(history.whole.seconds + history.whole.decodeSeconds).toFixed(2)} s in all`);
      if (key === 'long') log(`  get-history-bulk-interval, 100 runs x 100 steps, 320 per run: ${fmt(history.bulk.manyRuns.points)} points, median ${ms(history.bulk.manyRuns.ms)}`);
      log(`  get-history-bulk-interval, this metric sampled to 320:  ${fmt(history.bulk.longRun.points)} points, median ${ms(history.bulk.longRun.ms)}`);
    }
  }
} finally {
  await server?.stop();
  if (process.env.BENCH_KEEP === '1' || reuse) log(`\nKept database ${dbName}.`);
  else await admin(SERVER_URL, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
}
