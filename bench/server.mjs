#!/usr/bin/env node
// Tracking-server benchmark over loopback: `node bench/server.mjs` (after `pnpm tsc -b`).
// Starts the built CLI (`orrery server`) as a child process on a free port, once per dialect: with a
// fresh SQLite file in a temp directory, then with a fresh PostgreSQL database (created on
// ORRERY_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres, dropped at the
// end); drives it over HTTP/1.1 keep-alive (node:http), prints figures next to the targets and
// asserts nothing. Every loop is bounded; the server is killed at the end.
//   1. log-metric calls/s, one sequential client
//   2. metrics/s through log-batch (1000 metrics per request), 1 and 8 concurrent clients
//   3. search-runs p50/p95 over 10k runs (metric filter + order_by a metric, page of 100)
//   4. server RSS (VmRSS of the server process) idle and under load
// Options (environment): BENCH_LOG_METRIC_CALLS (default 20000), BENCH_LOG_METRIC_SECONDS (10),
// BENCH_BATCH_REQUESTS (per phase, default 800), BENCH_RUNS (10000), BENCH_SEARCHES (200),
// BENCH_SERVER_LOG_LEVEL (the server's ORRERY_LOG_LEVEL; default: the server's own default, info),
// BENCH_NODE_ARGS (extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
// BENCH_AUTH: `off` (default), `on` (`--app-name basic-auth`, requests as a non-admin user with
// Basic credentials, who owns the experiments it writes to) or `both` (the whole run without, then
// with auth, for the overhead of the auth layer), BENCH_DIALECTS (comma-separated: sqlite,
// postgres; default both), BENCH_PHASES (comma-separated: log-metric, log-batch, search; default all).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { fmt, freePort, httpClient, percentile } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliBin = path.join(root, 'packages/cli/dist/bin.js');
if (!existsSync(cliBin)) {
  console.error(`bench/server.mjs: ${cliBin} is missing; build first with \`pnpm tsc -b\`.`);
  process.exit(1);
}

const LOG_METRIC_CALLS = Number(process.env.BENCH_LOG_METRIC_CALLS ?? 20_000);
const LOG_METRIC_SECONDS = Number(process.env.BENCH_LOG_METRIC_SECONDS ?? 10);
const BATCH_REQUESTS = Number(process.env.BENCH_BATCH_REQUESTS ?? 800);
const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 200);
const SEED_CLIENTS = 4;
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'log-metric,log-batch,search').split(',').map((p) => p.trim()));
const POSTGRES_URL = process.env.ORRERY_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { default: pg } = await import(path.join(root, 'plugins/postgres/node_modules/pg/lib/index.js'));

async function postgresAdmin(statement) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * The ceiling for one sequential client on PostgreSQL here: a durable one-row INSERT (a commit,
 * flushed to the WAL) repeated for `seconds` from one connection, in calls/s. The server's
 * log-metric figure can only approach it; on a loaded machine both fall together.
 */
async function postgresCommitRate(uri, seconds = 2) {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_commit_probe (n integer)');
    const stopAt = performance.now() + seconds * 1000;
    let n = 0;
    while (performance.now() < stopAt) await client.query({ name: 'probe', text: 'INSERT INTO bench_commit_probe VALUES ($1)', values: [n++] });
    const rate = n / seconds;
    await client.query('DROP TABLE bench_commit_probe');
    return rate;
  } finally {
    await client.end();
  }
}

/** A fresh database for one server run: its store URI and how to drop it. */
async function freshStore(dialect, dir) {
  if (dialect === 'sqlite') return { uri: `sqlite:///${path.join(dir, 'bench.db')}`, drop: async () => {} };
  const name = `orrery_bench_server_${process.pid}_${Date.now()}`;
  await postgresAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { uri: url.toString(), drop: () => postgresAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

/** Resident set size of a process in KiB, from /proc (Linux). */
function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : NaN;
}

/** Samples the server's RSS every 100 ms while `work` runs; returns its result and the peak. */
async function withRssPeak(pid, work) {
  let peak = rssKb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKb(pid));
  }, 100);
  try {
    const result = await work();
    peak = Math.max(peak, rssKb(pid));
    return { result, peakKb: peak };
  } finally {
    clearInterval(timer);
  }
}

