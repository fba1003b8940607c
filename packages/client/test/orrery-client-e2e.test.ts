/** `OrreryClient` against the real SQLite store (through plugin discovery) in a temp directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metric } from '@orrery/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryClient } from '../src/index.js';

let tmp: string;
let client: OrreryClient;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'orrery-client-'));
  client = await OrreryClient.create({
    trackingUri: `sqlite:///${path.join(tmp, 'orrery.db')}`,
    defaultArtifactRoot: pathToFileURL(path.join(tmp, 'artifacts')).href,
  });
});

afterAll(async () => {
  await client.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('OrreryClient', () => {
  it('exposes the resolved tracking URI and the store', () => {
    expect(client.trackingUri).toBe(`sqlite:///${path.join(tmp, 'orrery.db')}`);
    expect(typeof client.store.createRun).toBe('function');
  });

  it('manages experiments: create, read, rename, tag, delete, restore, search', async () => {
    const id = await client.createExperiment('client-exp', { tags: { owner: 'ada' } });
    const byName = await client.getExperimentByName('client-exp');
    expect(byName?.experimentId).toBe(id);
    expect(await client.getExperimentByName('no-such-experiment')).toBeNull();
    await client.renameExperiment(id, 'client-exp-renamed');
    await client.setExperimentTag(id, 'phase', 'two');
    const experiment = await client.getExperiment(id);
    expect(experiment.name).toBe('client-exp-renamed');
    expect(experiment.artifactLocation).toBe(`${pathToFileURL(path.join(tmp, 'artifacts')).href}/${id}`);
    expect(Object.fromEntries(experiment.tags.map((t) => [t.key, t.value]))).toEqual({ owner: 'ada', phase: 'two' });

    await client.deleteExperiment(id);
    expect((await client.getExperiment(id)).lifecycleStage).toBe('deleted');
    const active = await client.searchExperiments({ filter: "name = 'client-exp-renamed'" });
    expect(active.items).toEqual([]);
    const deleted = await client.searchExperiments({ viewType: 'DELETED_ONLY' });
    expect(deleted.items.map((e) => e.experimentId)).toContain(id);
    await client.restoreExperiment(id);
    expect((await client.getExperiment(id)).lifecycleStage).toBe('active');
  });

  it('creates, updates, terminates, deletes and restores runs', async () => {
    const experimentId = await client.createExperiment('runs-exp');
    const run = await client.createRun(experimentId, {
      runName: 'r1',
      tags: [{ key: 'mlflow.user', value: 'grace' }],
      startTime: 1_700_000_000_000,
    });
    expect(run.info).toMatchObject({ runName: 'r1', userId: 'grace', status: 'RUNNING', startTime: 1_700_000_000_000 });
    expect(run.info.artifactUri).toMatch(new RegExp(`/${experimentId}/${run.info.runId}/artifacts$`));

    const renamed = await client.updateRun(run.info.runId, { runName: 'r1-renamed' });
    expect(renamed.runName).toBe('r1-renamed');
    const ended = await client.setTerminated(run.info.runId, 'KILLED', 1_700_000_000_500);
    expect(ended).toMatchObject({ status: 'KILLED', endTime: 1_700_000_000_500 });
    const finished = await client.setTerminated(run.info.runId);
    expect(finished.status).toBe('FINISHED');

    await client.deleteRun(run.info.runId);
    expect((await client.getRun(run.info.runId)).info.lifecycleStage).toBe('deleted');
    expect((await client.searchRuns({ experimentIds: [experimentId] })).items).toEqual([]);
    await client.restoreRun(run.info.runId);
    expect((await client.searchRuns({ experimentIds: [experimentId] })).items.map((r) => r.info.runId)).toEqual([
      run.info.runId,
    ]);
  });

  it('logs metrics, params, tags, batches and dataset inputs', async () => {
    const run = await client.createRun('0');
    const runId = run.info.runId;
    await client.logMetric(runId, 'acc', 0.5, { step: 1, timestamp: 1000 });
    await client.logMetric(runId, 'acc', 0.7);
    await client.logParam(runId, 'batch', 32);
    await client.setTag(runId, 'temp', 'x');
    await client.deleteTag(runId, 'temp');
    await client.logBatch(runId, {
      metrics: [{ key: 'loss', value: Number.NaN, timestamp: 5, step: 0 }],
      params: [{ key: 'opt', value: 'sgd' }],
      tags: [{ key: 'kept', value: 'y' }],
    });
    await client.logInputs(runId, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'mnist', digest: 'abc123', sourceType: 'local', source: '{"uri":"/data"}' },
      },
    ]);
    const stored = await client.getRun(runId);
    expect(Object.fromEntries(stored.data.params.map((p) => [p.key, p.value]))).toEqual({ batch: '32', opt: 'sgd' });
    const tags = Object.fromEntries(stored.data.tags.map((t) => [t.key, t.value]));
    expect(tags.kept).toBe('y');
    expect(tags.temp).toBeUndefined();
    expect(stored.data.metrics.find((m) => m.key === 'loss')?.value).toBeNaN();
    expect(stored.inputs.datasetInputs.map((d) => d.dataset.name)).toEqual(['mnist']);
    const history = await client.getMetricHistory(runId, 'acc');
    expect(history.map((m) => m.value)).toEqual([0.7, 0.5]);
    await expect(client.logParam(runId, 'batch', 64)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });

  it('follows every page of a long metric history', async () => {
    const run = await client.createRun('0');
    const total = 25_050;
    for (let start = 0; start < total; start += 1000) {
      const metrics: Metric[] = [];
      for (let step = start; step < Math.min(total, start + 1000); step += 1) {
        metrics.push({ key: 'long', value: step, timestamp: 1, step });
      }
      await client.logBatch(run.info.runId, { metrics });
    }
    const history = await client.getMetricHistory(run.info.runId, 'long');
    expect(history).toHaveLength(total);
    expect(history[total - 1]!.step).toBe(total - 1);
  });

  it('reports an unknown run as RESOURCE_DOES_NOT_EXIST', async () => {
    await expect(client.getRun('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('refuses an artifact file name that is absolute or has a backslash', async () => {
    const run = await client.createRun('0');
    await expect(client.logText(run.info.runId, 'x', '/etc/passwd')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
    await expect(client.logText(run.info.runId, 'x', 'dir/a\\b.txt')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
  });
});
