/**
 * The npm package `mlflow` (2.0.7, a third-party MLflow REST client for Node built on
 * isomorphic-unfetch / node-fetch 2) against a real `orrery server`, unchanged. Every call the
 * package makes that exists in MLflow 2.x is driven here and checked through the package's own
 * return values:
 *   Experiments: create, get, update, delete, restore;
 *   Runs: create, get, update, delete, restore, logMetric, logParameter, setTag, deleteTag,
 *         logBatch, search (filter, order_by, paging);
 *   Metrics: getHistory;  Artifacts: list.
 * Two calls of the package cannot work against any MLflow 2.x server and are checked to fail the way
 * they fail there (404): `Experiments.list` (`experiments/list` was removed in MLflow 2.0) and
 * `Experiments.setExperimentTag` (the package builds `/experimentsset-experiment-tag`, missing a `/`).
 * The package has no model-registry or artifact-upload calls; files are put through the proxy with
 * plain HTTP so that `Artifacts.list` has something to list.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as MLflowModule from 'mlflow';
import { startOrreryServer, type OrreryServerProcess } from './orrery-server-process.js';

// The package is CommonJS whose `module.exports` is the class itself, while its typings declare a
// default export; load it the way a CommonJS user does.
const require = createRequire(import.meta.url);
type MLflowConstructor = typeof MLflowModule.default.default;
const MLflow = require('mlflow') as MLflowConstructor;

let server: OrreryServerProcess;
let mlflow: InstanceType<MLflowConstructor>;

/** The package throws `Error("Error: {status, statusText, data}")` on any status but 200. */
async function failureOf(promise: Promise<unknown>): Promise<{ status: number; data: { error_code?: string; message?: string } | null }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as Error,
  );
  const json = error.message.replace(/^Error: /, '');
  return JSON.parse(json) as { status: number; data: { error_code?: string; message?: string } | null };
}

/**
 * Experiments.create. The package's typings make `artifact_location` required although MLflow does
 * not; an undefined field is dropped by JSON.stringify, so the request is `{"name": ...}`.
 */
async function createExperiment(name: string): Promise<string> {
  const { experiment_id } = await mlflow.Experiments.create({ name, artifact_location: undefined as unknown as string });
  return experiment_id;
}

/** The typings declare `files` as one FileInfo (and misspell `is_dir`); the wire has a list. */
interface ListedArtifacts {
  root_uri: string;
  files: { path: string; is_dir: boolean; file_size?: number }[];
}

beforeAll(async () => {
  // The package prints every POST body with console.log; keep the test output readable.
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  server = await startOrreryServer();
  mlflow = new MLflow({ endpoint: server.url });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.stop();
});

