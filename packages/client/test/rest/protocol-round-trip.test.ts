/**
 * The REST client and the server speak through the same `@orrery/protocol` encoders and decoders,
 * so what a client writes is what the store keeps, and what the store keeps is what a client reads.
 * Each entity goes client encoder → server decoder → store (compared with what was sent), then
 * store → server encoder and response schema → client decoder (compared with the store's own
 * answer). The server checks every response against its schema (verify mode), so a schema that
 * dropped or coerced a field would fail here too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInput, Metric, ModelRegistryStore, TrackingStore } from '@orrery/core';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import { RestModelRegistryStore, RestTrackingStore } from '../../src/index.js';

const byKey = <T extends { key: string }>(items: T[]): T[] => [...items].sort((a, b) => a.key.localeCompare(b.key));

describe('protocol round trip: REST client ⇄ server ⇄ store', () => {
  let dir: string;
  let store: TrackingStore;
  let registry: ModelRegistryStore;
  let app: ReturnType<typeof createServer>;
  let rest: RestTrackingStore;
  let restRegistry: RestModelRegistryStore;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'orrery-protocol-'));
    const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
    store = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
    registry = await openSqliteModelRegistryStore(uri);
    app = createServer({
      trackingStore: store,
      modelRegistryStore: registry,
      openArtifactRepository: async (root) => new LocalArtifactRepository(root),
      artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
      defaultArtifactRoot: 'mlflow-artifacts:/',
      verifyResponseSchemas: true,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    rest = new RestTrackingStore(url, {});
    restRegistry = new RestModelRegistryStore(url, {});
  });

  afterAll(async () => {
    await rest?.close?.();
    await restRegistry?.close?.();
    await app?.close();
    await registry?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('experiments and their tags', async () => {
    const tags = [{ key: 'team', value: 'a' }, { key: 'empty', value: '' }];
    const id = await rest.createExperiment({ name: 'round-trip', tags });
    const kept = await store.getExperiment(id);
    expect(byKey(kept.tags)).toEqual(byKey(tags));
    expect(await rest.getExperiment(id)).toEqual(kept);
    expect(await rest.getExperimentByName('round-trip')).toEqual(kept);
  });

  it('runs: metrics with NaN and ±Infinity, params, tags, and dataset inputs with and without their optional fields', async () => {
    const experimentId = await store.createExperiment({ name: 'runs-round-trip' });
    const created = await rest.createRun({ experimentId, startTime: 1_700_000_000_000, runName: 'r', tags: [{ key: 'origin', value: 'rest' }] });
    const runId = created.info.runId;
    expect(created).toEqual(await store.getRun(runId));

    const metrics: Metric[] = [
      { key: 'nan', value: Number.NaN, timestamp: 1, step: -3 },
      { key: 'pos', value: Number.POSITIVE_INFINITY, timestamp: 2, step: 0 },
      { key: 'neg', value: Number.NEGATIVE_INFINITY, timestamp: 3, step: 9_007_199_254_740_991 },
      { key: 'tiny', value: 1e-300, timestamp: 5_000_000_000_000, step: 1 },
    ];
    await rest.logBatch(runId, { metrics, params: [{ key: 'p', value: 'v' }, { key: 'blank', value: '' }], tags: [{ key: 't', value: 'x' }] });
    await rest.logMetric(runId, { key: 'single', value: 0.5, timestamp: 7, step: 2 });
    const datasets: DatasetInput[] = [
      {
        tags: [{ key: 'mlflow.data.context', value: 'train' }],
        dataset: { name: 'full', digest: 'd1', sourceType: 'local', source: '{"uri": "/data"}', schema: '{"cols": []}', profile: '{"rows": 3}' },
      },
      { tags: [], dataset: { name: 'bare', digest: 'd2', sourceType: 'http', source: 'https://example.com/d.csv' } },
    ];
    await rest.logInputs(runId, datasets);

    const kept = await store.getRun(runId);
    // What the client wrote is what the store keeps.
    expect(byKey(kept.data.metrics)).toEqual(byKey([...metrics, { key: 'single', value: 0.5, timestamp: 7, step: 2 }]));
    expect(byKey(kept.data.params)).toEqual(byKey([{ key: 'p', value: 'v' }, { key: 'blank', value: '' }]));
    expect(kept.data.tags).toEqual(expect.arrayContaining([{ key: 't', value: 'x' }, { key: 'origin', value: 'rest' }]));
    expect([...kept.inputs.datasetInputs].sort((a, b) => a.dataset.name.localeCompare(b.dataset.name))).toEqual([datasets[1], datasets[0]]);
    // What the store keeps is what the client reads.
    expect(await rest.getRun(runId)).toEqual(kept);
    const searched = await rest.searchRuns({ experimentIds: [experimentId] });
    expect(searched.items).toEqual([kept]);
    expect(await rest.getMetricHistory(runId, 'nan')).toEqual(await store.getMetricHistory(runId, 'nan'));

    await rest.updateRun(runId, { status: 'FINISHED', endTime: 1_700_000_000_999 });
    expect(await rest.getRun(runId)).toEqual(await store.getRun(runId));
  });

  it('registered models and model versions with tags, descriptions, run links, aliases and stages', async () => {
    const experimentId = await store.createExperiment({ name: 'registry-round-trip' });
    const run = await store.createRun({ experimentId, startTime: 1 });
    const createdModel = await restRegistry.createRegisteredModel('rt-model', { description: 'a model', tags: [{ key: 'owner', value: 'a' }, { key: 'blank', value: '' }] });
    expect(createdModel).toEqual(await registry.getRegisteredModel('rt-model'));
    expect(byKey(createdModel.tags)).toEqual(byKey([{ key: 'owner', value: 'a' }, { key: 'blank', value: '' }]));

    const version = await restRegistry.createModelVersion({
      name: 'rt-model',
      source: 's3://bucket/models/rt',
      runId: run.info.runId,
      runLink: 'http://example.com/run',
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
    });
    const kept = await registry.getModelVersion('rt-model', version.version);
    expect(kept).toMatchObject({ source: 's3://bucket/models/rt', runId: run.info.runId, runLink: 'http://example.com/run', description: 'first', tags: [{ key: 'k', value: 'v' }] });
    expect(version).toEqual(kept);
    const bare = await restRegistry.createModelVersion({ name: 'rt-model', source: 's3://bucket/models/bare' });
    expect(bare).toEqual(await registry.getModelVersion('rt-model', bare.version));

    await restRegistry.setRegisteredModelAlias('rt-model', 'champion', version.version);
    await restRegistry.transitionModelVersionStage('rt-model', version.version, 'Staging', false);
    expect(await restRegistry.getModelVersion('rt-model', version.version)).toEqual(await registry.getModelVersion('rt-model', version.version));
    expect(await restRegistry.getModelVersionByAlias('rt-model', 'champion')).toEqual(await registry.getModelVersionByAlias('rt-model', 'champion'));
    expect(await restRegistry.getRegisteredModel('rt-model')).toEqual(await registry.getRegisteredModel('rt-model'));
    expect((await restRegistry.searchModelVersions({ filter: "name = 'rt-model'" })).items).toEqual((await registry.searchModelVersions({ filter: "name = 'rt-model'" })).items);
    expect((await restRegistry.searchRegisteredModels({})).items).toEqual((await registry.searchRegisteredModels({})).items);
    expect(await restRegistry.getLatestVersions('rt-model')).toEqual(await registry.getLatestVersions('rt-model'));
  });
});
