import { describe, expect, it } from 'vitest';
import type { TrackingStore, ViewType } from '@orrery/core';
import {
  BASE_TIME,
  createExperiment,
  expectOrreryError,
  freshStorePerTest,
  metricMap,
  paramMap,
  tagMap,
  userTags,
  type TrackingStoreConformanceOptions,
} from './harness.js';

/** A run id no store generates (32 hex digits, so it passes any shape check). */
export const UNKNOWN_RUN_ID = 'f'.repeat(32);

async function runIdsIn(store: TrackingStore, experimentId: string, runViewType?: ViewType): Promise<string[]> {
  const page = await store.searchRuns({ experimentIds: [experimentId], ...(runViewType ? { runViewType } : {}) });
  return page.items.map((r) => r.info.runId).sort();
}

/** Run lifecycle: creation, update, delete/restore, and what deleting an experiment does. Fresh store per test. */
export function runConformance(options: TrackingStoreConformanceOptions): void {
  describe('runs', () => {
    const h = freshStorePerTest(options);

    it('creates a RUNNING run with id, times, user, name tag and artifact URI', async () => {
      const experimentId = await createExperiment(h.store);
      const experiment = await h.store.getExperiment(experimentId);
      const run = await h.store.createRun({
        experimentId,
        userId: 'ana',
        startTime: BASE_TIME,
        runName: 'first-run',
        tags: [{ key: 'purpose', value: 'conformance' }],
      });
      expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
      expect(run.info).toMatchObject({
        runName: 'first-run',
        experimentId,
        userId: 'ana',
        status: 'RUNNING',
        startTime: BASE_TIME,
        endTime: null,
        lifecycleStage: 'active',
        artifactUri: `${experiment.artifactLocation}/${run.info.runId}/artifacts`,
      });
      expect(tagMap(run).get('mlflow.runName')).toBe('first-run');
      expect(tagMap(run).get('purpose')).toBe('conformance');
      expect(run.data.metrics).toEqual([]);
      expect(run.data.params).toEqual([]);
      expect(run.inputs.datasetInputs).toEqual([]);
      const fetched = await h.store.getRun(run.info.runId);
      expect(fetched.info).toEqual(run.info);
      expect(tagMap(fetched)).toEqual(tagMap(run));
    });

    it('defaults the start time to now and names the run from the mlflow.runName tag or generates a name', async () => {
      const experimentId = await createExperiment(h.store);
      const before = Date.now();
      const fromTag = await h.store.createRun({ experimentId, tags: [{ key: 'mlflow.runName', value: 'tag-name' }] });
      const after = Date.now();
      expect(fromTag.info.startTime).toBeGreaterThanOrEqual(before);
      expect(fromTag.info.startTime).toBeLessThanOrEqual(after);
      expect(fromTag.info.runName).toBe('tag-name');
      const generated = await h.store.createRun({ experimentId });
      expect(generated.info.runName.length).toBeGreaterThan(0);
      expect(tagMap(generated).get('mlflow.runName')).toBe(generated.info.runName);
      expect(generated.info.runId).not.toBe(fromTag.info.runId);
    });

    it('puts runs of the Default experiment under <root>/0', async () => {
      const run = await h.store.createRun({ experimentId: '0', startTime: BASE_TIME });
      expect(run.info.experimentId).toBe('0');
      expect(run.info.artifactUri).toBe(`${h.defaultArtifactRoot}/0/${run.info.runId}/artifacts`);
    });

    it('refuses runs in unknown or deleted experiments and with bad tags, creating nothing', async () => {
      await expectOrreryError(h.store.createRun({ experimentId: '987654321' }), 'RESOURCE_DOES_NOT_EXIST');
      const experimentId = await createExperiment(h.store);
      for (const tag of [
        { key: 'bad!key', value: 'v' },
        { key: 'k', value: 'v'.repeat(8001) },
      ]) {
        await expectOrreryError(h.store.createRun({ experimentId, tags: [tag] }), 'INVALID_PARAMETER_VALUE');
      }
      expect(await runIdsIn(h.store, experimentId, 'ALL')).toEqual([]);
      await h.store.deleteExperiment(experimentId);
      await expectOrreryError(h.store.createRun({ experimentId }), 'INVALID_PARAMETER_VALUE');
      expect(await runIdsIn(h.store, experimentId, 'ALL')).toEqual([]);
    });

    it('throws RESOURCE_DOES_NOT_EXIST for unknown run ids', async () => {
      await expectOrreryError(h.store.getRun(UNKNOWN_RUN_ID), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.updateRun(UNKNOWN_RUN_ID, { status: 'FINISHED' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.deleteRun(UNKNOWN_RUN_ID), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.restoreRun(UNKNOWN_RUN_ID), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('updates status, end time and name, keeping the mlflow.runName tag in step', async () => {
      const experimentId = await createExperiment(h.store);
      const run = await h.store.createRun({ experimentId, startTime: BASE_TIME, runName: 'before' });
      const runId = run.info.runId;
      const info = await h.store.updateRun(runId, { status: 'FINISHED', endTime: BASE_TIME + 5000 });
      expect(info).toMatchObject({ runId, status: 'FINISHED', endTime: BASE_TIME + 5000, runName: 'before' });
      expect((await h.store.getRun(runId)).info).toEqual(info);
      const renamed = await h.store.updateRun(runId, { runName: 'after' });
      expect(renamed).toMatchObject({ runName: 'after', status: 'FINISHED', endTime: BASE_TIME + 5000 });
      const fetched = await h.store.getRun(runId);
      expect(fetched.info.runName).toBe('after');
      expect(tagMap(fetched).get('mlflow.runName')).toBe('after');
      for (const status of ['SCHEDULED', 'FAILED', 'KILLED', 'RUNNING'] as const) {
        expect((await h.store.updateRun(runId, { status })).status).toBe(status);
      }
    });

    it('renames the run when the mlflow.runName tag is set, alone or in a batch', async () => {
      const experimentId = await createExperiment(h.store);
      const run = await h.store.createRun({ experimentId, runName: 'one' });
      await h.store.setTag(run.info.runId, { key: 'mlflow.runName', value: 'two' });
      expect((await h.store.getRun(run.info.runId)).info.runName).toBe('two');
      await h.store.logBatch(run.info.runId, { tags: [{ key: 'mlflow.runName', value: 'three' }] });
      const fetched = await h.store.getRun(run.info.runId);
      expect(fetched.info.runName).toBe('three');
      expect(tagMap(fetched).get('mlflow.runName')).toBe('three');
    });

    it('rejects an invalid status with INVALID_PARAMETER_VALUE and keeps the old one', async () => {
      const experimentId = await createExperiment(h.store);
      const run = await h.store.createRun({ experimentId });
      await expectOrreryError(
        h.store.updateRun(run.info.runId, { status: 'DONE' as never, endTime: BASE_TIME }),
        'INVALID_PARAMETER_VALUE',
      );
      const info = (await h.store.getRun(run.info.runId)).info;
      expect(info.status).toBe('RUNNING');
      expect(info.endTime).toBeNull();
    });

    it('deletes and restores runs; searchRuns respects the run view type', async () => {
      const experimentId = await createExperiment(h.store);
      const kept = await h.store.createRun({ experimentId, startTime: BASE_TIME });
      const gone = await h.store.createRun({ experimentId, startTime: BASE_TIME + 1 });
      await h.store.logParam(gone.info.runId, { key: 'p', value: 'v' });
      await h.store.deleteRun(gone.info.runId);
      const deleted = await h.store.getRun(gone.info.runId);
      expect(deleted.info.lifecycleStage).toBe('deleted');
      expect(paramMap(deleted).get('p')).toBe('v');
      expect(await runIdsIn(h.store, experimentId)).toEqual([kept.info.runId]);
      expect(await runIdsIn(h.store, experimentId, 'ACTIVE_ONLY')).toEqual([kept.info.runId]);
      expect(await runIdsIn(h.store, experimentId, 'DELETED_ONLY')).toEqual([gone.info.runId]);
      expect(await runIdsIn(h.store, experimentId, 'ALL')).toEqual([kept.info.runId, gone.info.runId].sort());
      await h.store.restoreRun(gone.info.runId);
      expect((await h.store.getRun(gone.info.runId)).info.lifecycleStage).toBe('active');
      expect(await runIdsIn(h.store, experimentId)).toEqual([kept.info.runId, gone.info.runId].sort());
      await expectOrreryError(h.store.searchRuns({ experimentIds: [experimentId], runViewType: 'SOME' as never }), 'INVALID_PARAMETER_VALUE');
    });

    it('refuses every write to a deleted run with INVALID_PARAMETER_VALUE (a 400, as MLflow) and writes nothing', async () => {
      const experimentId = await createExperiment(h.store);
      const run = await h.store.createRun({ experimentId, startTime: BASE_TIME, tags: [{ key: 'keep', value: 'me' }] });
      const runId = run.info.runId;
      await h.store.deleteRun(runId);
      const metric = { key: 'm', value: 1, timestamp: BASE_TIME, step: 0 };
      await expectOrreryError(h.store.logMetric(runId, metric), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.logParam(runId, { key: 'p', value: 'v' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setTag(runId, { key: 't', value: 'v' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.deleteTag(runId, 'keep'), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        h.store.logBatch(runId, { metrics: [metric], params: [{ key: 'p', value: 'v' }], tags: [{ key: 't', value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectOrreryError(h.store.logBatch(runId, { metrics: [metric, { ...metric, key: 'other', step: 1 }] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        h.store.logInputs(runId, [
          { tags: [], dataset: { name: 'd', digest: 'abc', sourceType: 'local', source: '{}' } },
        ]),
        'INVALID_PARAMETER_VALUE',
      );
      await expectOrreryError(h.store.updateRun(runId, { status: 'FINISHED' }), 'INVALID_PARAMETER_VALUE');
      const after = await h.store.getRun(runId);
      expect(metricMap(after).size).toBe(0);
      expect(paramMap(after).size).toBe(0);
      expect(userTags(after)).toEqual(new Map([['keep', 'me']]));
      expect(after.inputs.datasetInputs).toEqual([]);
      expect(after.info.status).toBe('RUNNING');
      expect((await h.store.getMetricHistory(runId, 'm')).items).toEqual([]);
    });

    it('hides the runs of a deleted experiment and restores only the runs deleted with it', async () => {
      const experimentId = await createExperiment(h.store);
      const earlier = await h.store.createRun({ experimentId, startTime: BASE_TIME });
      const live = await h.store.createRun({ experimentId, startTime: BASE_TIME + 1 });
      await h.store.deleteRun(earlier.info.runId);
      await h.store.deleteExperiment(experimentId);
      expect(await runIdsIn(h.store, experimentId)).toEqual([]);
      expect(await runIdsIn(h.store, experimentId, 'DELETED_ONLY')).toEqual(
        [earlier.info.runId, live.info.runId].sort(),
      );
      expect((await h.store.getRun(live.info.runId)).info.lifecycleStage).toBe('deleted');
      await expectOrreryError(
        h.store.logMetric(live.info.runId, { key: 'm', value: 1, timestamp: BASE_TIME, step: 0 }),
        'INVALID_PARAMETER_VALUE',
      );
      await h.store.restoreExperiment(experimentId);
      expect(await runIdsIn(h.store, experimentId)).toEqual([live.info.runId]);
      expect((await h.store.getRun(live.info.runId)).info.lifecycleStage).toBe('active');
      expect((await h.store.getRun(earlier.info.runId)).info.lifecycleStage).toBe('deleted');
    });

    it('searches only the experiments asked for, and several at once', async () => {
      const e1 = await createExperiment(h.store);
      const e2 = await createExperiment(h.store);
      const e3 = await createExperiment(h.store);
      const r1 = await h.store.createRun({ experimentId: e1, startTime: BASE_TIME });
      const r2 = await h.store.createRun({ experimentId: e2, startTime: BASE_TIME + 1 });
      await h.store.createRun({ experimentId: e3, startTime: BASE_TIME + 2 });
      const page = await h.store.searchRuns({ experimentIds: [e1, e2] });
      expect(page.items.map((r) => r.info.runId)).toEqual([r2.info.runId, r1.info.runId]);
    });
  });
}
