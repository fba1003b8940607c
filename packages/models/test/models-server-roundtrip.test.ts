/**
 * The round trip through a live `orrery server` with the REST stores: onnx.logModel in an active
 * run (artifacts proxied, log-model history recorded, a version registered) → an alias → loadModel
 * of `models:/name@alias` downloads and predicts; runs:/ and mlflow-artifacts: URIs load too.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ModelRegistryStore, TrackingStore } from '@orrery/core';
import { endRun, getClient, setTrackingUri, shutdown, startRun } from '@orrery/client';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import { linearOnnxModel } from '@orrery/testkit';
import { inferSignature, loadModel, resolveModelVersion } from '@orrery/models';
import { onnx } from '@orrery/models';

let tmp: string;
let tracking: TrackingStore;
let registry: ModelRegistryStore;
let app: ReturnType<typeof createServer>;
let url: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'orrery-models-roundtrip-'));
  const uri = `sqlite:///${path.join(tmp, 'orrery.db')}`;
  tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  registry = await openSqliteModelRegistryStore(uri);
  app = createServer({
    trackingStore: tracking,
    modelRegistryStore: registry,
    openArtifactRepository: async (root) => new LocalArtifactRepository(root),
    artifactsDestination: pathToFileURL(path.join(tmp, 'proxied')).href,
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  setTrackingUri(url);
});

afterAll(async () => {
  await shutdown();
  await app.close();
  await registry.close();
  await tracking.close();
  rmSync(tmp, { recursive: true, force: true });
});

it('logs, registers, aliases and loads an ONNX model through the server', async () => {
  const run = await startRun();
  const example = { kind: 'dataframe' as const, frame: { columns: ['x0', 'x1', 'x2', 'x3'], rows: [[1.5, 2, 3, 4]] } };
  const info = await onnx.logModel(linearOnnxModel(), 'model', {
    signature: { ...inferSignature(example), outputs: { kind: 'tensors', tensors: [{ name: 'output', dtype: 'float32', shape: [-1, 1] }] } },
    inputExample: example,
    registeredModelName: 'roundtrip',
    metadata: { owner: 'models-test' },
  });
  await endRun();
  expect(info).toMatchObject({ runId: run.runId, artifactPath: 'model', modelUri: `runs:/${run.runId}/model`, registeredModelVersion: { name: 'roundtrip', version: '1' } });

  const client = await getClient();
  const history = JSON.parse((await client.getRun(run.runId)).data.tags.find((t) => t.key === 'mlflow.log-model.history')!.value) as Array<Record<string, unknown>>;
  expect(history).toHaveLength(1);
  expect(history[0]).toMatchObject({ run_id: run.runId, artifact_path: 'model', model_uuid: info.modelUuid, flavors: { onnx: { data: 'model.onnx' } } });

  await client.setRegisteredModelAlias('roundtrip', 'champion', '1');
  expect(await resolveModelVersion('models:/roundtrip@champion', { trackingUri: url })).toEqual({ name: 'roundtrip', version: '1' });
  // A client kept open (as an alias watcher keeps one) is reused and left open.
  expect(await resolveModelVersion('models:/roundtrip@champion', { client })).toEqual({ name: 'roundtrip', version: '1' });
  await expect(resolveModelVersion('models:/roundtrip@nobody', { client })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  expect(await resolveModelVersion('runs:/abc/model', { client })).toBeUndefined();

  const dst = mkdtempSync(path.join(tmp, 'dst-'));
  const model = await loadModel('models:/roundtrip@champion', { trackingUri: url, dstPath: dst });
  expect(model.flavor).toBe('onnx');
  expect(model.metadata).toEqual({ owner: 'models-test' });
  expect(model.mlmodel.runId).toBe(run.runId);
  const output = await model.predict({ kind: 'dataframe', frame: { columns: ['x0', 'x1', 'x2', 'x3'], rows: [[1, 2, 3, 4], [0, 0, 0, 0]] } });
  expect(output).toMatchObject({ kind: 'dataframe', frame: { columns: ['output'], rows: [[30.5], [0.5]] } });
  await model.close();

  await client.transitionModelVersionStage('roundtrip', '1', 'Production');
  for (const uri of [`runs:/${run.runId}/model`, 'models:/roundtrip/1', 'models:/roundtrip/production', `mlflow-artifacts:/0/${run.runId}/artifacts/model`]) {
    const again = await loadModel(uri, { trackingUri: url });
    expect(again.mlmodel.modelUuid, uri).toBe(info.modelUuid);
    // Downloaded into a temporary folder of its own, which goes away with the model.
    const local = (again as unknown as { path: string }).path;
    expect(existsSync(path.join(local, 'MLmodel')), uri).toBe(true);
    await again.close();
    expect(existsSync(local), uri).toBe(false);
  }
});

it('refuses logModel outside a run, saying to start one', async () => {
  await expect(onnx.logModel(linearOnnxModel(), 'model')).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('startRun()') });
});
