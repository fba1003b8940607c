import { afterEach, describe, expect, it } from 'vitest';
import type { Metric, ModelRegistryStore, RunRecord, TrackingStore } from '@orrery/core';
import { planGarbageCollection, readWholeMetricHistory, registryRestoreOf, trackingRestoreOf } from '@orrery/core';

export interface OpenedRestoreStores {
  tracking: TrackingStore;
  registry: ModelRegistryStore;
  cleanup?: () => Promise<void>;
}

export interface RestoreConformanceOptions {
  name: string;
  /** Fresh, empty tracking and registry stores (sharing one backend namespace). */
  open: () => Promise<OpenedRestoreStores>;
}

const T = 1_600_000_000_000;
const runId = (n: number) => n.toString(16).padStart(32, 'a');

async function* batches(metrics: Metric[], size = 3): AsyncGenerator<Metric[]> {
  for (let i = 0; i < metrics.length; i += size) yield metrics.slice(i, i + size);
}

function record(n: number, experimentId: string, overrides: Partial<RunRecord['info']> = {}, deletedTime: number | null = null): RunRecord {
  return {
    info: {
      runId: runId(n),
      runName: `run-${n}`,
      experimentId,
      userId: 'importer',
      status: 'FINISHED',
      startTime: T + n,
      endTime: T + n + 10,
      artifactUri: `s3://bucket/${experimentId}/${runId(n)}/artifacts`,
      lifecycleStage: 'active',
      ...overrides,
    },
    deletedTime,
    params: [{ key: 'alpha', value: String(n) }],
    tags: [{ key: 'mlflow.runName', value: `run-${n}` }, { key: 'origin', value: 'mlflow' }],
    datasetInputs: [{ tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'd', digest: 'x1', sourceType: 'local', source: '{}' } }],
  };
}

const sortByKey = <T extends { key: string }>(items: readonly T[]) => [...items].sort((a, b) => (a.key < b.key ? -1 : 1));

/**
 * The restore and purge paths (`TrackingRestore`, `RegistryRestore`) every backend offers for
 * `orrery import` and `orrery gc`: records keep their ids and times, a second restore is a no-op,
 * purges remove everything, and core's garbage-collection rules work on top.
 */
