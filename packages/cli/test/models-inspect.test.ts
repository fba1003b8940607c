/** `orrery models inspect -m <uri>`, run as a child process on the built CLI. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { linearOnnxModel } from '@orrery/testkit';
import { inferSignature, onnx } from '@orrery/models';
import { OrreryClient } from '@orrery/client';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const MLFLOW_SKLEARN = fileURLToPath(new URL('../../models/test/fixtures/mlflow-2.12.2-sklearn', import.meta.url));
const MLFLOW_ONNX = fileURLToPath(new URL('../../models/test/fixtures/mlflow-2.12.2-onnx-tensor', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'orrery-inspect-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function orrery(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ORRERY_PLUGINS: '', ORRERY_DEBUG: '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

it('shows the flavors, the flavor that predicts, the signature and the metadata of a saved model', async () => {
  const model = path.join(dir, 'model');
  await onnx.saveModel(linearOnnxModel(), model, {
    signature: { ...inferSignature([{ x0: 1.5, x1: 2 }], undefined, { threshold: 0.5 }) },
    metadata: { owner: 'risk' },
  });
  const result = await orrery(['models', 'inspect', '-m', model]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Flavors +onnx, python_function$/m);
  expect(result.stdout).toMatch(/^Predicts with +onnx$/m);
  expect(result.stdout).toMatch(/^Metadata +\{"owner":"risk"\}$/m);
  expect(result.stdout).toMatch(/Inputs:\nNAME +TYPE +REQUIRED\nx0 +double +required\nx1 +long +required\n/);
  expect(result.stdout).toMatch(/Params:\nNAME +TYPE +DEFAULT +SHAPE\nthreshold +double +0\.5 +scalar\n/);
});

it('describes MLflow\'s models in JSON, including a flavor Orrery cannot execute', async () => {
  const onnxResult = JSON.parse((await orrery(['--json', 'models', 'inspect', '-m', MLFLOW_ONNX])).stdout) as Record<string, unknown>;
  expect(onnxResult).toMatchObject({
    predictsWith: 'onnx',
    mlflowVersion: '2.12.2',
    signature: { inputs: [{ name: 'input', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }] },
  });
  const sklearn = await orrery(['models', 'inspect', '-m', MLFLOW_SKLEARN]);
  expect(sklearn.code).toBe(0);
  expect(sklearn.stdout).toMatch(/^Predicts with +nothing: Orrery cannot execute 'sklearn' \(export the model to ONNX\)$/m);
});

it('downloads a registered model (models:/name/version) to inspect it', async () => {
  const trackingUri = `sqlite:///${path.join(dir, 'orrery.db')}`;
  const client = await OrreryClient.create({ trackingUri });
  try {
    const run = await client.createRun('0');
    const model = path.join(dir, 'registered');
    await onnx.saveModel(linearOnnxModel(), model, { metadata: { stage: 'candidate' } });
    await client.logArtifacts(run.info.runId, model, 'model');
    await client.registerModel(`runs:/${run.info.runId}/model`, 'inspected');
  } finally {
    await client.close();
  }
  const env = { ORRERY_TRACKING_URI: trackingUri, MLFLOW_TRACKING_URI: '', ORRERY_REGISTRY_URI: '', MLFLOW_REGISTRY_URI: '' };
  const result = await orrery(['--json', 'models', 'inspect', '-m', 'models:/inspected/1'], env);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toMatchObject({ uri: 'models:/inspected/1', predictsWith: 'onnx', metadata: { stage: 'candidate' } });
});

it('fails with one line for a directory without an MLmodel', async () => {
  const result = await orrery(['models', 'inspect', '-m', dir]);
  expect(result.code).not.toBe(0);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toContain('No MLmodel file in');
});
