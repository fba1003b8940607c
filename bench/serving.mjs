#!/usr/bin/env node
// Scoring-server benchmark over loopback: `node bench/serving.mjs` (after `pnpm tsc -b`).
// Serves a small linear model (y = x0+2x1+3x2+4x3+0.5, column signature x0..x3 double → float32
// `output`) in a child process, then drives POST /invocations with keep-alive connections, each
// sending its next request as soon as the previous answer is in (a raw HTTP/1.1 client: the
// requests are built before the clock starts, so the generator costs one write and one parse):
//   1. 10 connections, 1-row `dataframe_split` requests
//   2. 10 connections, 1,000-row `dataframe_split` requests
// both with the default settings (adaptive batching) and with `--no-batching`. Prints requests/s,
// rows/s, p50/p99 latency, the mean batch size (from /metrics) and the CPU time the server process
// spent per request (from /proc; unlike wall-clock figures, barely inflated by a busy machine).
// Asserts nothing.
// The model: BENCH_SERVING_MODEL=onnx (default when @orrery/models can save ONNX models) serves a
// real ONNX model through `orrery models serve`; `fixture` serves the test's JavaScript model.
// Options (environment): BENCH_SECONDS (per phase, default 5), BENCH_CONNECTIONS (10).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, percentile, processCpu, rawHttpConnection } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliBin = path.join(root, 'packages/cli/dist/bin.js');
const fixtureServer = path.join(root, 'packages/serving/test/fixtures/serve-fixture.mjs');
if (!existsSync(cliBin) || !existsSync(path.join(root, 'packages/serving/dist/index.js'))) {
  console.error('bench/serving.mjs: build first with `pnpm tsc -b`.');
  process.exit(1);
}
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

/** Writes the model directory; returns how to start a server on it. */
async function prepareModel(dir) {
  const wanted = process.env.BENCH_SERVING_MODEL;
  if (wanted !== 'fixture') {
    try {
      const { saveLinearOnnxModel } = await import(pathToFileURL(path.join(root, 'bench/serving-model.mjs')).href);
      const modelDir = path.join(dir, 'onnx-model');
      await saveLinearOnnxModel(modelDir);
      return { label: 'ONNX model via `orrery models serve`', args: (extra) => [cliBin, 'models', 'serve', '-m', modelDir, '-p', '0', ...extra] };
    } catch (error) {
      if (wanted === 'onnx') throw error;
      console.log(`(ONNX model unavailable: ${error.message.split('\n')[0]}; using the JavaScript fixture model)`);
    }
  }
  const modelDir = path.join(dir, 'fixture-model');
  mkdirSync(modelDir);
  writeFileSync(path.join(modelDir, 'linear.json'), JSON.stringify({ signature: 'columns' }));
  return {
    label: 'JavaScript fixture model',
    args: (extra) => [fixtureServer, modelDir, JSON.stringify(extra.includes('--no-batching') ? { batching: { maxBatchSize: 1 } } : {})],
  };
}

function startServer(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ORRERY_LOG_LEVEL: 'warn' } });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /Listening at http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
}

function request(body) {
  const bytes = Buffer.from(body);
  const head = `POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), bytes]);
}

function frame(rows) {
  const data = Array.from({ length: rows }, (_, i) => [i % 7, (i % 5) * 0.5, 1.25, i % 3]);
  return JSON.stringify({ dataframe_split: { columns: ['x0', 'x1', 'x2', 'x3'], data } });
}

function getText(port, urlPath) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve(text));
    }).on('error', reject);
  });
}

async function batchStats(port) {
  const text = await getText(port, '/metrics');
  const sum = Number(/orrery_serving_batch_size_sum (\S+)/.exec(text)?.[1] ?? 0);
  const count = Number(/orrery_serving_batch_size_count (\S+)/.exec(text)?.[1] ?? 0);
  return { sum, count };
}

async function phase(port, pid, rows, seconds) {
  const bytes = request(frame(rows));
  const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => rawHttpConnection(port)));
  // Warm-up: JIT and the worker's first batches.
  const warmEnd = performance.now() + 500;
  await Promise.all(connections.map(async (c) => { while (performance.now() < warmEnd) await c.send(bytes); }));
  const before = await batchStats(port);
  const cpuBefore = processCpu(pid).ticks;
  const latencies = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    connections.map(async (c) => {
      while (performance.now() < end) {
        const t = performance.now();
        await c.send(bytes);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuTicks = processCpu(pid).ticks - cpuBefore;
  const after = await batchStats(port);
  for (const c of connections) c.close();
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    rowsPerSecond: (latencies.length * rows) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    meanBatch: (after.sum - before.sum) / Math.max(1, after.count - before.count),
    // CPU the server process (all its threads) spent per request: what the machine's load cannot inflate much.
    cpuMicros: ((cpuTicks / 100) * 1e6) / Math.max(1, latencies.length),
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-serving-'));
try {
  const model = await prepareModel(dir);
  console.log(`Scoring server benchmark: ${model.label}, ${CONNECTIONS} keep-alive connections, ${SECONDS} s a phase, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);
  console.log('');
  console.log('settings       request     requests/s        rows/s   p50 ms   p99 ms  mean batch  server CPU µs/req');
  const results = {};
  for (const [label, extra] of [['batching', []], ['no batching', ['--no-batching']]]) {
    const server = await startServer(model.args(extra));
    try {
      for (const rows of [1, 1000]) {
        const r = await phase(server.port, server.child.pid, rows, SECONDS);
        results[`${label}/${rows}`] = r;
        console.log(
          `${label.padEnd(13)}  ${`${fmt(rows)} row${rows > 1 ? 's' : ''}`.padEnd(10)}  ${fmt(r.rps).padStart(10)}  ${fmt(r.rowsPerSecond).padStart(12)}  ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}  ${r.meanBatch.toFixed(1).padStart(10)}  ${fmt(r.cpuMicros).padStart(17)}`,
        );
      }
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
  }
  const one = results['batching/1'];
  const big = results['batching/1000'];
  console.log('');
  console.log(`goal: >= 10,000 one-row requests/s with p99 < 5 ms: ${fmt(one.rps)} req/s, p99 ${one.p99.toFixed(2)} ms`);
  console.log(`goal: >= 800,000 rows/s with 1,000-row requests: ${fmt(big.rowsPerSecond)} rows/s`);
  // With the machine to itself, the server's CPU per request bounds what 2 cores can answer.
  console.log(`server CPU per request (batching): 1 row ${fmt(one.cpuMicros)} µs, 1,000 rows ${fmt(big.cpuMicros)} µs`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
