#!/usr/bin/env node
// Projects benchmark: `node bench/projects.mjs` (after `pnpm tsc -b`), or `pnpm bench:projects`.
// Uses the Redis on 127.0.0.1:6379 (BENCH_REDIS_URL to choose another) with a fresh queue name,
// a SQLite tracking store in a temp dir, and two `orrery worker` processes (the built CLI).
// Prints figures and asserts nothing; everything it started is stopped at the end.
//   1. queue throughput: no-op executions (`true`) per second through two workers
//   2. submit to start: from `submit()` to the moment the entry point's command runs (p50/p95)
//   3. a cached pipeline step: a one-step pipeline run whose step is skipped by the cache, against
//      the same run executing the step
// Options (environment): BENCH_JOBS (no-op executions, default 100), BENCH_CONCURRENCY (per
// worker, default 2), BENCH_STARTS (submit-to-start samples, default 20).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fmt, median, percentile } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliBin = path.join(root, 'packages/cli/dist/bin.js');
for (const file of [cliBin, path.join(root, 'packages/projects/dist/index.js'), path.join(root, 'plugins/queue/dist/index.js')]) {
  if (!existsSync(file)) {
    console.error(`bench/projects.mjs: ${file} is missing; build first with \`pnpm tsc -b\`.`);
    process.exit(1);
  }
}
const { OrreryClient, discoverDefaultRegistry } = await import('@orrery/client');
const { LocalProjectBackend, runProject } = await import('@orrery/projects');
const { QueueProjectBackend } = await import('@orrery/plugin-queue');

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = Number(process.env.BENCH_JOBS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const STARTS = Number(process.env.BENCH_STARTS ?? 20);
const queue = `bench-projects-${process.pid}-${Date.now()}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-projects-'));
const trackingUri = `sqlite:///${path.join(dir, 'tracking.db')}`;
const children = new Set();

const project = path.join(dir, 'project');
mkdirSync(project);
writeFileSync(
  path.join(project, 'MLproject'),
  `name: bench
entry_points:
  noop:
    command: "true"
  stamp:
    command: "date +%s%3N"
pipelines:
  one:
    steps:
      step: {entry_point: noop}
`,
);

function startWorker(name) {
  const child = spawn(process.execPath, [cliBin, 'worker', '--redis-url', REDIS_URL, '--queue', queue, '--name', name, '--concurrency', String(CONCURRENCY)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (data) => {
      stderr += data;
      if (stderr.includes('taking executions')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
}

async function stopAll() {
  for (const child of children) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}

const registry = await discoverDefaultRegistry();
const client = await OrreryClient.create({ trackingUri, registry, defaultArtifactRoot: `file://${path.join(dir, 'artifacts')}` });
const backend = new QueueProjectBackend({ redisUrl: REDIS_URL, queue, prefix: 'bull' });
try {
  await Promise.all([startWorker('bench-1'), startWorker('bench-2')]);
  const submission = async (entryPoint) => {
    const run = await client.createRun('0');
    return { uri: project, entryPoint, parameters: {}, experimentId: '0', runId: run.info.runId, trackingUri, backendConfig: {} };
  };

  // 1. throughput
  const warm = await backend.submit(await submission('noop'));
  await backend.wait(warm.id);
  const prepared = [];
  for (let i = 0; i < JOBS; i += 1) prepared.push(await submission('noop'));
  const t0 = performance.now();
  const executions = await Promise.all(prepared.map((s) => backend.submit(s)));
  const states = await Promise.all(executions.map((e) => backend.wait(e.id)));
  const seconds = (performance.now() - t0) / 1000;
  const finished = states.filter((s) => s.state === 'FINISHED').length;
  console.log(`queue throughput: ${(JOBS / seconds).toFixed(1)} no-op executions/s (${JOBS} through 2 workers × concurrency ${CONCURRENCY}, ${finished} FINISHED, ${seconds.toFixed(2)} s)`);

  // 2. submit to start, one at a time on idle workers
  const delays = [];
  for (let i = 0; i < STARTS; i += 1) {
    const sub = await submission('stamp');
    const submitted = Date.now();
    const execution = await backend.submit(sub);
    await backend.wait(execution.id);
    let out = '';
    for await (const chunk of backend.logs(execution.id)) if (chunk.stream === 'stdout') out += chunk.text;
    delays.push(Number(out.trim()) - submitted);
  }
  delays.sort((a, b) => a - b);
  console.log(`submit to start (queue): p50 ${fmt(median(delays))} ms, p95 ${fmt(percentile(delays, 95))} ms (${STARTS} executions; includes fetching the project and marking the run RUNNING)`);

  // 3. cached step vs executed step (local backend, in this process)
  const local = new LocalProjectBackend({ stateDir: path.join(dir, 'local'), openClient: (uri) => OrreryClient.create({ trackingUri: uri, registry }) });
  const pipeline = async (experimentName) => {
    const start = performance.now();
    const result = await runProject({ uri: project, entryPoint: 'one', parameters: {}, experimentName, backend: local, backendConfig: {}, client, report: () => undefined });
    if (result.exitCode !== 0) throw new Error('pipeline failed');
    return performance.now() - start;
  };
  const executed = [];
  const cached = [];
  for (let i = 0; i < 5; i += 1) {
    executed.push(await pipeline(`bench-${i}`));
    cached.push(await pipeline(`bench-${i}`));
  }
  console.log(
    `one-step pipeline run: ${fmt(median(executed))} ms with the step executed, ${fmt(median(cached))} ms with it cached (median of 5; a cached step costs a cache-key search and a run record instead of a process)`,
  );
  await local.close();
} finally {
  await backend.close();
  await client.close();
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
