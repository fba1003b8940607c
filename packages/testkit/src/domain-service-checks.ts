import { describe, expect, it } from 'vitest';
import { LOGGED_MODELS_TAG, ModelRegistryService, TrackingService, type DomainEvent, type TrackingStore } from '@orrery/core';
import { freshRegistryPerTest } from './registry-conformance/harness.js';
import type { ModelRegistryStoreConformanceOptions } from './registry-conformance/harness.js';
import { BASE_TIME, createExperiment, expectOrreryError, freshStorePerTest, type TrackingStoreConformanceOptions } from './tracking-conformance/harness.js';

/** How many log-model calls race on one run. */
const CONCURRENT_MODELS = 24;

function model(runId: string, index: number): string {
  return JSON.stringify({
    run_id: runId,
    artifact_path: `model-${index}`,
    utc_time_created: `2026-12-07 22:00:${String(index).padStart(2, '0')}.000000`,
    flavors: { python_function: { loader_module: 'mlflow.sklearn' } },
  });
}

function history(store: TrackingStore, runId: string): Promise<Array<{ artifact_path: string }>> {
  return store.getRun(runId).then((run) => {
    const tag = run.data.tags.find((t) => t.key === LOGGED_MODELS_TAG);
    return tag ? (JSON.parse(tag.value) as Array<{ artifact_path: string }>) : [];
  });
}

/** Every event the store's service emits from now on, in order. */
function recordEvents(store: unknown, name: string): DomainEvent[] {
  if (!(store instanceof TrackingService) && !(store instanceof ModelRegistryService)) {
    throw new Error(`${name}: the store is not one of core's services, so it has no events`);
  }
  const seen: DomainEvent[] = [];
  store.events.onAny((event) => seen.push(event));
  return seen;
}

/**
 * What the domain layer promises whatever the backend: log-model history appended atomically
 * (concurrent calls all land), refused on a deleted run or malformed JSON with nothing written.
 * Runs against a `TrackingService` over any port, and against a REST store through a live server.
 */
export function runLogModelChecks(options: TrackingStoreConformanceOptions): void {
  describe(`log-model history: ${options.name}`, () => {
    const h = freshStorePerTest(options);

    it(`keeps every model of ${CONCURRENT_MODELS} concurrent log-model calls on one run, each once`, async () => {
      const experimentId = await createExperiment(h.store, 'log-model');
      const runId = (await h.store.createRun({ experimentId, startTime: BASE_TIME })).info.runId;
      await Promise.all(Array.from({ length: CONCURRENT_MODELS }, (_, i) => h.store.logModel!(runId, model(runId, i))));
      const paths = (await history(h.store, runId)).map((m) => m.artifact_path).sort();
      expect(paths).toEqual(Array.from({ length: CONCURRENT_MODELS }, (_, i) => `model-${i}`).sort());
    });

    it('appends in call order and keeps the models as given', async () => {
      const experimentId = await createExperiment(h.store, 'log-model-order');
      const runId = (await h.store.createRun({ experimentId, startTime: BASE_TIME })).info.runId;
      await h.store.logModel!(runId, model(runId, 1));
      await h.store.logModel!(runId, model(runId, 2));
      const logged = await history(h.store, runId);
      expect(logged).toEqual([JSON.parse(model(runId, 1)), JSON.parse(model(runId, 2))]);
    });

    it('refuses malformed JSON, a missing field and a deleted run with INVALID_PARAMETER_VALUE, writing nothing', async () => {
      const experimentId = await createExperiment(h.store, 'log-model-bad');
      const runId = (await h.store.createRun({ experimentId, startTime: BASE_TIME })).info.runId;
      const malformed = await expectOrreryError(h.store.logModel!(runId, '{not json'), 'INVALID_PARAMETER_VALUE');
      expect(malformed.message).toContain('is not a valid JSON');
      const missing = await expectOrreryError(h.store.logModel!(runId, JSON.stringify({ run_id: runId })), 'INVALID_PARAMETER_VALUE');
      expect(missing.message).toContain("'flavors'");
      expect(await history(h.store, runId)).toEqual([]);
      await h.store.deleteRun(runId);
      await expectOrreryError(h.store.logModel!(runId, model(runId, 0)), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.logModel!('0'.repeat(32), model(runId, 0)), 'RESOURCE_DOES_NOT_EXIST');
      await h.store.restoreRun(runId);
      expect(await history(h.store, runId)).toEqual([]);
    });
  });
}

