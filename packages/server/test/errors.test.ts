import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestServer, type TestServer } from './server-fixture.js';

const API = '/api/2.0/mlflow';

describe('bad input gets MLflow errors, never a 5xx', () => {
  let server: TestServer;
  let runId: string;
  beforeAll(async () => {
    server = await startTestServer();
    runId = ((await postJson(server.app, `${API}/runs/create`, { experiment_id: '0' })).body.run as { info: { run_id: string } }).info.run_id;
  });
  afterAll(async () => {
    await server.close();
  });

  async function post(url: string, payload: string, contentType?: string) {
    const response = await server.app.inject({
      method: 'POST',
      url,
      payload,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
    });
    return { status: response.statusCode, type: response.headers['content-type'], body: JSON.parse(response.body) as Record<string, unknown> };
  }

  it('refuses a POST that is not application/json with INVALID_PARAMETER_VALUE', async () => {
    const wrong = await post(`${API}/experiments/create`, '{"name":"x"}', 'text/plain');
    expect(wrong).toMatchObject({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Bad Request. Content-Type must be one of ['application/json']." },
    });
    expect(wrong.type).toContain('application/json');
    const form = await post(`${API}/runs/log-metric`, 'a=b', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(400);
    const charset = await post(`${API}/experiments/create`, '{"name":"with-charset"}', 'application/json; charset=utf-8');
    expect(charset.status).toBe(200);
  });

  it('refuses malformed JSON and non-object bodies with 400', async () => {
    for (const payload of ['{"name":', '[1,2]', '42', 'null', '{"name": "x"} trailing']) {
      const response = await post(`${API}/experiments/create`, payload, 'application/json');
      expect(response.status, payload).toBe(400);
      expect(response.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    // Old clients double-encode their JSON; MLflow decodes it twice.
    const doubled = await post(`${API}/experiments/create`, JSON.stringify(JSON.stringify({ name: 'double' })), 'application/json');
    expect(doubled.status).toBe(200);
  });

  it('names a missing required field as MLflow does', async () => {
    const missing = await postJson(server.app, `${API}/experiments/create`, {});
    expect(missing).toEqual({
      status: 400,
      body: {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
      },
    });
    const empty = await postJson(server.app, `${API}/experiments/create`, { name: '' });
    expect(empty.body.message).toContain("required parameter 'name'");
    const noRun = await getJson(server.app, `${API}/runs/get`);
    expect(noRun.body.message).toContain("required parameter 'run_id'");
  });

  it('names a wrongly typed value as MLflow does', async () => {
    const value = await postJson(server.app, `${API}/runs/log-metric`, { run_id: runId, key: 'm', value: 'abc', timestamp: 1 });
    expect(value.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Invalid value abc for parameter 'value' supplied. Hint: Value was of type 'str'. See the API docs for more information about request parameters.",
    });
    const timestamp = await postJson(server.app, `${API}/runs/log-metric`, { run_id: runId, key: 'm', value: 1, timestamp: 1.5 });
    expect(timestamp.status).toBe(400);
    const huge = await postJson(server.app, `${API}/runs/log-metric`, { run_id: runId, key: 'm', value: 1, timestamp: '99999999999999999999' });
    expect(huge.status).toBe(400);
    const name = await postJson(server.app, `${API}/experiments/create`, { name: 5 });
    expect(name.body.message).toContain("Hint: Value was of type 'int'");
    const tags = await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, metrics: [{ key: 'm', value: 1 }] });
    expect(tags.body.message).toContain("'metrics[0].timestamp'");
    const later = await postJson(server.app, `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: [{ key: 'm', value: 1, timestamp: 1 }, { key: 'm', value: 2, timestamp: 2, step: 'x' }],
    });
    expect(later.body.message).toContain("'metrics[1].step'");
    const notMessage = await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, tags: [{ key: 't', value: 'v' }, 7] });
    expect(notMessage.body.message).toContain("'tags[1]'");
    const deep = await postJson(server.app, `${API}/runs/log-inputs`, { run_id: runId, datasets: [{ dataset: { name: 5, digest: 'd', source_type: 'local', source: '{}' } }] });
    expect(deep.body.message).toContain("'datasets[0].dataset.name'");
    const list = await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, params: 'p' });
    expect(list.body.message).toContain("Hint: Value was of type 'str'");
    const view = await postJson(server.app, `${API}/runs/search`, { experiment_ids: ['0'], run_view_type: 'SOME' });
    expect(view.status).toBe(400);
  });

  it('enforces MLflow limits: max_results, log-batch sizes and its 1 MB body limit', async () => {
    const tooMany = await postJson(server.app, `${API}/runs/search`, { experiment_ids: ['0'], max_results: 50001 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain("Invalid value 50001 for parameter 'max_results' supplied");
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i }));
    const batch = await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, metrics });
    expect(batch.status).toBe(400);
    expect(batch.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const big = await postJson(server.app, `${API}/runs/log-batch`, { run_id: runId, tags: [{ key: 'k', value: 'x'.repeat(1_000_001) }] });
    expect(big.status).toBe(400);
    expect(big.body.message).toContain('at most 1000000 bytes');
    const interval = await getJson(server.app, `${API}/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=m&max_results=2501`);
    expect(interval.body.message).toContain('max_results must be between 1 and 2500');
    const steps = await getJson(server.app, `${API}/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=m&start_step=1`);
    expect(steps.status).toBe(400);
  });

  it('maps unknown ids to 404 RESOURCE_DOES_NOT_EXIST and duplicates to 400 RESOURCE_ALREADY_EXISTS', async () => {
    const run = await getJson(server.app, `${API}/runs/get?run_id=doesnotexist`);
    expect(run.status).toBe(404);
    expect(run.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const experiment = await getJson(server.app, `${API}/experiments/get-by-name?experiment_name=nope`);
    expect(experiment).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'nope'" } });
    const duplicate = await postJson(server.app, `${API}/experiments/create`, { name: 'Default' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('answers bad filters with 400', async () => {
    const response = await postJson(server.app, `${API}/runs/search`, { experiment_ids: ['0'], filter: 'metrics.x >' });
    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('answers an unknown route or method with a JSON 404 ENDPOINT_NOT_FOUND', async () => {
    for (const [method, url] of [
      ['GET', '/api/2.0/mlflow/nope'],
      ['POST', '/api/2.0/mlflow/runs/get'],
      ['GET', '/whatever'],
    ] as const) {
      const response = await server.app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: method === 'POST' ? '{}' : undefined });
      expect(response.statusCode, url).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    }
  });
});