describe('npm mlflow 2.0.7 against orrery server', () => {
  it('manages experiments: create, get, update, delete, restore', async () => {
    const experiment_id = await createExperiment('npm-client experiment');
    expect(experiment_id).toMatch(/^\d+$/);

    const { experiment } = (await mlflow.Experiments.get({ experiment_id })) as {
      experiment: { experiment_id: string; name: string; artifact_location: string; lifecycle_stage: string; creation_time: number; last_update_time: number };
    };
    expect(experiment).toMatchObject({ experiment_id, name: 'npm-client experiment', lifecycle_stage: 'active' });
    expect(experiment.artifact_location).toBe(`mlflow-artifacts:/${experiment_id}`);
    expect(typeof experiment.creation_time).toBe('number');

    expect(await mlflow.Experiments.update({ experiment_id, new_name: 'npm-client renamed' })).toEqual({});
    expect(await mlflow.Experiments.delete({ experiment_id })).toEqual({});
    const deleted = (await mlflow.Experiments.get({ experiment_id })) as { experiment: { name: string; lifecycle_stage: string } };
    expect(deleted.experiment).toMatchObject({ name: 'npm-client renamed', lifecycle_stage: 'deleted' });
    expect(await mlflow.Experiments.restore({ experiment_id })).toEqual({});
    const restored = (await mlflow.Experiments.get({ experiment_id })) as { experiment: { lifecycle_stage: string } };
    expect(restored.experiment.lifecycle_stage).toBe('active');
  });

  it('reports a duplicate experiment name as MLflow does (400 RESOURCE_ALREADY_EXISTS)', async () => {
    await createExperiment('npm-client duplicate');
    const failure = await failureOf(createExperiment('npm-client duplicate'));
    expect(failure.status).toBe(400);
    expect(failure.data?.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('logs to a run and reads it back: create, logMetric, logParameter, setTag, deleteTag, logBatch, get', async () => {
    const experiment_id = await createExperiment('npm-client runs');
    const startTime = Date.now() - 5_000;
    const { run } = await mlflow.Runs.create({
      experiment_id,
      user_id: 'ada',
      start_time: startTime,
      tags: [{ key: 'team', value: 'vision' }],
    });
    const runId = run.info.run_id;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info).toMatchObject({ experiment_id, user_id: 'ada', status: 'RUNNING', start_time: startTime, lifecycle_stage: 'active' });
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${experiment_id}/${runId}/artifacts`);

    expect(await mlflow.Runs.logMetric({ run_id: runId, key: 'loss', value: 0.5, timestamp: startTime + 1, step: 1 })).toEqual({});
    expect(await mlflow.Runs.logMetric({ run_id: runId, key: 'loss', value: 0.25, timestamp: startTime + 2, step: 2 })).toEqual({});
    // `step` is optional in the package; the server defaults it to 0 as MLflow does.
    expect(await mlflow.Runs.logMetric({ run_id: runId, key: 'lr', value: 0.01, timestamp: startTime + 3 })).toEqual({});
    expect(await mlflow.Runs.logParameter({ run_id: runId, key: 'batch_size', value: '32' })).toEqual({});
    expect(await mlflow.Runs.setTag({ run_id: runId, key: 'stage', value: 'dev' })).toEqual({});
    expect(await mlflow.Runs.setTag({ run_id: runId, key: 'temporary', value: 'x' })).toEqual({});
    expect(await mlflow.Runs.deleteTag({ run_id: runId, key: 'temporary' })).toEqual({});
    expect(
      await mlflow.Runs.logBatch({
        run_id: runId,
        metrics: [
          { key: 'acc', value: 0.9, timestamp: startTime + 4, step: 3 },
          { key: 'acc', value: 0.95, timestamp: startTime + 5, step: 4 },
        ],
        params: [{ key: 'optimizer', value: 'adam' }],
        tags: [{ key: 'dataset', value: 'mnist' }],
      }),
    ).toEqual({});

    const { run: fetched } = await mlflow.Runs.get({ run_id: runId });
    expect(fetched.info.run_id).toBe(runId);
    const metrics = Object.fromEntries(fetched.data.metrics.map((m) => [m.key, m]));
    // Runs.get returns the latest value of each metric.
    expect(metrics.loss).toMatchObject({ value: 0.25, step: 2, timestamp: startTime + 2 });
    expect(metrics.lr).toMatchObject({ value: 0.01, step: 0 });
    expect(metrics.acc).toMatchObject({ value: 0.95, step: 4 });
    expect(Object.fromEntries(fetched.data.params.map((p) => [p.key, p.value]))).toEqual({ batch_size: '32', optimizer: 'adam' });
    const tags = Object.fromEntries(fetched.data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ team: 'vision', stage: 'dev', dataset: 'mnist' });
    expect(tags).not.toHaveProperty('temporary');
  });

  it('reads metric history through Metrics.getHistory', async () => {
    const experiment_id = await createExperiment('npm-client history');
    const { run } = await mlflow.Runs.create({ experiment_id, user_id: 'ada', start_time: Date.now() });
    const runId = run.info.run_id;
    const t0 = Date.now();
    for (let step = 0; step < 5; step += 1) {
      await mlflow.Runs.logMetric({ run_id: runId, key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step });
    }
    const { metrics } = (await mlflow.Metrics.getHistory({ run_id: runId, metric_key: 'loss' })) as {
      metrics: { key: string; value: number; timestamp: number; step: number }[];
    };
    expect(metrics.map((m) => [m.step, m.value, m.timestamp]).sort((a, b) => a[0]! - b[0]!)).toEqual([
      [0, 1, t0],
      [1, 0.5, t0 + 1],
      [2, 1 / 3, t0 + 2],
      [3, 0.25, t0 + 3],
      [4, 0.2, t0 + 4],
    ]);
    expect(metrics.every((m) => m.key === 'loss')).toBe(true);
  });

  it('searches runs with a filter, order_by and page tokens', async () => {
    const experiment_id = await createExperiment('npm-client search');
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const { run } = await mlflow.Runs.create({ experiment_id, user_id: 'ada', start_time: t0 + i });
      ids.push(run.info.run_id);
      await mlflow.Runs.logBatch({
        run_id: run.info.run_id,
        metrics: [{ key: 'score', value: i, timestamp: t0, step: 0 }],
        params: [{ key: 'parity', value: i % 2 === 0 ? 'even' : 'odd' }],
      });
    }
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await mlflow.Runs.search({
        experiment_ids: [experiment_id],
        filter: "metrics.score >= 2 and params.parity = 'even'",
        order_by: ['metrics.score DESC'],
        max_results: 1,
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      pages += 1;
      for (const run of page.runs ?? []) seen.push(run.info.run_id);
      pageToken = page.next_page_token || undefined;
    } while (pageToken !== undefined && pages < 10);
    // scores 6, 4, 2 (even and >= 2), best first
    expect(seen).toEqual([ids[6], ids[4], ids[2]]);
  });

  it('ends, deletes and restores runs: update, delete, restore, search by run_view_type', async () => {
    const experiment_id = await createExperiment('npm-client lifecycle');
    const { run } = await mlflow.Runs.create({ experiment_id, user_id: 'ada', start_time: Date.now() - 1000 });
    const runId = run.info.run_id;
    const endTime = Date.now();
    const { run_info } = await mlflow.Runs.update({ run_id: runId, status: 'FINISHED' as never, end_time: endTime });
    expect(run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: endTime });

    expect(await mlflow.Runs.delete({ run_id: runId })).toEqual({});
    const active = await mlflow.Runs.search({ experiment_ids: [experiment_id] });
    expect(active.runs ?? []).toEqual([]);
    const deleted = await mlflow.Runs.search({ experiment_ids: [experiment_id], run_view_type: 'DELETED_ONLY' as never });
    expect(deleted.runs.map((r) => [r.info.run_id, r.info.lifecycle_stage])).toEqual([[runId, 'deleted']]);

    expect(await mlflow.Runs.restore({ run_id: runId })).toEqual({});
    const { run: restored } = await mlflow.Runs.get({ run_id: runId });
    expect(restored.info.lifecycle_stage).toBe('active');
  });

  it('reports an unknown run as MLflow does (404 RESOURCE_DOES_NOT_EXIST)', async () => {
    const failure = await failureOf(mlflow.Runs.get({ run_id: 'f'.repeat(32) }));
    expect(failure.status).toBe(404);
    expect(failure.data?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('lists a run’s proxied artifacts through Artifacts.list', async () => {
    const experiment_id = await createExperiment('npm-client artifacts');
    const { run } = await mlflow.Runs.create({ experiment_id, user_id: 'ada', start_time: Date.now() });
    const runId = run.info.run_id;
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${experiment_id}/${runId}/artifacts`;
    for (const [file, body] of [
      ['summary.txt', 'hello'],
      ['plots/loss.csv', 'step,loss\n0,1\n'],
    ] as const) {
      const response = await fetch(`${base}/${file}`, { method: 'PUT', body, headers: { 'content-type': 'text/plain' } });
      expect(response.status).toBe(200);
    }

    // No path: the package drops undefined query parameters, so this lists the run's root.
    const top = (await mlflow.Artifacts.list({ run_id: runId, path: undefined as unknown as string })) as unknown as ListedArtifacts;
    expect(top.root_uri).toBe(run.info.artifact_uri);
    expect([...top.files].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'plots', is_dir: true },
      { path: 'summary.txt', is_dir: false, file_size: 5 },
    ]);
    const nested = (await mlflow.Artifacts.list({ run_id: runId, path: 'plots' })) as unknown as ListedArtifacts;
    expect(nested.files).toEqual([{ path: 'plots/loss.csv', is_dir: false, file_size: Buffer.byteLength('step,loss\n0,1\n') }]);
  });

  it('gets 404 for the calls MLflow 2.x does not serve (Experiments.list, the mis-routed setExperimentTag)', async () => {
    const list = await failureOf(mlflow.Experiments.list());
    expect(list.status).toBe(404);
    expect(list.data?.error_code).toBe('ENDPOINT_NOT_FOUND');
    const tag = await failureOf(mlflow.Experiments.setExperimentTag({ experiment_id: '0', key: 'k', value: 'v' }));
    expect(tag.status).toBe(404);
    expect(tag.data?.error_code).toBe('ENDPOINT_NOT_FOUND');
  });
});
