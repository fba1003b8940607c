import { describe, expect, it } from 'vitest';
import type { DatasetInput, LogBatchInput, Metric, Run, TrackingStore } from '@orrery/core';
import {
  BASE_TIME,
  collectPages,
  createExperiment,
  expectOrreryError,
  freshStorePerTest,
  metricMap,
  paramMap,
  tagMap,
  userTags,
  type TrackingStoreConformanceOptions,
} from './harness.js';

function metric(key: string, value: number, step = 0, timestamp = BASE_TIME): Metric {
  return { key, value, step, timestamp };
}

/** Everything observable about a run's logged data, for "nothing was written" checks. */
async function snapshot(store: TrackingStore, runId: string, metricKeys: string[]) {
  const run: Run = await store.getRun(runId);
  const histories: Record<string, Metric[]> = {};
  for (const key of metricKeys) histories[key] = (await store.getMetricHistory(runId, key)).items;
  return {
    metrics: [...metricMap(run)].sort(),
    params: [...paramMap(run)].sort(),
    tags: [...tagMap(run)].sort(),
    inputs: run.inputs.datasetInputs,
    histories,
  };
}

function dataset(name: string, digest: string, context?: string): DatasetInput {
  return {
    tags: context === undefined ? [] : [{ key: 'mlflow.data.context', value: context }],
    dataset: {
      name,
      digest,
      sourceType: 'local',
      source: JSON.stringify({ uri: `file:///data/${name}` }),
      schema: JSON.stringify({ mlflow_colspec: [{ type: 'double', name: 'x' }] }),
      profile: JSON.stringify({ num_rows: 10 }),
    },
  };
}

