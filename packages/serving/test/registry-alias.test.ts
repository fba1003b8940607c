/**
 * `orrery models serve -m models:/linear@champion` against a real registry (a SQLite tracking
 * store) and real ONNX versions: moving the alias switches the served version.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OrreryClient } from '@orrery/client';
import { onnx, type ModelSignature } from '@orrery/models';
import { linearOnnxModel } from '@orrery/testkit';
import { ORRERY_CLI, post, startServingProcess, type ServingProcess } from './serving-process.js';

let dir: string;
let trackingUri: string;
let client: OrreryClient;
let server: ServingProcess;

const SIGNATURE: ModelSignature = {
  inputs: { kind: 'tensors', tensors: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }] },
  outputs: { kind: 'tensors', tensors: [{ name: 'output', dtype: 'float32', shape: [-1, 1] }] },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orrery-serving-registry-'));
  trackingUri = `sqlite:///${join(dir, 'orrery.db')}`;
  client = await OrreryClient.create({ trackingUri });
  await client.createRegisteredModel('linear');
  for (const [version, bias] of [['1', 0.5], ['2', 100.5]] as const) {
    await onnx.saveModel(linearOnnxModel({ bias }), join(dir, `v${version}`), { signature: SIGNATURE });
    await client.createModelVersion('linear', join(dir, `v${version}`));
  }
  await client.setRegisteredModelAlias('linear', 'champion', '1');
  server = await startServingProcess([ORRERY_CLI, '--tracking-uri', trackingUri, 'models', 'serve', '-m', 'models:/linear@champion', '-p', '0', '--watch-interval', '0.3']);
});

afterAll(async () => {
  await server?.stop();
  await client?.close();
  await rm(dir, { recursive: true, force: true });
});

const predict = async () => (await post(`${server.url}/invocations`, JSON.stringify({ inputs: [[1, 2, 3, 4]] }))).json();

it('serves the version the alias names, and the next one once the alias moves', async () => {
  expect(await predict()).toEqual({ predictions: { output: [[30.5]] } });
  expect(await (await fetch(`${server.url}/v2/models/linear`)).json()).toMatchObject({ name: 'linear', versions: ['1'] });
  await client.setRegisteredModelAlias('linear', 'champion', '2');
  const deadline = Date.now() + 30_000;
  while (!/now serving version 2/.test(server.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await predict()).toEqual({ predictions: { output: [[130.5]] } });
  expect(await (await fetch(`${server.url}/v2/models/linear`)).json()).toMatchObject({ versions: ['2'] });
  expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/orrery_serving_model_reloads_total\{outcome="switched"\} 1/);
});