/**
 * Every write of the tracking service emits exactly one event with the right payload, after it
 * succeeded; a refused write emits none. For stores that are a `TrackingService`.
 */
export function runTrackingEventChecks(options: TrackingStoreConformanceOptions): void {
  describe(`tracking events: ${options.name}`, () => {
    const h = freshStorePerTest(options);

    const record = (): DomainEvent[] => recordEvents(h.store, options.name);

    it('emits one event per write, with what was written', async () => {
      const seen = record();
      const take = (): DomainEvent[] => seen.splice(0, seen.length);
      const experimentId = await h.store.createExperiment({ name: `events-${Date.now()}` });
      expect(take()).toEqual([{ type: 'experiment.created', payload: { experimentId, name: expect.stringMatching(/^events-/) } }]);
      await h.store.setExperimentTag(experimentId, { key: 'team', value: 'vision' });
      expect(take()).toEqual([{ type: 'experiment.tag_set', payload: { experimentId, tag: { key: 'team', value: 'vision' } } }]);
      const run = await h.store.createRun({ experimentId, startTime: BASE_TIME, runName: 'named' });
      const runId = run.info.runId;
      expect(take()).toEqual([{ type: 'run.created', payload: { run } }]);
      const metric = { key: 'loss', value: 0.5, timestamp: BASE_TIME, step: 1 };
      await h.store.logMetric(runId, metric);
      expect(take()).toEqual([{ type: 'metric.logged', payload: { runId, metrics: [metric] } }]);
      const metrics = [metric, { ...metric, step: 2 }, { ...metric, step: 3 }];
      await h.store.logBatch(runId, { metrics });
      expect(take()).toEqual([{ type: 'metric.logged', payload: { runId, metrics } }]);
      await h.store.logBatch(runId, { params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 't', value: 'v' }] });
      expect(take()).toEqual([
        { type: 'run.batch_logged', payload: { runId, metrics: [], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 't', value: 'v' }] } },
      ]);
      await h.store.logParam(runId, { key: 'depth', value: '3' });
      expect(take()).toEqual([{ type: 'run.param_logged', payload: { runId, param: { key: 'depth', value: '3' } } }]);
      await h.store.setTag(runId, { key: 'stage', value: 'dev' });
      await h.store.deleteTag(runId, 'stage');
      expect(take().map((e) => e.type)).toEqual(['run.tag_set', 'run.tag_deleted']);
      const info = await h.store.updateRun(runId, { status: 'FINISHED', endTime: BASE_TIME + 5 });
      expect(take()).toEqual([{ type: 'run.updated', payload: { runId, info } }]);
      await h.store.logModel!(runId, model(runId, 0));
      expect(take()).toEqual([{ type: 'run.model_logged', payload: { runId, model: JSON.parse(model(runId, 0)) } }]);
      await h.store.deleteRun(runId);
      await h.store.restoreRun(runId);
      await h.store.renameExperiment(experimentId, `renamed-${Date.now()}`);
      await h.store.deleteExperimentTag(experimentId, 'team');
      await h.store.deleteExperiment(experimentId);
      await h.store.restoreExperiment(experimentId);
      expect(take().map((e) => e.type)).toEqual([
        'run.deleted',
        'run.restored',
        'experiment.renamed',
        'experiment.tag_deleted',
        'experiment.deleted',
        'experiment.restored',
      ]);
      // Reads emit nothing.
      await h.store.getRun(runId);
      await h.store.searchRuns({ experimentIds: [experimentId] });
      await h.store.getMetricHistory(runId, 'loss');
      expect(take()).toEqual([]);
    });

    it('emits nothing for a refused write', async () => {
      const seen = record();
      const experimentId = await createExperiment(h.store, 'events-refused');
      const runId = (await h.store.createRun({ experimentId, startTime: BASE_TIME })).info.runId;
      await h.store.logParam(runId, { key: 'lr', value: '0.1' });
      seen.length = 0;
      await expectOrreryError(h.store.logMetric(runId, { key: '', value: 1, timestamp: BASE_TIME, step: 0 }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.logParam(runId, { key: 'lr', value: '0.2' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.createExperiment({ name: (await h.store.getExperiment(experimentId)).name }), 'RESOURCE_ALREADY_EXISTS');
      await expectOrreryError(h.store.deleteExperiment('0'), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setTag('f'.repeat(32), { key: 'k', value: 'v' }), 'RESOURCE_DOES_NOT_EXIST');
      await h.store.deleteRun(runId);
      seen.length = 0;
      await expectOrreryError(h.store.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: BASE_TIME, step: 0 }] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.logModel!(runId, model(runId, 0)), 'INVALID_PARAMETER_VALUE');
      expect(seen).toEqual([]);
    });

    it('a listener that throws neither fails the write nor stops other listeners', async () => {
      const store = h.store as TrackingService;
      store.events.on('experiment.created', () => {
        throw new Error('listener bug');
      });
      const seen = record();
      const experimentId = await createExperiment(store, 'events-throwing-listener');
      expect(seen.map((e) => e.type)).toEqual(['experiment.created']);
      expect((await store.getExperiment(experimentId)).experimentId).toBe(experimentId);
    });
  });
}