/** Params, tags, metrics (history, latest value, special values), batches, inputs and bad input. Fresh store per test. */
export function loggingConformance(options: TrackingStoreConformanceOptions): void {
  describe('logging', () => {
    const h = freshStorePerTest(options);

    async function newRun(): Promise<string> {
      const experimentId = await createExperiment(h.store);
      return (await h.store.createRun({ experimentId, startTime: BASE_TIME })).info.runId;
    }

    it('keeps params immutable: the same value again is fine, a different one is refused', async () => {
      const runId = await newRun();
      await h.store.logParam(runId, { key: 'lr', value: '0.01' });
      await h.store.logParam(runId, { key: 'lr', value: '0.01' });
      await expectOrreryError(h.store.logParam(runId, { key: 'lr', value: '0.02' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        h.store.logBatch(runId, { params: [{ key: 'lr', value: '0.03' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      await h.store.logBatch(runId, { params: [{ key: 'lr', value: '0.01' }] });
      expect([...paramMap(await h.store.getRun(runId))]).toEqual([['lr', '0.01']]);
    });

    it('stores params up to the length limit and an empty value', async () => {
      const runId = await newRun();
      const longest = 'p'.repeat(6000);
      await h.store.logParam(runId, { key: 'long', value: longest });
      await h.store.logParam(runId, { key: 'empty', value: '' });
      await h.store.logParam(runId, { key: 'unicode', value: 'naïve – 日本語 🚀' });
      const params = paramMap(await h.store.getRun(runId));
      expect(params.get('long')).toBe(longest);
      expect(params.get('empty')).toBe('');
      expect(params.get('unicode')).toBe('naïve – 日本語 🚀');
    });

    it('sets, overwrites and deletes tags', async () => {
      const runId = await newRun();
      await h.store.setTag(runId, { key: 'color', value: 'red' });
      await h.store.setTag(runId, { key: 'shape', value: 'round' });
      await h.store.setTag(runId, { key: 'color', value: 'blue' });
      expect(userTags(await h.store.getRun(runId))).toEqual(new Map([['color', 'blue'], ['shape', 'round']]));
      await h.store.deleteTag(runId, 'color');
      expect(userTags(await h.store.getRun(runId))).toEqual(new Map([['shape', 'round']]));
      await expectOrreryError(h.store.deleteTag(runId, 'color'), 'RESOURCE_DOES_NOT_EXIST');
      const longest = 't'.repeat(8000);
      await h.store.setTag(runId, { key: 'long', value: longest });
      expect(tagMap(await h.store.getRun(runId)).get('long')).toBe(longest);
    });

    it('returns metric history ordered by step, then timestamp, then value', async () => {
      const runId = await newRun();
      const logged = [
        metric('loss', 3, 2, BASE_TIME + 10),
        metric('loss', 1, 1, BASE_TIME + 20),
        metric('loss', 5, 1, BASE_TIME + 5),
        metric('loss', 0.5, 0, BASE_TIME + 30),
        metric('loss', 2, 1, BASE_TIME + 20),
        metric('other', 9, 0, BASE_TIME),
      ];
      for (const m of logged) await h.store.logMetric(runId, m);
      const history = await h.store.getMetricHistory(runId, 'loss');
      expect(history.items).toEqual([
        metric('loss', 0.5, 0, BASE_TIME + 30),
        metric('loss', 5, 1, BASE_TIME + 5),
        metric('loss', 1, 1, BASE_TIME + 20),
        metric('loss', 2, 1, BASE_TIME + 20),
        metric('loss', 3, 2, BASE_TIME + 10),
      ]);
      expect(history.nextPageToken || undefined).toBeUndefined();
      expect((await h.store.getMetricHistory(runId, 'never-logged')).items).toEqual([]);
      await expectOrreryError(h.store.getMetricHistory('f'.repeat(32), 'loss'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('pages through metric history without gaps or duplicates', async () => {
      const runId = await newRun();
      const all: Metric[] = [];
      for (let step = 0; step < 55; step += 1) all.push(metric('acc', step / 100, step, BASE_TIME + step));
      await h.store.logBatch(runId, { metrics: [...all].reverse() });
      const pages = await collectPages((pageToken) =>
        h.store.getMetricHistory(runId, 'acc', { maxResults: 10, ...(pageToken ? { pageToken } : {}) }),
      );
      expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 10, 5]);
      expect(pages.flat()).toEqual(all);
      for (const maxResults of [0, -1, 25001]) {
        await expectOrreryError(h.store.getMetricHistory(runId, 'acc', { maxResults }), 'INVALID_PARAMETER_VALUE');
      }
      await expectOrreryError(
        h.store.getMetricHistory(runId, 'acc', { pageToken: 'garbage' }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('reports as latest the value with the greatest step, then the greatest timestamp', async () => {
      const runId = await newRun();
      await h.store.logMetric(runId, metric('m', 1, 5, BASE_TIME + 100));
      await h.store.logMetric(runId, metric('m', 2, 3, BASE_TIME + 200));
      await h.store.logMetric(runId, metric('m', 3, 5, BASE_TIME + 50));
      let latest = (await h.store.getRun(runId)).data.metrics.find((m) => m.key === 'm');
      expect(latest).toEqual(metric('m', 1, 5, BASE_TIME + 100));
      await h.store.logMetric(runId, metric('m', 4, 5, BASE_TIME + 300));
      latest = (await h.store.getRun(runId)).data.metrics.find((m) => m.key === 'm');
      expect(latest).toEqual(metric('m', 4, 5, BASE_TIME + 300));
      await h.store.logMetric(runId, metric('m', -7, 6, BASE_TIME));
      latest = (await h.store.getRun(runId)).data.metrics.find((m) => m.key === 'm');
      expect(latest).toEqual(metric('m', -7, 6, BASE_TIME));
      expect((await h.store.getRun(runId)).data.metrics).toHaveLength(1);
    });

    it('round-trips NaN, ±Infinity and awkward doubles exactly', async () => {
      const runId = await newRun();
      const values = [NaN, Infinity, -Infinity, 0.1 + 0.2, 1e-300, -1.7976931348623157e308, 5e-324, -0];
      for (const [step, value] of values.entries()) await h.store.logMetric(runId, metric('special', value, step));
      await h.store.logBatch(runId, { metrics: [metric('batch_nan', NaN), metric('batch_inf', -Infinity)] });
      const history = (await h.store.getMetricHistory(runId, 'special')).items.map((m) => m.value);
      expect(history).toHaveLength(values.length);
      history.forEach((value, i) => expect(Object.is(value, values[i]) || (value === 0 && values[i] === 0)).toBe(true));
      const latest = metricMap(await h.store.getRun(runId));
      expect(latest.get('batch_nan')).toBeNaN();
      expect(latest.get('batch_inf')).toBe(-Infinity);
      await h.store.logMetric(runId, metric('nan_last', 1, 0));
      await h.store.logMetric(runId, metric('nan_last', NaN, 1));
      expect(metricMap(await h.store.getRun(runId)).get('nan_last')).toBeNaN();
      await h.store.logMetric(runId, metric('inf_last', Infinity, 3));
      expect(metricMap(await h.store.getRun(runId)).get('inf_last')).toBe(Infinity);
    });

    it('keeps large steps and timestamps', async () => {
      const runId = await newRun();
      const big = metric('big', 1, 2 ** 40, 4_102_444_800_000);
      await h.store.logMetric(runId, big);
      expect((await h.store.getMetricHistory(runId, 'big')).items).toEqual([big]);
    });

    it('logs a batch of metrics, params and tags', async () => {
      const runId = await newRun();
      await h.store.logBatch(runId, {
        metrics: [metric('a', 1, 0), metric('a', 2, 1), metric('b', 3)],
        params: [{ key: 'p1', value: 'x' }, { key: 'p2', value: 'y' }, { key: 'p1', value: 'x' }],
        tags: [{ key: 't1', value: 'u' }, { key: 't1', value: 'v' }],
      });
      const run = await h.store.getRun(runId);
      expect(metricMap(run)).toEqual(new Map([['a', 2], ['b', 3]]));
      expect(paramMap(run)).toEqual(new Map([['p1', 'x'], ['p2', 'y']]));
      expect(userTags(run).get('t1')).toBe('v');
      expect((await h.store.getMetricHistory(runId, 'a')).items).toHaveLength(2);
      await h.store.logBatch(runId, {});
    });

    it('accepts a batch at the limits (1000 metrics; 100 params and 100 tags)', async () => {
      const runId = await newRun();
      const metrics = Array.from({ length: 1000 }, (_, i) => metric('many', i, i));
      await h.store.logBatch(runId, { metrics });
      expect((await h.store.getMetricHistory(runId, 'many')).items).toHaveLength(1000);
      const params = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: `${i}` }));
      const tags = Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: `${i}` }));
      await h.store.logBatch(runId, { params, tags });
      const run = await h.store.getRun(runId);
      expect(paramMap(run).size).toBe(100);
      expect(userTags(run).size).toBe(100);
    });

    it('writes nothing at all when any item of a batch is invalid', async () => {
      const runId = await newRun();
      await h.store.logParam(runId, { key: 'fixed', value: 'one' });
      await h.store.setTag(runId, { key: 'existing', value: 'tag' });
      await h.store.logMetric(runId, metric('good', 1, 0));
      const keys = ['good', 'fresh', 'many'];
      const before = await snapshot(h.store, runId, keys);
      const good: Required<LogBatchInput> = {
        metrics: [metric('good', 2, 1), metric('fresh', 3)],
        params: [{ key: 'new_param', value: 'v' }],
        tags: [{ key: 'new_tag', value: 'v' }, { key: 'existing', value: 'changed' }],
      };
      const badBatches: Array<[string, LogBatchInput]> = [
        ['a metric with a bad key', { ...good, metrics: [...good.metrics, metric('bad!key', 1)] }],
        ['a metric key with ..', { ...good, metrics: [...good.metrics, metric('a/../b', 1)] }],
        ['a metric with a fractional step', { ...good, metrics: [...good.metrics, metric('fresh', 1, 1.5)] }],
        ['an over-long param value', { ...good, params: [...good.params, { key: 'long', value: 'x'.repeat(6001) }] }],
        ['an over-long tag value', { ...good, tags: [...good.tags, { key: 'long', value: 'x'.repeat(8001) }] }],
        ['an over-long param key', { ...good, params: [...good.params, { key: 'k'.repeat(251), value: 'v' }] }],
        ['a param conflicting with a logged one', { ...good, params: [...good.params, { key: 'fixed', value: 'two' }] }],
        [
          'a param repeated with two values',
          { ...good, params: [{ key: 'twice', value: 'a' }, { key: 'twice', value: 'b' }] },
        ],
        ['1001 metrics', { ...good, metrics: Array.from({ length: 1001 }, (_, i) => metric('many', i, i)) }],
        ['101 params', { ...good, params: Array.from({ length: 101 }, (_, i) => ({ key: `bp${i}`, value: 'v' })) }],
        ['101 tags', { ...good, tags: Array.from({ length: 101 }, (_, i) => ({ key: `bt${i}`, value: 'v' })) }],
      ];
      for (const [label, batch] of badBatches) {
        const error = await expectOrreryError(h.store.logBatch(runId, batch), 'INVALID_PARAMETER_VALUE').catch(
          (e: unknown) => {
            throw new Error(`batch with ${label}: ${String(e)}`);
          },
        );
        expect(error.code).toBe('INVALID_PARAMETER_VALUE');
        expect(await snapshot(h.store, runId, keys), `after the batch with ${label}`).toEqual(before);
      }
      expect(paramMap(await h.store.getRun(runId)).has('twice')).toBe(false);
    });

    it('records dataset inputs with their tags, once per dataset', async () => {
      const runId = await newRun();
      const train = dataset('mnist', 'abc123', 'training');
      const evalSet = dataset('mnist-test', 'def456', 'eval');
      await h.store.logInputs(runId, [train, evalSet]);
      await h.store.logInputs(runId, [train]);
      const inputs = (await h.store.getRun(runId)).inputs.datasetInputs;
      const byName = new Map(inputs.map((i) => [i.dataset.name, i]));
      expect(inputs).toHaveLength(2);
      expect(byName.get('mnist')?.dataset).toEqual(train.dataset);
      expect(byName.get('mnist')?.tags).toEqual([{ key: 'mlflow.data.context', value: 'training' }]);
      expect(byName.get('mnist-test')?.dataset).toEqual(evalSet.dataset);
      expect(byName.get('mnist-test')?.tags).toEqual([{ key: 'mlflow.data.context', value: 'eval' }]);
    });

    it('writes no dataset input when any of them is invalid', async () => {
      const runId = await newRun();
      const bad: DatasetInput[][] = [
        [dataset('ok', 'd1'), dataset('bad-digest', 'x'.repeat(37))],
        [dataset('ok', 'd1'), { tags: [], dataset: { ...dataset('no-digest', '').dataset } }],
        [dataset('ok', 'd1'), { tags: [{ key: 'k', value: 'v'.repeat(501) }], dataset: dataset('long-tag', 'd3').dataset }],
        [dataset('x'.repeat(501), 'd4')],
      ];
      for (const inputs of bad) {
        await expectOrreryError(h.store.logInputs(runId, inputs), 'INVALID_PARAMETER_VALUE');
        expect((await h.store.getRun(runId)).inputs.datasetInputs).toEqual([]);
      }
    });

    it('refuses bad keys and values with INVALID_PARAMETER_VALUE and writes nothing', async () => {
      const runId = await newRun();
      const badKeys = ['', 'k'.repeat(251), 'a!b', 'semi;colon', 'quote\'s', '..', '../up', 'a/../b', '/abs', 'a//b', 'x/./y'];
      for (const key of badKeys) {
        await expectOrreryError(h.store.logMetric(runId, metric(key, 1)), 'INVALID_PARAMETER_VALUE');
        await expectOrreryError(h.store.logParam(runId, { key, value: 'v' }), 'INVALID_PARAMETER_VALUE');
        await expectOrreryError(h.store.setTag(runId, { key, value: 'v' }), 'INVALID_PARAMETER_VALUE');
      }
      await expectOrreryError(h.store.logParam(runId, { key: 'p', value: 'x'.repeat(6001) }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setTag(runId, { key: 't', value: 'x'.repeat(8001) }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        h.store.logMetric(runId, { key: 'm', value: '1' as unknown as number, timestamp: BASE_TIME, step: 0 }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectOrreryError(h.store.logMetric(runId, metric('m', 1, 0, BASE_TIME + 0.5)), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.logMetric(runId, metric('m', 1, 0.5)), 'INVALID_PARAMETER_VALUE');
      const run = await h.store.getRun(runId);
      expect(metricMap(run).size).toBe(0);
      expect(paramMap(run).size).toBe(0);
      expect(userTags(run).size).toBe(0);
      expect((await h.store.getMetricHistory(runId, 'm')).items).toEqual([]);
    });

    it('refuses a NUL character in any name, value or filter with INVALID_PARAMETER_VALUE and writes nothing', async () => {
      // PostgreSQL cannot store NUL in text: every backend refuses it alike, naming the field.
      const NUL = '\u0000';
      const runId = await newRun();
      const experimentId = (await h.store.getRun(runId)).info.experimentId;
      const experimentsBefore = (await h.store.searchExperiments({ viewType: 'ALL' })).items.length;
      const refusals: Array<[string, () => Promise<unknown>]> = [
        ['experiment name', () => h.store.createExperiment({ name: `exp${NUL}` })],
        ['rename', () => h.store.renameExperiment(experimentId, `renamed${NUL}`)],
        ['experiment tag value', () => h.store.setExperimentTag(experimentId, { key: 'k', value: `v${NUL}` })],
        ['param value', () => h.store.logParam(runId, { key: 'p', value: `v${NUL}` })],
        ['tag value', () => h.store.setTag(runId, { key: 't', value: `v${NUL}` })],
        ['metric key', () => h.store.logMetric(runId, metric(`m${NUL}`, 1))],
        ['batch param value', () => h.store.logBatch(runId, { params: [{ key: 'p', value: `v${NUL}` }] })],
        ['run tag at creation', () => h.store.createRun({ experimentId, tags: [{ key: 't', value: `v${NUL}` }] })],
        ['dataset name', () => h.store.logInputs(runId, [dataset(`d${NUL}`, 'abc')])],
        ['runs filter', () => h.store.searchRuns({ experimentIds: [experimentId], filter: `params.p = 'v${NUL}'` })],
        ['experiments filter', () => h.store.searchExperiments({ filter: `name = 'e${NUL}'` })],
      ];
      for (const [label, call] of refusals) {
        const error = await expectOrreryError(call(), 'INVALID_PARAMETER_VALUE');
        expect(error.message, label).toMatch(/NUL/);
      }
      const run = await h.store.getRun(runId);
      expect(paramMap(run).size).toBe(0);
      expect(userTags(run).size).toBe(0);
      expect(metricMap(run).size).toBe(0);
      expect(run.inputs.datasetInputs).toEqual([]);
      expect((await h.store.getExperiment(experimentId)).tags).toEqual([]);
      expect((await h.store.searchExperiments({ viewType: 'ALL' })).items.length).toBe(experimentsBefore);
      expect((await h.store.searchRuns({ experimentIds: [experimentId], runViewType: 'ALL' })).items).toHaveLength(1);
    });

    it('accepts every allowed key character', async () => {
      const runId = await newRun();
      const key = 'Aa0_-. /x';
      await h.store.logMetric(runId, metric(key, 1));
      await h.store.logParam(runId, { key, value: 'v' });
      await h.store.setTag(runId, { key, value: 'v' });
      await h.store.logMetric(runId, metric('k'.repeat(250), 1));
      const run = await h.store.getRun(runId);
      expect(metricMap(run).get(key)).toBe(1);
      expect(metricMap(run).get('k'.repeat(250))).toBe(1);
      expect(paramMap(run).get(key)).toBe('v');
      expect(tagMap(run).get(key)).toBe('v');
    });

    it('throws RESOURCE_DOES_NOT_EXIST for writes to unknown runs', async () => {
      const unknown = 'f'.repeat(32);
      await expectOrreryError(h.store.logMetric(unknown, metric('m', 1)), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.logParam(unknown, { key: 'p', value: 'v' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.setTag(unknown, { key: 't', value: 'v' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.deleteTag(unknown, 't'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.logBatch(unknown, { metrics: [metric('m', 1)] }), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.logInputs(unknown, [dataset('d', 'x')]), 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
