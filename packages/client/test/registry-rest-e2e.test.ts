/** The registry API of a client whose tracking URI is a live `orrery server` (REST stores, proxied artifacts). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import type { ModelRegistryStore, TrackingStore } from '@orrery/core';
import { OrreryClient, RestModelRegistryStore } from '../src/index.js';

type FastifyInstance = ReturnType<typeof createServer>;

let tmp: string;
let tracking: TrackingStore;
let registry: ModelRegistryStore;
let app: FastifyInstance;
let client: OrreryClient;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'orrery-registry-rest-'));
  const uri = `sqlite:///${path.join(tmp, 'orrery.db')}`;
  tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  registry = await openSqliteModelRegistryStore(uri);
  app = createServer({
    trackingStore: tracking,
    modelRegistryStore: registry,
    openArtifactRepository: async (root) => new LocalArtifactRepository(root),
    artifactsDestination: pathToFileURL(path.join(tmp, 'proxied')).href,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  client = await OrreryClient.create({ trackingUri: url });
});

afterAll(async () => {
  await client.close();
  await app.close();
  await registry.close();
  await tracking.close();
  rmSync(tmp, { recursive: true, force: true });
});

it('registers a runs:/ model through the server and downloads it back by alias', async () => {
  // Loaded through plugin discovery (the built package), so compared by name rather than by class.
  expect((await client.modelRegistry()).constructor.name).toBe(RestModelRegistryStore.name);
  const run = await client.createRun('0', { runName: 'remote' });
  const local = mkdtempSync(path.join(tmp, 'model-'));
  writeFileSync(path.join(local, 'MLmodel'), 'flavor: remote\n');
  await client.logArtifacts(run.info.runId, local, 'model');

  const version = await client.registerModel(`runs:/${run.info.runId}/model`, 'remote-model');
  expect(version).toMatchObject({ version: '1', runId: run.info.runId, source: `mlflow-artifacts:/0/${run.info.runId}/artifacts/model` });
  await client.setRegisteredModelAlias('remote-model', 'champion', '1');
  const dst = mkdtempSync(path.join(tmp, 'dst-'));
  const downloaded = await client.downloadArtifacts('models:/remote-model@champion', dst);
  expect(readFileSync(path.join(downloaded, 'MLmodel'), 'utf8')).toBe('flavor: remote\n');

  const lineage = await client.describeModelVersionLineage('remote-model', 1);
  expect(lineage.run?.url).toBe(`${client.trackingUri}/#/experiments/0/runs/${run.info.runId}`);
});
