/* eslint-disable @typescript-eslint/no-explicit-any -- the tests walk response JSON freely in assertions */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestServer, type TestServer } from './server-fixture.js';

const API = '/api/2.0/mlflow';

describe('tracking routes: MLflow request and response shapes', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  async function createRun(experimentId = '0', extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const created = await postJson(server.app, `${API}/runs/create`, { experiment_id: experimentId, start_time: 1000, ...extra });
    expect(created.status).toBe(200);
    return created.body.run as Record<string, any>;
  }

  it('answers /health and /version', async () => {
    const health = await server.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.body).toBe('OK');
    const version = await server.app.inject({ method: 'GET', url: '/version' });
    expect(version.body).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('creates and reads experiments with snake_case fields, int64 as numbers, and no empty tags list', async () => {
    const created = await postJson(server.app, `${API}/experiments/create`, { name: 'exp-a' });
    expect(created).toEqual({ status: 200, body: { experiment_id: '1' } });
    const got = await getJson(server.app, `${API}/experiments/get?experiment_id=1`);
    expect(got.status).toBe(200);
    const experiment = got.body.experiment as Record<string, unknown>;
    expect(Object.keys(experiment).sort()).toEqual(
      ['artifact_location', 'creation_time', 'experiment_id', 'last_update_time', 'lifecycle_stage', 'name'].sort(),
    );
    expect(experiment).toMatchObject({ experiment_id: '1', name: 'exp-a', artifact_location: 'mlflow-artifacts:/1', lifecycle_stage: 'active' });
    expect(typeof experiment.creation_time).toBe('number');

    await postJson(server.app, `${API}/experiments/set-experiment-tag`, { experiment_id: '1', key: 'team', value: 'x' });
    const byName = await getJson(server.app, `${API}/experiments/get-by-name?experiment_name=exp-a`);
    expect((byName.body.experiment as Record<string, unknown>).tags).toEqual([{ key: 'team', value: 'x' }]);
    // The same route under the web UI's prefix.
    const ajax = await getJson(server.app, `/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name=exp-a`);
    expect(ajax.body).toEqual(byName.body);
  });

  it('searches experiments by GET (repeated order_by, view_type by name) and POST, paging with next_page_token', async () => {
    for (const name of ['b', 'c', 'd']) await postJson(server.app, `${API}/experiments/create`, { name });
    const first = await postJson(server.app, `${API}/experiments/search`, { max_results: 2, order_by: ['name ASC'] });
    expect((first.body.experiments as Array<{ name: string }>).map((e) => e.name)).toEqual(['Default', 'b']);
    expect(typeof first.body.next_page_token).toBe('string');
    const second = await postJson(server.app, `${API}/experiments/search`, {
      max_results: '2',
      order_by: ['name ASC'],
      page_token: first.body.next_page_token,
    });
    expect((second.body.experiments as Array<{ name: string }>).map((e) => e.name)).toEqual(['c', 'd']);
    expect(second.body.next_page_token).toBeUndefined();
    const viaGet = await getJson(server.app, `${API}/experiments/search?max_results=10&order_by=name%20DESC&order_by=experiment_id&view_type=ALL`);
    expect((viaGet.body.experiments as Array<{ name: string }>).map((e) => e.name)).toEqual(['d', 'c', 'b', 'Default']);
    await postJson(server.app, `${API}/experiments/delete`, { experiment_id: '1' });
    const deleted = await getJson(server.app, `${API}/experiments/search?view_type=2`);
    expect((deleted.body.experiments as Array<{ name: string }>).map((e) => e.name)).toEqual(['b']);
  });

  it('creates a run with MLflow RunInfo fields (run_uuid twin, no end_time while running) and empty data/inputs objects', async () => {
    const run = await createRun('0', { run_name: 'first', user_id: 'ana', tags: [{ key: 't', value: 'v' }] });
    expect(Object.keys(run)).toEqual(['info', 'data', 'inputs']);
    expect(run.inputs).toEqual({});
    expect(run.info).toMatchObject({
      run_uuid: run.info.run_id,
      experiment_id: '0',
      run_name: 'first',
      user_id: 'ana',
      status: 'RUNNING',
      start_time: 1000,
      artifact_uri: `mlflow-artifacts:/0/${run.info.run_id}/artifacts`,
      lifecycle_stage: 'active',
    });
    expect('end_time' in run.info).toBe(false);
    expect(run.data.tags).toContainEqual({ key: 't', value: 'v' });
    expect(run.data.metrics).toBeUndefined();

    const updated = await postJson(server.app, `${API}/runs/update`, { run_uuid: run.info.run_id, status: 'FINISHED', end_time: '2000' });
    expect(updated.status).toBe(200);
    expect((updated.body.run_info as Record<string, unknown>).status).toBe('FINISHED');
    expect((updated.body.run_info as Record<string, unknown>).end_time).toBe(2000);
    const byNumber = await postJson(server.app, `${API}/runs/update`, { run_id: run.info.run_id, status: 4 });
    expect((byNumber.body.run_info as Record<string, unknown>).status).toBe('FAILED');
  });

  it('logs metrics (NaN and ±Infinity as protobuf strings, int64 as strings), params and tags, and reads them back', async () => {
    const run = await createRun();
    const runId = run.info.run_id as string;
    const ok = (r: { status: number; body: unknown }) => expect(r).toEqual({ status: 200, body: {} });
    ok(await postJson(server.app, `${API}/runs/log-metric`, { run_id: runId, key: 'loss', value: 0.5, timestamp: 10, step: 0 }));
    ok(await postJson(server.app, `${API}/runs/log-metric`, { run_uuid: runId, key: 'loss', value: 'NaN', timestamp: '11', step: '1' }));
    ok(await postJson(server.app, `${API}/runs/log-metric`, { run_id: runId, key: 'inf', value: 'Infinity', timestamp: 12 }));
    ok(await postJson(server.app, `${API}/runs/log-metric`, { run_id: runId, key: 'ninf', value: '-Infinity', timestamp: 12 }));
    ok(await postJson(server.app, `${API}/runs/log-parameter`, { run_id: runId, key: 'lr', value: '0.1' }));
    ok(await postJson(server.app, `${API}/runs/set-tag`, { run_id: runId, key: 'note', value: 'hi' }));
    ok(await postJson(server.app, `${API}/runs/delete-tag`, { run_id: runId, key: 'note' }));

    const got = await getJson(server.app, `${API}/runs/get?run_id=${runId}`);
    const data = (got.body.run as Record<string, any>).data;
    expect(data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'loss', value: 'NaN', timestamp: 11, step: 1 },
        { key: 'inf', value: 'Infinity', timestamp: 12, step: 0 },
        { key: 'ninf', value: '-Infinity', timestamp: 12, step: 0 },
      ]),
    );
    expect(data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(data.tags.find((t: { key: string }) => t.key === 'note')).toBeUndefined();

    const history = await getJson(server.app, `${API}/metrics/get-history?run_id=${runId}&metric_key=loss`);
    expect(history.body).toEqual({
      metrics: [
        { key: 'loss', value: 0.5, timestamp: 10, step: 0 },
        { key: 'loss', value: 'NaN', timestamp: 11, step: 1 },
      ],
    });
    const paged = await getJson(server.app, `${API}/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=1`);
    expect(paged.body.metrics).toEqual([{ key: 'loss', value: 0.5, timestamp: 10, step: 0 }]);
    expect(typeof paged.body.next_page_token).toBe('string');
  });

  it('streams a history longer than one store page whole, in order, as one JSON body', async () => {
    const runId = (await createRun()).info.run_id as string;
    const total = 25_000 * 2 + 123;
    for (let start = 0; start < total; start += 1000) {
      const metrics = Array.from({ length: Math.min(1000, total - start) }, (_, i) => {
        const step = start + i;
        const value = step === 7 ? 'NaN' : step === 25_000 ? 'Infinity' : step / 3;
        return { key: 'long', value, timestamp: 1_000 + step, step };
      });
      expect((await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, metrics })).status).toBe(200);
    }
    const response = await server.app.inject({ method: 'GET', url: `${API}/metrics/get-history?run_id=${runId}&metric_key=long` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const body = JSON.parse(response.body) as { metrics: Array<{ key: string; value: number | string; timestamp: number; step: number }> };
    expect(Object.keys(body)).toEqual(['metrics']);
    expect(body.metrics).toHaveLength(total);
    body.metrics.forEach((m, step) => {
      const value = step === 7 ? 'NaN' : step === 25_000 ? 'Infinity' : step / 3;
      expect(m).toEqual({ key: 'long', value, timestamp: 1_000 + step, step });
    });
    // The streamed body is byte for byte what one serialized response would be.
    expect(response.body).toBe(JSON.stringify(body));
    // A missing run is still an MLflow error body, not a cut stream.
    const missing = await getJson(server.app, `${API}/metrics/get-history?run_id=${'f'.repeat(32)}&metric_key=long`);
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('logs a batch atomically and refuses a conflicting param for the whole batch', async () => {
    const runId = (await createRun()).info.run_id as string;
    const batch = await postJson(server.app, `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: Array.from({ length: 5 }, (_, i) => ({ key: 'm', value: i, timestamp: 100 + i, step: i })),
      params: [{ key: 'p', value: '1' }],
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(batch).toEqual({ status: 200, body: {} });
    const conflicting = await postJson(server.app, `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: [{ key: 'other', value: 1, timestamp: 1 }],
      params: [{ key: 'p', value: '2' }],
    });
    expect(conflicting.status).toBe(400);
    expect(conflicting.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const run = (await getJson(server.app, `${API}/runs/get?run_id=${runId}`)).body.run as Record<string, any>;
    expect(run.data.metrics.map((m: { key: string }) => m.key)).toEqual(['m']);
  });

  it('reads log-batch metrics the same whether they come as plain JSON or in the forms MLflow converts', async () => {
    const runId = (await createRun()).info.run_id as string;
    const metrics = [
      { key: 'm', value: 1.5, timestamp: 10, step: 1 },
      { key: 'm', value: '2.5', timestamp: '11', step: '2' },
      { key: 'm', value: 'NaN', timestamp: 12, step: 3 },
      { key: 'm', value: 'Infinity', timestamp: 13 },
      { key: 'm', value: 4, timestamp: 14, step: null },
      { key: 'm', value: -0.25, timestamp: 15, step: -7, extra: 'ignored' },
    ];
    expect(await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, metrics })).toEqual({ status: 200, body: {} });
    const history = (await getJson(server.app, `${API}/metrics/get-history?run_id=${runId}&metric_key=m`)).body.metrics as Record<string, unknown>[];
    const byTimestamp = Object.fromEntries(history.map((m) => [m.timestamp as number, [m.value, m.step]]));
    expect(byTimestamp).toEqual({ 10: [1.5, 1], 11: [2.5, 2], 12: ['NaN', 3], 13: ['Infinity', 0], 14: [4, 0], 15: [-0.25, -7] });
    for (const [bad, field] of [
      [{ key: '', value: 1, timestamp: 1 }, 'metrics[1].key'],
      [{ key: 'm', value: true, timestamp: 1 }, 'metrics[1].value'],
      [{ key: 'm', value: 1, timestamp: 1.5 }, 'metrics[1].timestamp'],
      [{ key: 'm', value: 1, timestamp: 1, step: 2 ** 53 }, 'metrics[1].step'],
      [{ key: 'm', value: 1 }, 'metrics[1].timestamp'],
    ] as const) {
      const refused = await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, metrics: [metrics[0], bad] });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain(`'${field}'`);
    }
    expect((await getJson(server.app, `${API}/metrics/get-history?run_id=${runId}&metric_key=m`)).body.metrics).toHaveLength(metrics.length);
  });

  it('records dataset inputs and logged models in the mlflow.log-model.history tag', async () => {
    const runId = (await createRun()).info.run_id as string;
    const inputs = await postJson(server.app, `${API}/runs/log-inputs`, {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'iris', digest: 'abc123', source_type: 'local', source: '{"uri": "/d"}', schema: '{}' },
        },
      ],
    });
    expect(inputs).toEqual({ status: 200, body: {} });
    const model = { artifact_path: 'model', flavors: { python_function: {} }, utc_time_created: '2024-01-01 00:00:00.000000', run_id: runId };
    for (let i = 0; i < 2; i += 1) {
      expect(await postJson(server.app, `${API}/runs/log-model`, { run_id: runId, model_json: JSON.stringify(model) })).toEqual({ status: 200, body: {} });
    }
    const run = (await getJson(server.app, `${API}/runs/get?run_id=${runId}`)).body.run as Record<string, any>;
    expect(run.inputs.dataset_inputs).toEqual([
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'iris', digest: 'abc123', source_type: 'local', source: '{"uri": "/d"}', schema: '{}' },
      },
    ]);
    const history = run.data.tags.find((t: { key: string }) => t.key === 'mlflow.log-model.history');
    expect(JSON.parse(history.value)).toEqual([model, model]);

    const missing = await postJson(server.app, `${API}/runs/log-model`, { run_id: runId, model_json: '{"artifact_path": "m"}' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('flavors');
    const malformed = await postJson(server.app, `${API}/runs/log-model`, { run_id: runId, model_json: '{not json' });
    expect(malformed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('searches runs with filter, order_by and paging; deleted runs only with run_view_type', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const runId = (await createRun('0', { start_time: 1000 + i })).info.run_id as string;
      await postJson(server.app, `${API}/runs/log-metric`, { run_id: runId, key: 'acc', value: i / 10, timestamp: 1 });
      ids.push(runId);
    }
    const search = await postJson(server.app, `${API}/runs/search`, {
      experiment_ids: ['0'],
      filter: 'metrics.acc >= 0.1',
      order_by: ['metrics.acc DESC'],
      max_results: 1,
    });
    expect((search.body.runs as Array<Record<string, any>>).map((r) => r.info.run_id)).toEqual([ids[2]]);
    const next = await postJson(server.app, `${API}/runs/search`, {
      experiment_ids: [0],
      filter: 'metrics.acc >= 0.1',
      order_by: ['metrics.acc DESC'],
      max_results: 1,
      page_token: search.body.next_page_token,
    });
    expect((next.body.runs as Array<Record<string, any>>).map((r) => r.info.run_id)).toEqual([ids[1]]);

    await postJson(server.app, `${API}/runs/delete`, { run_id: ids[0] });
    const active = await postJson(server.app, `${API}/runs/search`, { experiment_ids: ['0'] });
    expect((active.body.runs as unknown[]).length).toBe(2);
    const deleted = await postJson(server.app, `${API}/runs/search`, { experiment_ids: ['0'], run_view_type: 'DELETED_ONLY' });
    expect((deleted.body.runs as Array<Record<string, any>>).map((r) => r.info.run_id)).toEqual([ids[0]]);
    await postJson(server.app, `${API}/runs/restore`, { run_id: ids[0] });
    const empty = await postJson(server.app, `${API}/runs/search`, { experiment_ids: ['0'], filter: "params.none = 'x'" });
    expect(empty.body).toEqual({});
  });

  it('serves sampled history across runs (repeated run_ids) and the web UI bulk history', async () => {
    const a = (await createRun()).info.run_id as string;
    const b = (await createRun()).info.run_id as string;
    for (const runId of [a, b]) {
      await postJson(server.app, `${API}/runs/log-batch`, {
        run_id: runId,
        metrics: Array.from({ length: 10 }, (_, step) => ({ key: 'loss', value: step, timestamp: 1000 + step, step })),
      });
    }
    const interval = await getJson(server.app, `${API}/metrics/get-history-bulk-interval?run_ids=${a}&run_ids=${b}&metric_key=loss&max_results=3`);
    expect(interval.status).toBe(200);
    const metrics = interval.body.metrics as Array<Record<string, unknown>>;
    expect(new Set(metrics.map((m) => m.run_id))).toEqual(new Set([a, b]));
    for (const metric of metrics) expect(Object.keys(metric).sort()).toEqual(['key', 'run_id', 'step', 'timestamp', 'value']);
    expect(metrics.filter((m) => m.run_id === a).map((m) => m.step)).toContain(9);

    const bulk = await getJson(server.app, `/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=${a}&run_id=${b}&metric_key=loss&max_results=15`);
    expect((bulk.body.metrics as unknown[]).length).toBe(15);
  });

  it('lists a proxied run\'s artifacts relative to the run root', async () => {
    const run = await createRun();
    const runId = run.info.run_id as string;
    const put = await server.app.inject({
      method: 'PUT',
      url: `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/MLmodel`,
      payload: 'flavors: {}\n',
    });
    expect(put.statusCode).toBe(200);
    const root = await getJson(server.app, `${API}/artifacts/list?run_id=${runId}`);
    expect(root.body).toEqual({ root_uri: run.info.artifact_uri, files: [{ path: 'model', is_dir: true }] });
    const inner = await getJson(server.app, `${API}/artifacts/list?run_id=${runId}&path=model`);
    expect(inner.body).toEqual({ root_uri: run.info.artifact_uri, files: [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }] });
    const traversal = await getJson(server.app, `${API}/artifacts/list?run_id=${runId}&path=../../x`);
    expect(traversal.status).toBe(400);
  });

  it('renames, deletes and restores experiments; deletes experiment tags', async () => {
    const id = (await postJson(server.app, `${API}/experiments/create`, { name: 'old', tags: [{ key: 'a', value: '1' }] })).body.experiment_id;
    expect((await postJson(server.app, `${API}/experiments/update`, { experiment_id: id, new_name: 'new' })).status).toBe(200);
    expect((await postJson(server.app, `${API}/experiments/delete-experiment-tag`, { experiment_id: id, key: 'a' })).status).toBe(200);
    expect((await postJson(server.app, `${API}/experiments/delete`, { experiment_id: id })).status).toBe(200);
    let experiment = (await getJson(server.app, `${API}/experiments/get?experiment_id=${id}`)).body.experiment as Record<string, unknown>;
    expect(experiment).toMatchObject({ name: 'new', lifecycle_stage: 'deleted' });
    expect(experiment.tags).toBeUndefined();
    expect((await postJson(server.app, `${API}/experiments/restore`, { experiment_id: Number(id) })).status).toBe(200);
    experiment = (await getJson(server.app, `${API}/experiments/get?experiment_id=${id}`)).body.experiment as Record<string, unknown>;
    expect(experiment.lifecycle_stage).toBe('active');
  });
});
