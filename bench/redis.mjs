#!/usr/bin/env node
// Redis store benchmark: `node bench/redis.mjs` (after `pnpm tsc -b`).
// Starts a private redis-server (appendonly yes, appendfsync everysec: the durable setting
// docs/redis.md asks for) on a free port in a temp dir, and the built CLI (`orrery server
// --backend-store-uri redis://...`) as a child process. Prints figures next to the targets and
// asserts nothing; everything it started is stopped at the end.
//   1. ingest: metrics/s through the server's log-batch (1000 metrics per request), 8 concurrent clients
//   2. search-runs p50/p95 over 100k runs in one experiment (seeded directly through the store,
//      pipelined), through the server, page of 100, for indexed filters and orders and one scan
// Options (environment): BENCH_REDIS_URL (use this Redis instead of starting one; a fresh key
// prefix is used and removed), BENCH_BATCHES (log-batch requests per client, default 100),
// BENCH_RUNS (default 100000), BENCH_SEARCHES (per query, default 40), BENCH_NODE_ARGS (extra
// node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fmt, freePort, httpClient, percentile } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliBin = path.join(root, 'packages/cli/dist/bin.js');
const pluginDist = path.join(root, 'plugins/redis/dist/index.js');
for (const file of [cliBin, pluginDist]) {
  if (!existsSync(file)) {
    console.error(`bench/redis.mjs: ${file} is missing; build first with \`pnpm tsc -b\`.`);
    process.exit(1);
  }
}
const { openRedisTrackingStore, deleteRedisPrefix } = await import(pluginDist);

const CLIENTS = 8;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 40);
/** Child processes to kill if the bench dies early (an exception, a closed stdout). */
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});
const ms = (n) => `${n.toFixed(1)} ms`;