const BENCH_AUTH = process.env.BENCH_AUTH ?? 'off';
const AUTH_MODES = BENCH_AUTH === 'both' ? [false, true] : [BENCH_AUTH === 'on'];
const ADMIN_PASSWORD = 'bench-admin-pw';
const basicAuth = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function startServer(auth, dialect) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-server-'));
  const store = await freshStore(dialect, dir);
  const port = await freePort();
  const env = { ...process.env };
  const authArgs = [];
  if (auth) {
    const ini = path.join(dir, 'basic_auth.ini');
    writeFileSync(ini, `[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///${path.join(dir, 'auth.db')}\nadmin_username = admin\nadmin_password = ${ADMIN_PASSWORD}\n`);
    env.MLFLOW_AUTH_CONFIG_PATH = ini;
    authArgs.push('--app-name', 'basic-auth');
  }
  if (process.env.BENCH_SERVER_LOG_LEVEL) env.ORRERY_LOG_LEVEL = process.env.BENCH_SERVER_LOG_LEVEL;
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      cliBin,
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--backend-store-uri',
      store.uri,
      '--artifacts-destination',
      `file://${path.join(dir, 'artifacts')}`,
      ...authArgs,
    ],
    // Access logs go to /dev/null: the server still formats and writes them, the bench does not read them.
    { cwd: dir, env, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before answering /health`);
    try {
      const ok = await new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/health' }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
      });
      if (ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('server did not answer /health within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid,
    storeUri: store.uri,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
      await store.drop();
    },
  };
}

async function createRun(client, experimentId, runName) {
  const { run } = await client.post('/runs/create', { experiment_id: experimentId, run_name: runName, start_time: Date.now() });
  return run.info.run_id;
}

async function benchLogMetric(client, experimentId) {
  const runId = await createRun(client, experimentId, 'log-metric');
  const now = Date.now();
  const body = (i) => `{"run_id":"${runId}","key":"loss","value":${i * 0.001},"timestamp":${now + i},"step":${i}}`;
  for (let i = 0; i < 500; i += 1) await client.post('/runs/log-metric', body(i)); // warm-up
  const stopAt = performance.now() + LOG_METRIC_SECONDS * 1000;
  const t0 = performance.now();
  let calls = 0;
  while (calls < LOG_METRIC_CALLS && performance.now() < stopAt) {
    await client.post('/runs/log-metric', body(500 + calls));
    calls += 1;
  }
  const ms = performance.now() - t0;
  return { calls, ms };
}

/** Pre-serialized log-batch bodies of 1000 metrics, so the figures measure the server. */
function batchBodies(runId, count, seed) {
  const now = Date.now();
  const bodies = [];
  for (let b = 0; b < count; b += 1) {
    const metrics = new Array(1000);
    for (let i = 0; i < 1000; i += 1) {
      metrics[i] = { key: `m${i % 10}`, value: Math.random(), timestamp: now + b, step: (seed + b) * 100 + Math.floor(i / 10) };
    }
    bodies.push(JSON.stringify({ run_id: runId, metrics }));
  }
  return bodies;
}

async function benchLogBatch(port, experimentId, concurrency) {
  const clients = [];
  const work = [];
  const perClient = Math.max(1, Math.floor(BATCH_REQUESTS / concurrency));
  for (let c = 0; c < concurrency; c += 1) {
    const client = httpClient(port, 1, clientHeaders);
    const runId = await createRun(client, experimentId, `log-batch-${concurrency}-${c}`);
    clients.push(client);
    work.push({ client, bodies: batchBodies(runId, perClient, 0) });
  }
  await Promise.all(work.map(({ client, bodies }) => client.post('/runs/log-batch', bodies[0]))); // warm-up
  const t0 = performance.now();
  await Promise.all(
    work.map(async ({ client, bodies }) => {
      for (let b = 1; b < bodies.length; b += 1) await client.post('/runs/log-batch', bodies[b]);
    }),
  );
  const ms = performance.now() - t0;
  for (const client of clients) client.close();
  return { metrics: concurrency * (perClient - 1) * 1000, ms };
}

async function seedRuns(port, experimentId) {
  const now = Date.now();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SEED_CLIENTS }, async () => {
      const client = httpClient(port, 1, clientHeaders);
      for (let r = next++; r < RUNS; r = next++) {
        const runId = await createRun(client, experimentId, `run-${r}`);
        const params = [];
        for (let p = 0; p < 20; p += 1) params.push({ key: `p${p}`, value: `v${(r * 7 + p) % 50}` });
        const metrics = [];
        for (let m = 0; m < 10; m += 1) metrics.push({ key: `m${m}`, value: Math.random(), timestamp: now, step: 0 });
        const tags = [];
        for (let t = 0; t < 5; t += 1) tags.push({ key: `t${t}`, value: `x${(r + t) % 10}` });
        await client.post('/runs/log-batch', { run_id: runId, metrics, params, tags });
      }
      client.close();
    }),
  );
  return performance.now() - t0;
}

async function benchSearch(client, experimentId) {
  const body = JSON.stringify({
    experiment_ids: [experimentId],
    filter: 'metrics.m0 > 0.5',
    order_by: ['metrics.m1 DESC'],
    max_results: 100,
  });
  for (let i = 0; i < 10; i += 1) await client.post('/runs/search', body); // warm-up
  const samples = [];
  for (let i = 0; i < SEARCHES; i += 1) {
    const t = performance.now();
    const page = await client.post('/runs/search', body);
    samples.push(performance.now() - t);
    if (page.runs?.length !== 100) throw new Error(`expected a full page of 100 runs, got ${page.runs?.length ?? 0}`);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

/** Headers of every bench request: Basic credentials of the bench user when auth is on. */
let clientHeaders = {};

for (const dialect of DIALECTS) {
for (const auth of AUTH_MODES) {
const server = await startServer(auth, dialect);
try {
  clientHeaders = {};
  if (auth) {
    // A non-admin user: every request is authenticated and checked against its permission rows.
    const admin = httpClient(server.port, 1, { authorization: basicAuth('admin', ADMIN_PASSWORD) });
    await admin.post('/users/create', { username: 'bench', password: 'bench-pw' });
    admin.close();
    clientHeaders = { authorization: basicAuth('bench', 'bench-pw') };
  }
  console.log(`\n== ${dialect}, auth ${auth ? 'on (--app-name basic-auth, non-admin user, Basic credentials)' : 'off'} ==`);
  console.log(`orrery server benchmark on ${os.cpus().length} cores, Node ${process.version}, server pid ${server.pid}, loopback port ${server.port}`);
  console.log('anchor: MLflow 2.12.2 server (4 gunicorn workers, SQLite) ≈ 120 log-metric calls/s, ≈ 8,000 metrics/s via log-batch');
  await new Promise((r) => setTimeout(r, 1000));
  const idleKb = rssKb(server.pid);
  console.log(`idle RSS after start: ${mb(idleKb)} (target ≤ 120 MB)`);

  const client = httpClient(server.port, 1, clientHeaders);
  const { experiment_id: experimentId } = await client.post('/experiments/create', { name: 'bench-server' });
  const peaks = [];

  if (PHASES.has('log-metric')) {
    if (dialect === 'postgres') {
      console.log(`[postgres] ceiling: PostgreSQL's own durable one-row INSERT, 1 client: ${fmt(await postgresCommitRate(server.storeUri))} commits/s`);
    }
    const lm = await withRssPeak(server.pid, () => benchLogMetric(client, experimentId));
    peaks.push(lm.peakKb);
    console.log(
      `[${dialect}] log-metric, 1 sequential client: ${fmt(lm.result.calls / (lm.result.ms / 1000))} calls/s ` +
        `(${fmt(lm.result.calls)} calls in ${lm.result.ms.toFixed(0)} ms; target ≥ 3,000; MLflow ≈ 120) · peak RSS ${mb(lm.peakKb)}`,
    );
  }

  if (PHASES.has('log-batch')) {
    const b1 = await withRssPeak(server.pid, () => benchLogBatch(server.port, experimentId, 1));
    console.log(
      `[${dialect}] log-batch (1000 metrics/request), 1 client: ${fmt(b1.result.metrics / (b1.result.ms / 1000))} metrics/s ` +
        `(${fmt(b1.result.metrics)} metrics in ${b1.result.ms.toFixed(0)} ms; target ≥ 300,000; MLflow ≈ 8,000) · peak RSS ${mb(b1.peakKb)}`,
    );
    const b8 = await withRssPeak(server.pid, () => benchLogBatch(server.port, experimentId, 8));
    console.log(
      `[${dialect}] log-batch (1000 metrics/request), 8 concurrent clients: ${fmt(b8.result.metrics / (b8.result.ms / 1000))} metrics/s ` +
        `(${fmt(b8.result.metrics)} metrics in ${b8.result.ms.toFixed(0)} ms; target ≥ 300,000; MLflow ≈ 8,000) · peak RSS ${mb(b8.peakKb)}`,
    );
    peaks.push(b1.peakKb, b8.peakKb);
  }

  if (PHASES.has('search')) {
    const { experiment_id: searchExperimentId } = await client.post('/experiments/create', { name: 'bench-search' });
    const seed = await withRssPeak(server.pid, () => seedRuns(server.port, searchExperimentId));
    console.log(
      `[${dialect}] seeded ${fmt(RUNS)} runs (20 params, 10 metrics, 5 tags each; runs/create + log-batch, ${SEED_CLIENTS} clients) ` +
        `in ${(seed.result / 1000).toFixed(1)} s · peak RSS ${mb(seed.peakKb)}`,
    );
    const search = await withRssPeak(server.pid, () => benchSearch(client, searchExperimentId));
    console.log(
      `[${dialect}] search-runs over ${fmt(RUNS)} runs (metrics.m0 > 0.5, order by metrics.m1 DESC, page of 100): ` +
        `p50 ${search.result.p50.toFixed(2)} ms, p95 ${search.result.p95.toFixed(2)} ms (${SEARCHES} searches) · peak RSS ${mb(search.peakKb)}`,
    );
    peaks.push(seed.peakKb, search.peakKb);
  }
  client.close();

  const peakKb = Math.max(idleKb, ...peaks);
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`[${dialect}] RSS: idle ${mb(idleKb)} (target ≤ 120 MB), peak under load ${mb(peakKb)}, after load ${mb(rssKb(server.pid))}`);
} finally {
  await server.stop();
}
}
}
