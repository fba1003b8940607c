/**
 * Finding 4 of issue #15: writes to a deleted run, and creating runs or tags in a deleted
 * experiment, answered 500 INVALID_STATE, which MLflow's clients retry. MLflow answers 400
 * INVALID_PARAMETER_VALUE; so must Orrery, on every backend, and nothing may be written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { callJson, securityServers, SECURITY_BACKENDS, type SecurityServer } from './security-servers.js';

const servers = securityServers();
const API = '/api/2.0/mlflow';

describe.each(SECURITY_BACKENDS)('writes to deleted runs and experiments on %s', (backend) => {
  let server: SecurityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers 400 INVALID_PARAMETER_VALUE to every write to a deleted run, and writes nothing', async () => {
    server = await servers.start(backend);
    const experiment = await callJson(server, `${API}/experiments/create`, { name: `deleted-run-${backend}` });
    const experimentId = experiment.body.experiment_id as string;
    const created = await callJson(server, `${API}/runs/create`, { experiment_id: experimentId, start_time: 1, tags: [{ key: 'keep', value: 'me' }] });
    const runId = (created.body.run as { info: { run_id: string } }).info.run_id;
    expect((await callJson(server, `${API}/runs/delete`, { run_id: runId })).status).toBe(200);

    const modelJson = JSON.stringify({ artifact_path: 'model', flavors: {}, run_id: runId, utc_time_created: '2024-01-01 00:00:00.000000' });
    const writes: Array<[string, Record<string, unknown>]> = [
      ['runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 1, step: 0 }],
      ['runs/log-parameter', { run_id: runId, key: 'p', value: 'v' }],
      ['runs/set-tag', { run_id: runId, key: 't', value: 'v' }],
      ['runs/delete-tag', { run_id: runId, key: 'keep' }],
      ['runs/update', { run_id: runId, status: 'FINISHED', end_time: 2 }],
      ['runs/log-batch', { run_id: runId, metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'p', value: 'v' }] }],
      ['runs/log-inputs', { run_id: runId, datasets: [{ dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' } }] }],
      ['runs/log-model', { run_id: runId, model_json: modelJson }],
    ];
    for (const [route, body] of writes) {
      const answer = await callJson(server, `${API}/${route}`, body);
      expect({ route, status: answer.status, code: answer.body.error_code }).toEqual({ route, status: 400, code: 'INVALID_PARAMETER_VALUE' });
      expect(answer.body.message).toContain(runId);
    }

    const after = await callJson(server, `${API}/runs/get?run_id=${runId}`, undefined, 'GET');
    const run = after.body.run as { info: { status: string }; data: { metrics?: unknown[]; params?: unknown[]; tags?: Array<{ key: string }> }; inputs: { dataset_inputs?: unknown[] } };
    expect(run.info.status).toBe('RUNNING');
    expect(run.data.metrics ?? []).toEqual([]);
    expect(run.data.params ?? []).toEqual([]);
    expect((run.data.tags ?? []).filter((t) => !t.key.startsWith('mlflow.')).map((t) => t.key)).toEqual(['keep']);
    expect(run.inputs.dataset_inputs ?? []).toEqual([]);
  });

  it('answers 400 INVALID_PARAMETER_VALUE to creating runs, tags or a new name in a deleted experiment', async () => {
    server = await servers.start(backend);
    const experiment = await callJson(server, `${API}/experiments/create`, { name: `deleted-experiment-${backend}` });
    const experimentId = experiment.body.experiment_id as string;
    expect((await callJson(server, `${API}/experiments/delete`, { experiment_id: experimentId })).status).toBe(200);

    const writes: Array<[string, Record<string, unknown>]> = [
      ['runs/create', { experiment_id: experimentId, start_time: 1 }],
      ['experiments/set-experiment-tag', { experiment_id: experimentId, key: 'k', value: 'v' }],
      ['experiments/update', { experiment_id: experimentId, new_name: `renamed-${backend}` }],
    ];
    for (const [route, body] of writes) {
      const answer = await callJson(server, `${API}/${route}`, body);
      expect({ route, status: answer.status, code: answer.body.error_code }).toEqual({ route, status: 400, code: 'INVALID_PARAMETER_VALUE' });
      expect(answer.body.message).toContain(experimentId);
    }
    const after = await callJson(server, `${API}/experiments/get?experiment_id=${experimentId}`, undefined, 'GET');
    expect((after.body.experiment as { name: string; tags?: unknown[] }).name).toBe(`deleted-experiment-${backend}`);
    expect((after.body.experiment as { tags?: unknown[] }).tags ?? []).toEqual([]);
    const runs = await callJson(server, `${API}/runs/search`, { experiment_ids: [experimentId], run_view_type: 'ALL' });
    expect(runs.body.runs ?? []).toEqual([]);
  });
});
