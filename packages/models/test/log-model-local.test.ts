/** onnx.logModel and loadModel with the embedded store (a SQLite file and local artifacts), no server. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { endRun, getClient, setTrackingUri, shutdown, startRun } from '@orrery/client';
import { linearOnnxModel } from '@orrery/testkit';
import { loadModel, onnx } from '@orrery/models';

let tmp: string;
let trackingUri: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'orrery-log-model-local-'));
  trackingUri = `sqlite:///${path.join(tmp, 'orrery.db')}`;
  setTrackingUri(trackingUri);
});
afterAll(async () => {
  await shutdown();
  rmSync(tmp, { recursive: true, force: true });
});

it('logs to the run\'s local artifacts, records the history, registers, and loads by version', async () => {
  const run = await startRun();
  const info = await onnx.logModel(linearOnnxModel(), 'models/linear', { registeredModelName: 'local-linear' });
  await endRun();
  const client = await getClient();
  const tag = (await client.getRun(run.runId)).data.tags.find((t) => t.key === 'mlflow.log-model.history');
  expect(JSON.parse(tag!.value)).toEqual([expect.objectContaining({ artifact_path: 'models/linear', run_id: run.runId, model_uuid: info.modelUuid })]);
  const mlmodel = readFileSync(path.join(new URL(run.info.artifactUri).pathname, 'models/linear/MLmodel'), 'utf8');
  expect(mlmodel).toContain(`run_id: ${run.runId}\n`);
  expect(mlmodel).toContain('artifact_path: models/linear\n');

  const model = await loadModel('models:/local-linear/1', { trackingUri });
  const output = await model.predict({ kind: 'tensor', tensor: { dtype: 'float32', shape: [1, 4], data: Float32Array.of(1, 2, 3, 4) } });
  expect(output.kind === 'tensors' && Array.from(output.tensors.output!.data as Float32Array)).toEqual([30.5]);
  await model.close();
});
