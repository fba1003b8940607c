#!/usr/bin/env node
// Model loading and prediction, in-process: `node bench/models.mjs` (after `pnpm tsc -b`).
// Prints figures; asserts nothing. For a linear model (4 → 1) and an MLP (4 → 64 → 1, one hidden
// ReLU layer), both ONNX graphs built in code by @orrery/testkit:
//   1. load time: the first onnxruntime-node import, a cold loadModel, then warm loads (p50)
//   2. predict latency p50/p95 for 1 row and 1,000 rows, with a column signature (DataFrame in,
//      DataFrame out) and a tensor signature (tensor in, tensors out)
//   3. where the time goes: signature enforcement alone, onnxruntime's run alone on a ready tensor,
//      and the rest (DataFrame ⇄ feed conversion, output wrapping)
// Options: BENCH_ITERATIONS (default 2000 for 1 row, a tenth of it for 1,000 rows), BENCH_LOADS (default 20).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile } from './bench-kit.mjs';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000);
const LOADS = Number(process.env.BENCH_LOADS ?? 20);

const ortStart = performance.now();
const ort = await import('onnxruntime-node').catch(() => import('../packages/models/node_modules/onnxruntime-node/dist/index.js'));
const ortImportMs = performance.now() - ortStart;
const models = await import('../packages/models/dist/index.js');
const testkit = await import('../packages/testkit/dist/onnx-model-builders.js');

const X = ['x0', 'x1', 'x2', 'x3'];
const COLUMN_SIGNATURE = { inputs: { kind: 'columns', columns: X.map((name) => ({ type: 'double', name, required: true })) } };
const TENSOR_SIGNATURE = { inputs: { kind: 'tensors', tensors: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }] } };

const ms = (value) => `${value < 1 ? value.toFixed(3) : value.toFixed(2)} ms`;

function rowsOf(n) {
  return Array.from({ length: n }, (_, i) => [i % 7 + 0.5, (i % 5) - 2.5, i / n, -(i % 3) - 0.25]);
}

async function timeEach(count, fn) {
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function benchModel(label, bytes, dir) {
  const columnDir = path.join(dir, `${label}-columns`);
  const tensorDir = path.join(dir, `${label}-tensors`);
  await models.onnx.saveModel(bytes, columnDir, { signature: COLUMN_SIGNATURE });
  await models.onnx.saveModel(bytes, tensorDir, { signature: TENSOR_SIGNATURE });

  const cold0 = performance.now();
  const first = await models.loadModel(columnDir);
  const coldMs = performance.now() - cold0;
  await first.close();
  const warm = await timeEach(LOADS, async () => (await models.loadModel(columnDir)).close());
  console.log(`${label}: ${bytes.length} bytes · loadModel cold ${ms(coldMs)}, warm p50 ${ms(warm.p50)} (p95 ${ms(warm.p95)})`);

  const byColumns = await models.loadModel(columnDir);
  const byTensors = await models.loadModel(tensorDir);
  const session = await ort.InferenceSession.create(bytes);
  for (const n of [1, 1000]) {
    const iterations = n === 1 ? ITERATIONS : Math.max(20, Math.floor(ITERATIONS / 10));
    const rows = rowsOf(n);
    const frame = { kind: 'dataframe', frame: { columns: X, rows, dtypes: X.map(() => 'float64') } };
    const tensor = { kind: 'tensor', tensor: { dtype: 'float32', shape: [n, 4], data: Float32Array.from(rows.flat()) } };
    const ready = new ort.Tensor('float32', tensor.tensor.data, [n, 4]);
    for (let i = 0; i < 50; i += 1) await byColumns.predict(frame); // warm-up
    const dataframe = await timeEach(iterations, () => byColumns.predict(frame));
    const tensors = await timeEach(iterations, () => byTensors.predict(tensor));
    const enforce = await timeEach(iterations, () => models.enforceInputSchema(frame, COLUMN_SIGNATURE.inputs, { allowIntToFloat: true }));
    const raw = await timeEach(iterations, () => session.run({ input: ready }));
    const rest = Math.max(0, dataframe.p50 - enforce.p50 - raw.p50);
    console.log(
      `  ${String(n).padStart(4)} row${n === 1 ? ' ' : 's'}: DataFrame p50 ${ms(dataframe.p50)} p95 ${ms(dataframe.p95)} · tensor p50 ${ms(tensors.p50)} p95 ${ms(tensors.p95)}` +
        `  | DataFrame p50 = enforcement ${ms(enforce.p50)} + onnxruntime run ${ms(raw.p50)} + conversion ${ms(rest)}`,
    );
  }
  await byColumns.close();
  await byTensors.close();
  await session.release();
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-models-'));
try {
  console.log(`onnxruntime-node ${ort.env.versions.node}: first import (native binding) ${ms(ortImportMs)}`);
  await benchModel('linear (4 → 1)', testkit.linearOnnxModel(), dir);
  await benchModel('MLP (4 → 64 → 1)', testkit.mlpOnnxModel({ hidden: 64 }), dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
