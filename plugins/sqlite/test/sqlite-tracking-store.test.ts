import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '@orrery/core';
import { isOrreryError } from '@orrery/core';
import { sql, trustedSql } from '@orrery/sql';
import type { SqliteExecutor } from '@orrery/plugin-sqlite';
import { openFreshStore, tempDir, ARTIFACT_ROOT } from './store-helpers.js';

async function expectCode(action: Promise<unknown>, code: ErrorCode): Promise<Error> {
  let caught: unknown;
  try {
    await action;
  } catch (error) {
    caught = error;
  }
  expect(isOrreryError(caught), `expected OrreryError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
  return caught as Error;
}

async function countRows(store: object, table: 'metrics' | 'params' | 'tags' | 'latest_metrics', runId: string): Promise<number> {
  // The persistence port keeps its executor private; tests read the tables directly to prove nothing was written.
  const executor = (store as unknown as { persistence: { db: SqliteExecutor } }).persistence.db;
  const row = await executor.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM ${trustedSql(table)} WHERE run_uuid = ${runId}`);
  return row!.n;
}


describe('SqlTrackingStore on SQLite', () => {
  it('creates runs with 32-hex ids, artifact URIs under the experiment, and a generated name kept in the runName tag', async () => {
    const store = await openFreshStore(tempDir());
    const experimentId = await store.createExperiment({ name: 'exp' });
    expect(experimentId).toBe('1');
    const run = await store.createRun({ experimentId, startTime: 1000 });
    expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.artifactUri).toBe(`${ARTIFACT_ROOT}/1/${run.info.runId}/artifacts`);
    expect(run.info.runName).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: run.info.runName });
    expect(run.info.status).toBe('RUNNING');
    expect(run.info.endTime).toBeNull();

    await store.updateRun(run.info.runId, { runName: 'renamed', status: 'FINISHED', endTime: 2000 });
    let fetched = await store.getRun(run.info.runId);
    expect(fetched.info).toMatchObject({ runName: 'renamed', status: 'FINISHED', endTime: 2000 });
    expect(fetched.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'renamed' });

    await store.setTag(run.info.runId, { key: 'mlflow.runName', value: 'by-tag' });
    fetched = await store.getRun(run.info.runId);
    expect(fetched.info.runName).toBe('by-tag');
    await store.close();
  });

  it('takes the run name from the mlflow.runName tag and rejects a conflicting runName', async () => {
    const store = await openFreshStore(tempDir());
    const run = await store.createRun({ experimentId: '0', tags: [{ key: 'mlflow.runName', value: 'from-tag' }] });
    expect(run.info.runName).toBe('from-tag');
    await expectCode(
      store.createRun({ experimentId: '0', runName: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }),
      'INVALID_PARAMETER_VALUE',
    );
    await store.close();
  });

  it('round-trips NaN and ±Infinity exactly, in the run and in the history', async () => {
    const store = await openFreshStore(tempDir());
    const { info } = await store.createRun({ experimentId: '0' });
    await store.logMetric(info.runId, { key: 'nan', value: NaN, timestamp: 1, step: 0 });
    await store.logMetric(info.runId, { key: 'pos', value: Infinity, timestamp: 1, step: 0 });
    await store.logBatch(info.runId, { metrics: [{ key: 'neg', value: -Infinity, timestamp: 1, step: 0 }] });
    const run = await store.getRun(info.runId);
    const byKey = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
    expect(byKey.nan).toBeNaN();
    expect(byKey.pos).toBe(Infinity);
    expect(byKey.neg).toBe(-Infinity);
    expect((await store.getMetricHistory(info.runId, 'nan')).items[0]!.value).toBeNaN();
    expect((await store.getMetricHistory(info.runId, 'pos')).items[0]!.value).toBe(Infinity);
    expect((await store.getMetricHistory(info.runId, 'neg')).items[0]!.value).toBe(-Infinity);
    const exact = [1 / 3, 0.1, 5e-324, 1.7976931348623157e308, -(2 ** 53), 123456789.12345679, -2.5e-17];
    await store.logBatch(info.runId, { metrics: exact.map((value, i) => ({ key: `exact${i}`, value, timestamp: 1_795_000_000_000, step: 2 ** 40 })) });
    const reread = await store.getRun(info.runId);
    exact.forEach((value, i) => {
      expect(reread.data.metrics.find((m) => m.key === `exact${i}`)).toEqual({ key: `exact${i}`, value, timestamp: 1_795_000_000_000, step: 2 ** 40 });
    });
    const bulk = await store.getMetricHistoryBulkInterval({ runIds: [info.runId], metricKey: 'neg' });
    expect(bulk).toEqual([{ runId: info.runId, key: 'neg', value: -Infinity, timestamp: 1, step: 0 }]);
    await store.close();
  });

  it('keeps the latest metric as the greatest (step, timestamp, value)', async () => {
    const store = await openFreshStore(tempDir());
    const { info } = await store.createRun({ experimentId: '0' });
    await store.logBatch(info.runId, {
      metrics: [
        { key: 'm', value: 5, timestamp: 10, step: 2 },
        { key: 'm', value: 9, timestamp: 99, step: 1 },
        { key: 'm', value: 3, timestamp: 10, step: 2 },
      ],
    });
    await store.logMetric(info.runId, { key: 'm', value: 1, timestamp: 5, step: 2 });
    expect((await store.getRun(info.runId)).data.metrics).toEqual([{ key: 'm', value: 5, timestamp: 10, step: 2 }]);
    await store.logMetric(info.runId, { key: 'm', value: 0, timestamp: 1, step: 3 });
    expect((await store.getRun(info.runId)).data.metrics).toEqual([{ key: 'm', value: 0, timestamp: 1, step: 3 }]);
    expect((await store.getMetricHistory(info.runId, 'm')).items).toHaveLength(5);
    await store.close();
  });

  it('keeps params immutable: the same value is accepted, a different one is rejected naming key, old and new value', async () => {
    const store = await openFreshStore(tempDir());
    const { info } = await store.createRun({ experimentId: '0' });
    await store.logParam(info.runId, { key: 'lr', value: '0.1' });
    await store.logParam(info.runId, { key: 'lr', value: '0.1' });
    const error = await expectCode(store.logParam(info.runId, { key: 'lr', value: '0.2' }), 'INVALID_PARAMETER_VALUE');
    expect(error.message).toContain('lr');
    expect(error.message).toContain('0.1');
    expect(error.message).toContain('0.2');
    expect((await store.getRun(info.runId)).data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    await store.close();
  });

  it('writes a batch whole or not at all', async () => {
    const store = await openFreshStore(tempDir());
    const { info } = await store.createRun({ experimentId: '0' });
    await store.logParam(info.runId, { key: 'fixed', value: 'a' });
    const tagsBefore = await countRows(store, 'tags', info.runId);

    // A conflict with an existing param, found only inside the transaction.
    await expectCode(
      store.logBatch(info.runId, {
        metrics: Array.from({ length: 497 }, (_, i) => ({ key: `m${i % 7}`, value: i, timestamp: i, step: i })),
        params: [{ key: 'new', value: 'x' }, { key: 'fixed', value: 'b' }],
        tags: [{ key: 't', value: 'v' }],
      }),
      'INVALID_PARAMETER_VALUE',
    );
    // An invalid item, found by validation.
    await expectCode(
      store.logBatch(info.runId, {
        metrics: [{ key: 'ok', value: 1, timestamp: 1, step: 0 }, { key: '../bad', value: 1, timestamp: 1, step: 0 }],
      }),
      'INVALID_PARAMETER_VALUE',
    );
    expect(await countRows(store, 'metrics', info.runId)).toBe(0);
    expect(await countRows(store, 'latest_metrics', info.runId)).toBe(0);
    expect(await countRows(store, 'params', info.runId)).toBe(1);
    expect(await countRows(store, 'tags', info.runId)).toBe(tagsBefore);

    await store.logBatch(info.runId, {
      metrics: Array.from({ length: 997 }, (_, i) => ({ key: `m${i % 10}`, value: i, timestamp: i, step: i })),
      params: [{ key: 'fixed', value: 'a' }, { key: 'new', value: 'x' }],
      tags: [{ key: 't', value: 'v' }],
    });
    expect(await countRows(store, "metrics", info.runId)).toBe(997);
    const run = await store.getRun(info.runId);
    expect(run.data.metrics).toHaveLength(10);
    expect(run.data.metrics.find((m) => m.key === 'm6')).toEqual({ key: "m6", value: 996, timestamp: 996, step: 996 });
    expect(run.data.params).toHaveLength(2);
    await store.close();
  });

  it('deletes an experiment with its runs, and restores exactly the runs deleted with it', async () => {
    const store = await openFreshStore(tempDir());
    const experimentId = await store.createExperiment({ name: 'to-delete' });
    const kept = await store.createRun({ experimentId });
    const deletedBefore = await store.createRun({ experimentId });
    await store.deleteRun(deletedBefore.info.runId);
    await store.deleteExperiment(experimentId);
    expect((await store.getExperiment(experimentId)).lifecycleStage).toBe('deleted');
    expect((await store.getRun(kept.info.runId)).info.lifecycleStage).toBe('deleted');
    await expectCode(store.logMetric(kept.info.runId, { key: 'm', value: 1, timestamp: 1, step: 0 }), 'INVALID_PARAMETER_VALUE');
    await expectCode(store.createRun({ experimentId }), 'INVALID_PARAMETER_VALUE');
    await expectCode(store.setExperimentTag(experimentId, { key: 'k', value: 'v' }), 'INVALID_PARAMETER_VALUE');
    await expectCode(store.renameExperiment(experimentId, 'other'), 'INVALID_PARAMETER_VALUE');

    await store.restoreExperiment(experimentId);
    expect((await store.getRun(kept.info.runId)).info.lifecycleStage).toBe('active');
    expect((await store.getRun(deletedBefore.info.runId)).info.lifecycleStage).toBe('deleted');
    await expectCode(store.deleteExperiment('0'), 'INVALID_PARAMETER_VALUE');
    await store.close();
  });

  it('rejects writes to a deleted run with INVALID_PARAMETER_VALUE and unknown ids with RESOURCE_DOES_NOT_EXIST', async () => {
    const store = await openFreshStore(tempDir());
    const { info } = await store.createRun({ experimentId: '0' });
    await store.deleteRun(info.runId);
    await expectCode(store.logParam(info.runId, { key: 'p', value: '1' }), 'INVALID_PARAMETER_VALUE');
    await expectCode(store.logBatch(info.runId, { tags: [{ key: 't', value: 'v' }] }), 'INVALID_PARAMETER_VALUE');
    await expectCode(store.setTag(info.runId, { key: 't', value: 'v' }), 'INVALID_PARAMETER_VALUE');
    await expectCode(store.updateRun(info.runId, { status: 'FINISHED' }), 'INVALID_PARAMETER_VALUE');
    expect((await store.getRun(info.runId)).info.lifecycleStage).toBe('deleted');
    await store.restoreRun(info.runId);
    await store.setTag(info.runId, { key: 't', value: 'v' });
    await expectCode(store.getRun('0'.repeat(32)), 'RESOURCE_DOES_NOT_EXIST');
    await expectCode(store.getExperiment('123'), 'RESOURCE_DOES_NOT_EXIST');
    await expectCode(store.getExperiment('abc'), 'RESOURCE_DOES_NOT_EXIST');
    await expectCode(store.deleteTag(info.runId, 'absent'), 'RESOURCE_DOES_NOT_EXIST');
    await store.close();
  });

  it('enforces unique experiment names and keeps experiment tags', async () => {
    const store = await openFreshStore(tempDir());
    const id = await store.createExperiment({ name: 'a', tags: [{ key: 'team', value: 'x' }], artifactLocation: 's3://b/a' });
    await expectCode(store.createExperiment({ name: 'a' }), 'RESOURCE_ALREADY_EXISTS');
    await store.createExperiment({ name: 'b' });
    await expectCode(store.renameExperiment(id, 'b'), 'RESOURCE_ALREADY_EXISTS');
    await store.setExperimentTag(id, { key: 'team', value: 'y' });
    const experiment = await store.getExperimentByName('a');
    expect(experiment).toMatchObject({ experimentId: id, artifactLocation: 's3://b/a', tags: [{ key: 'team', value: 'y' }] });
    expect(await store.getExperimentByName('missing')).toBeNull();
    await store.deleteExperimentTag(id, 'team');
    await expectCode(store.deleteExperimentTag(id, 'team'), 'RESOURCE_DOES_NOT_EXIST');
    await store.close();
  });

  it('records dataset inputs once per (name, digest) and returns them with the run', async () => {
    const store = await openFreshStore(tempDir());
    const { info } = await store.createRun({ experimentId: '0' });
    const input = {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: { name: 'iris', digest: 'abc', sourceType: 'local', source: '{"uri":"/x"}', schema: '{}' },
    };
    await store.logInputs(info.runId, [input]);
    await store.logInputs(info.runId, [input]);
    const run = await store.getRun(info.runId);
    expect(run.inputs.datasetInputs).toEqual([input]);
    await store.close();
  });

  it('pages metric history by (step, timestamp, value) with no duplicates or gaps, identical observations included', async () => {
    const store = await openFreshStore(tempDir());
    const { info } = await store.createRun({ experimentId: '0' });
    const metrics = Array.from({ length: 95 }, (_, i) => ({ key: 'loss', value: i % 3, timestamp: 7, step: Math.floor(i / 10) }));
    await store.logBatch(info.runId, { metrics });
    const seen: number[][] = [];
    let token: string | undefined;
    do {
      const page = await store.getMetricHistory(info.runId, 'loss', { maxResults: 10, ...(token ? { pageToken: token } : {}) });
      seen.push(...page.items.map((m) => [m.step, m.timestamp, m.value]));
      token = page.nextPageToken;
    } while (token);
    const expected = metrics.map((m) => [m.step, m.timestamp, m.value]).sort((a, b) => a[0]! - b[0]! || a[2]! - b[2]!);
    expect(seen).toEqual(expected);
    await expectCode(store.getMetricHistory(info.runId, 'loss', { pageToken: 'garbage' }), 'INVALID_PARAMETER_VALUE');
    await store.close();
  });

  it('samples bulk history evenly in SQL, always including the first and last step', async () => {
    const store = await openFreshStore(tempDir());
    const a = await store.createRun({ experimentId: '0' });
    const b = await store.createRun({ experimentId: '0' });
    for (let start = 0; start < 1001; start += 1000) {
      const metrics = Array.from({ length: Math.min(1000, 1001 - start) }, (_, i) => ({ key: 'acc', value: start + i, timestamp: 1, step: start + i }));
      await store.logBatch(a.info.runId, { metrics });
    }
    await store.logBatch(b.info.runId, { metrics: [5, 6, 7].map((step) => ({ key: 'acc', value: step, timestamp: 1, step })) });
    const points = await store.getMetricHistoryBulkInterval({ runIds: [b.info.runId, a.info.runId], metricKey: 'acc', maxResults: 11 });
    const [first, second] = [a.info.runId, b.info.runId].sort();
    const steps = (runId: string) => points.filter((p) => p.runId === runId).map((p) => p.step);
    expect(points[0]!.runId).toBe(first);
    expect(points[points.length - 1]!.runId).toBe(second);
    expect(steps(a.info.runId)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(steps(b.info.runId)).toEqual([5, 6, 7]);
    const ranged = await store.getMetricHistoryBulkInterval({
      runIds: [a.info.runId], metricKey: 'acc', startStep: 10, endStep: 20, maxResults: 3,
    });
    expect(ranged.map((p) => p.step)).toEqual([10, 15, 20]);
    await expectCode(store.getMetricHistoryBulkInterval({ runIds: [], metricKey: 'acc' }), 'INVALID_PARAMETER_VALUE');
    await store.close();
  });
});