export function runRestoreConformance(options: RestoreConformanceOptions): void {
  describe(`restore and purge conformance: ${options.name}`, () => {
    const opened: OpenedRestoreStores[] = [];
    afterEach(async () => {
      for (const o of opened.splice(0)) {
        await o.tracking.close();
        await o.registry.close();
        await o.cleanup?.();
      }
    });
    const open = async () => {
      const o = await options.open();
      opened.push(o);
      const restore = trackingRestoreOf(o.tracking);
      const registryRestore = registryRestoreOf(o.registry);
      if (!restore || !registryRestore) throw new Error(`${options.name}: the stores offer no restore path`);
      return { ...o, restore, registryRestore };
    };

    it('restores experiments and runs with their ids, times, stages, params, tags, inputs and whole histories, once', async () => {
      const { tracking, restore } = await open();
      const experiment = { experimentId: '12', name: 'imported', artifactLocation: 's3://bucket/12', lifecycleStage: 'deleted' as const, creationTime: T, lastUpdateTime: T + 5, tags: [{ key: 'team', value: 'a' }] };
      expect(await restore.restoreExperiment(experiment)).toBe('created');
      expect(await restore.restoreExperiment(experiment)).toBe('exists');
      expect(await tracking.getExperiment('12')).toEqual(experiment);
      await expect(restore.restoreExperiment({ ...experiment, name: 'other' })).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
      expect(Number(await tracking.createExperiment({ name: 'made-after' }))).toBeGreaterThan(12);

      const history: Metric[] = [0, 1, 2, 3, 4, 5, 6].map((step) => ({ key: 'loss', value: step === 3 ? Number.NaN : 10 - step, timestamp: T + 100 + step, step }));
      const run = record(1, '12', { lifecycleStage: 'deleted' }, T + 50);
      expect(await restore.restoreRun(run, batches(history))).toBe('created');
      const got = await tracking.getRun(run.info.runId);
      expect(got.info).toEqual(run.info);
      expect(sortByKey(got.data.params)).toEqual(run.params);
      expect(sortByKey(got.data.tags)).toEqual(sortByKey(run.tags));
      expect(got.data.metrics).toEqual([history[6]]);
      expect(got.inputs.datasetInputs).toEqual(run.datasetInputs);
      const read: Metric[] = [];
      for await (const batch of readWholeMetricHistory(tracking, run.info.runId, 'loss')) read.push(...batch);
      expect(read).toEqual(history);

      let readAgain = false;
      const untouched = (async function* () {
        readAgain = true;
        yield history;
      })();
      expect(await restore.restoreRun(run, untouched)).toBe('exists');
      expect(readAgain).toBe(false);
      await expect(restore.restoreRun(record(2, '999'), batches([]))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });

      // An import interrupted in the middle of a history leaves no run, and the next one writes it whole.
      const interrupted = record(4, '12');
      const failing = (async function* () {
        yield history.slice(0, 2);
        throw new Error('connection lost');
      })();
      await expect(restore.restoreRun(interrupted, failing)).rejects.toThrow('connection lost');
      await expect(tracking.getRun(interrupted.info.runId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      expect(await restore.restoreRun(interrupted, batches(history))).toBe('created');
      const again: Metric[] = [];
      for await (const batch of readWholeMetricHistory(tracking, interrupted.info.runId, 'loss')) again.push(...batch);
      expect(again).toEqual(history);
    });

    it('purges runs and experiments whole, and core plans garbage collection by its rules', async () => {
      const { tracking, restore } = await open();
      const id = await tracking.createExperiment({ name: 'gc' });
      const keep = await tracking.createRun({ experimentId: id });
      const old = await tracking.createRun({ experimentId: id });
      await tracking.logBatch(old.info.runId, { metrics: [{ key: 'm', value: 1, timestamp: T, step: 0 }], params: [{ key: 'p', value: '1' }], tags: [] });
      await tracking.deleteRun(old.info.runId);
      const deleted = await restore.listDeletedRuns();
      expect(deleted.map((r) => r.runId)).toEqual([old.info.runId]);
      expect(deleted[0]!.deletedTime).toBeGreaterThan(T);

      await expect(planGarbageCollection(tracking, restore, { runIds: [keep.info.runId] })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      expect((await planGarbageCollection(tracking, restore, { olderThanMs: 3_600_000 })).runs).toEqual([]);
      await expect(planGarbageCollection(tracking, restore, { runIds: [old.info.runId], olderThanMs: 3_600_000 })).rejects.toThrow(/not older than/);
      const plan = await planGarbageCollection(tracking, restore, {});
      expect(plan.runs.map((r) => r.runId)).toEqual([old.info.runId]);

      await restore.purgeRun(old.info.runId);
      await expect(tracking.getRun(old.info.runId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      expect((await tracking.searchRuns({ experimentIds: [id], runViewType: 'ALL' })).items.map((r) => r.info.runId)).toEqual([keep.info.runId]);
      expect(await restore.listDeletedRuns()).toEqual([]);
      // A purged id can be restored afresh: nothing of the old run is left behind.
      expect(await restore.restoreRun(record(3, id, { runId: old.info.runId }), batches([]))).toBe('created');
      expect((await tracking.getRun(old.info.runId)).data.metrics).toEqual([]);

      await tracking.deleteExperiment(id);
      const experimentPlan = await planGarbageCollection(tracking, restore, { experimentIds: [id] });
      expect(experimentPlan.experiments.map((e) => e.experimentId)).toEqual([id]);
      await expect(planGarbageCollection(tracking, restore, { experimentIds: ['0'] })).rejects.toThrow(/not in the deleted lifecycle stage/);
      await restore.purgeExperiment(id);
      await expect(tracking.getExperiment(id)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      await expect(tracking.getRun(keep.info.runId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      // The name is free again (an id may be reused, as MLflow's SQLite schema does).
      expect((await tracking.getExperiment(await tracking.createExperiment({ name: 'gc' }))).lifecycleStage).toBe('active');
    });

    it('restores a registered model with its versions, stages, tags and aliases, keeping version numbers', async () => {
      const { registry, registryRestore } = await open();
      const model = {
        name: 'restored',
        creationTimestamp: T,
        lastUpdatedTimestamp: T + 9,
        description: 'from mlflow',
        tags: [{ key: 'k', value: 'v' }],
        versions: [
          { version: 1, creationTimestamp: T + 1, lastUpdatedTimestamp: T + 2, currentStage: 'Production' as const, source: 's3://m/1', storageLocation: 's3://m/1', status: 'READY' as const, tags: [{ key: 't', value: '1' }], runId: runId(1) },
          { version: 4, creationTimestamp: T + 3, lastUpdatedTimestamp: T + 4, currentStage: 'None' as const, source: 'models:/restored/1', storageLocation: 's3://m/1', status: 'READY' as const, tags: [] },
        ],
        aliases: [{ alias: 'champion', version: 4 }],
        lastVersion: 5,
      };
      expect(await registryRestore.restoreRegisteredModel(model)).toBe('created');
      expect(await registryRestore.restoreRegisteredModel(model)).toBe('exists');
      const got = await registry.getRegisteredModel('restored');
      expect({ c: got.creationTimestamp, u: got.lastUpdatedTimestamp, d: got.description, tags: got.tags, aliases: got.aliases }).toEqual({
        c: T, u: T + 9, d: 'from mlflow', tags: model.tags, aliases: [{ alias: 'champion', version: '4' }],
      });
      const v1 = await registry.getModelVersion('restored', '1');
      expect({ stage: v1.currentStage, tags: v1.tags, runId: v1.runId, created: v1.creationTimestamp }).toEqual({ stage: 'Production', tags: [{ key: 't', value: '1' }], runId: runId(1), created: T + 1 });
      expect((await registry.getModelVersionByAlias('restored', 'champion')).version).toBe('4');
      expect(await registry.getModelVersionDownloadUri('restored', '4')).toBe('s3://m/1');
      const next = await registry.createModelVersion({ name: 'restored', source: 's3://m/6' });
      expect(next.version).toBe('6');
    });
  });
}