/**
 * Every write of the registry service emits exactly one event with the right payload; a refused
 * write emits none. For stores that are a `ModelRegistryService`.
 */
export function runRegistryEventChecks(options: ModelRegistryStoreConformanceOptions): void {
  describe(`registry events: ${options.name}`, () => {
    const h = freshRegistryPerTest(options);

    const record = (): DomainEvent[] => recordEvents(h.store, options.name);

    it('emits one event per write, with what was written', async () => {
      const seen = record();
      const take = (): DomainEvent[] => seen.splice(0, seen.length);
      const created = await h.store.createRegisteredModel('events-model', { description: 'd' });
      expect(take()).toEqual([{ type: 'registered_model.created', payload: { model: created } }]);
      const version = await h.store.createModelVersion({ name: 'events-model', source: 's3://bucket/model' });
      expect(take()).toEqual([{ type: 'model_version.created', payload: { version } }]);
      const moved = await h.store.transitionModelVersionStage('events-model', '1', 'production' as never, false);
      expect(take()).toEqual([
        { type: 'model_version.stage_transitioned', payload: { version: moved, stage: 'Production', archiveExistingVersions: false } },
      ]);
      await h.store.setRegisteredModelAlias('events-model', 'champion', '1');
      expect(take()).toEqual([{ type: 'model_alias.set', payload: { name: 'events-model', alias: 'champion', version: '1' } }]);
      await h.store.setModelVersionTag('events-model', '1', { key: 'k', value: 'v' });
      await h.store.deleteModelVersionTag('events-model', '1', 'k');
      await h.store.setRegisteredModelTag('events-model', { key: 'k', value: 'v' });
      await h.store.deleteRegisteredModelTag('events-model', 'k');
      await h.store.updateModelVersion('events-model', '1', { description: 'new' });
      await h.store.updateRegisteredModel('events-model', 'new');
      await h.store.deleteRegisteredModelAlias('events-model', 'champion');
      await h.store.renameRegisteredModel('events-model', 'events-renamed');
      await h.store.deleteModelVersion('events-renamed', '1');
      await h.store.deleteRegisteredModel('events-renamed');
      expect(take().map((e) => e.type)).toEqual([
        'model_version.tag_set',
        'model_version.tag_deleted',
        'registered_model.tag_set',
        'registered_model.tag_deleted',
        'model_version.updated',
        'registered_model.updated',
        'model_alias.deleted',
        'registered_model.renamed',
        'model_version.deleted',
        'registered_model.deleted',
      ]);
    });

    it('emits nothing for a refused write', async () => {
      await h.store.createRegisteredModel('events-refused');
      const seen = record();
      await expectOrreryError(h.store.createRegisteredModel('events-refused'), 'RESOURCE_ALREADY_EXISTS');
      await expectOrreryError(h.store.createModelVersion({ name: 'absent-model', source: 's3://b/m' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.createModelVersion({ name: 'events-refused', source: 'models:/events-refused/9' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setRegisteredModelAlias('events-refused', 'a', '7'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.transitionModelVersionStage('events-refused', 'x', 'Staging', false), 'INVALID_PARAMETER_VALUE');
      expect(seen).toEqual([]);
    });
  });
}