async function waitUntil(test, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pingRedis(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    process.env.ORRERY_REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  children.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitUntil(() => pingRedis(port), 'redis-server');
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startServer(storeUri, dir) {
  const port = await freePort();
  const env = { ...process.env, ORRERY_LOG_LEVEL: 'warn' };
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, cliBin, 'server', '--host', '127.0.0.1', '--port', String(port), '--backend-store-uri', storeUri, '--artifacts-destination', `file://${path.join(dir, 'artifacts')}`],
    { cwd: dir, env, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  children.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitUntil(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
        const req = http.get({ host: '127.0.0.1', port, path: '/health' }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
      }),
    'the server to answer /health',
  );
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

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

async function benchIngest(port) {
  const setup = httpClient(port);
  const { experiment_id: experimentId } = await setup.post('/experiments/create', { name: `ingest-${Date.now()}` });
  const runIds = [];
  for (let c = 0; c < CLIENTS; c += 1) {
    const { run } = await setup.post('/runs/create', { experiment_id: experimentId, start_time: Date.now() });
    runIds.push(run.info.run_id);
  }
  setup.close();
  const clients = runIds.map(() => httpClient(port));
  const warm = runIds.map((id, c) => batchBodies(id, 5, 10_000 + c * 100));
  await Promise.all(clients.map(async (client, c) => {
    for (const body of warm[c]) await client.post('/runs/log-batch', body);
  }));
  const bodies = runIds.map((id, c) => batchBodies(id, BATCHES, c * BATCHES));
  const t0 = performance.now();
  await Promise.all(clients.map(async (client, c) => {
    for (const body of bodies[c]) await client.post('/runs/log-batch', body);
  }));
  const seconds = (performance.now() - t0) / 1000;
  clients.forEach((c) => c.close());
  return { metrics: CLIENTS * BATCHES * 1000, seconds };
}

async function seedRuns(storeUri, experimentName) {
  const store = await openRedisTrackingStore(storeUri, { defaultArtifactRoot: '/tmp/bench-artifacts' });
  const experimentId = await store.createExperiment({ name: experimentName });
  const t0 = performance.now();
  const IN_FLIGHT = 256;
  let next = 0;
  const base = 1_700_000_000_000;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= RUNS) return;
      const { info } = await store.createRun({ experimentId, startTime: base + i * 1000, runName: `run-${i}` });
      await store.logBatch(info.runId, {
        metrics: [
          { key: 'acc', value: Math.random(), step: 0, timestamp: base },
          { key: 'loss', value: Math.random() * 10, step: 0, timestamp: base },
        ],
        params: [
          { key: 'model', value: `m${i % 10}` },
          { key: 'lr', value: String((i % 7) / 100) },
        ],
        tags: [{ key: 'team', value: `team-${i % 4}` }],
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return { experimentId, seconds };
}

async function benchSearch(port, experimentId) {
  const client = httpClient(port);
  const queries = [
    { label: 'no filter, default order (start_time DESC)', body: {} },
    { label: "metrics.acc > 0.9, order by metrics.acc DESC", body: { filter: 'metrics.acc > 0.9', order_by: ['metrics.acc DESC'] } },
    { label: "params.model = 'm3' (10% of runs)", body: { filter: "params.model = 'm3'" } },
    { label: "params.model = 'm3' AND metrics.acc > 0.5, order by metrics.loss ASC", body: { filter: "params.model = 'm3' AND metrics.acc > 0.5", order_by: ['metrics.loss ASC'] } },
    { label: "tags.team = 'team-1' AND attributes.start_time > <midpoint>", body: { filter: `tags.team = 'team-1' AND attributes.start_time > ${1_700_000_000_000 + (RUNS / 2) * 1000}` } },
    { label: "run_name = 'run-4242' (selective)", body: { filter: "attributes.run_name = 'run-4242'" } },
    { label: "scan: params.model LIKE '%3' (LIKE without literal prefix)", body: { filter: "params.model LIKE '%3'" } },
  ];
  const results = [];
  for (const query of queries) {
    const body = JSON.stringify({ experiment_ids: [experimentId], max_results: 100, ...query.body });
    await client.post('/runs/search', body);
    const times = [];
    let count = 0;
    for (let i = 0; i < SEARCHES; i += 1) {
      const t0 = performance.now();
      const result = await client.post('/runs/search', body);
      times.push(performance.now() - t0);
      count = (result.runs ?? []).length;
    }
    times.sort((a, b) => a - b);
    results.push({ label: query.label, p50: percentile(times, 50), p95: percentile(times, 95), count });
  }
  client.close();
  return results;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-redis-'));
let redis;
let server;
const prefix = `bench${Date.now().toString(36)}`;
try {
  redis = process.env.BENCH_REDIS_URL ? { url: process.env.BENCH_REDIS_URL, stop: async () => {} } : await startRedis(dir);
  const storeUri = `${redis.url.replace(/\/+$/, '')}?prefix=${prefix}`;
  server = await startServer(storeUri, dir);
  console.log(`Redis store benchmark (Node ${process.version}, ${os.cpus().length} CPUs; Redis appendonly yes, appendfsync everysec)`);

  const ingest = await benchIngest(server.port);
  console.log(
    `ingest through the server, ${CLIENTS} clients × ${BATCHES} log-batch requests of 1000 metrics: ` +
      `${fmt(ingest.metrics / ingest.seconds)} metrics/s (target ≥ 300,000) in ${ingest.seconds.toFixed(2)} s`,
  );

  const seeded = await seedRuns(storeUri, `search-${Date.now()}`);
  console.log(`seeded ${fmt(RUNS)} runs (2 metrics, 2 params, 1 tag each) through the store: ${fmt(RUNS / seeded.seconds)} runs/s`);
  const searches = await benchSearch(server.port, seeded.experimentId);
  console.log(`search-runs over ${fmt(RUNS)} runs in one experiment, page of 100, ${SEARCHES} calls each (target p50 ≤ 50 ms on indexed fields):`);
  for (const r of searches) console.log(`  ${r.label}: p50 ${ms(r.p50)}, p95 ${ms(r.p95)} (${r.count} runs returned)`);
} finally {
  await server?.stop();
  if (process.env.BENCH_REDIS_URL && redis) await deleteRedisPrefix(`${redis.url.replace(/\/+$/, '')}?prefix=${prefix}`);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}
