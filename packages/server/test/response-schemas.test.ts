/* eslint-disable @typescript-eslint/no-explicit-any -- the tests walk response JSON freely in assertions */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverRoutes } from '@orrery/server';
import { compileResponseSerializer } from '../src/schemas/response-serializer.js';
import { Metric, Run } from '../src/schemas/message-schemas.js';
import { postJson, startTestServer, type TestServer } from './server-fixture.js';

const API = '/api/2.0/mlflow';

describe('response schemas', () => {
  it('catch, in verify mode, a field the schema would drop or a value it would coerce', () => {
    const checked = compileResponseSerializer(Metric, { verify: true, route: 'GET /test' });
    expect(checked({ key: 'm', value: 'NaN', timestamp: 1, step: 0 })).toBe('{"key":"m","value":"NaN","timestamp":1,"step":0}');
    expect(() => checked({ key: 'm', value: 1, timestamp: 1, step: 0, extra: true })).toThrow(/GET \/test.*extra/);
    expect(() => checked({ key: null, value: 1, timestamp: 1, step: 0 })).toThrow(/response schema of GET \/test/);
    expect(() => checked({ key: 'm', value: 1, timestamp: 1.5, step: 0 })).toThrow(/changes the response/);
    // Without verify the same object is silently reshaped: why the suites run with verify on.
    const unchecked = compileResponseSerializer(Metric, { verify: false, route: 'GET /test' });
    expect(unchecked({ key: null, value: 1, timestamp: 1.5, step: 0, extra: true })).toBe('{"key":"","value":1,"timestamp":1,"step":0}');
  });

  describe('on a live server', () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await startTestServer();
    });
    afterEach(async () => {
      await server.close();
    });

    it('give every JSON route of the tracking API and the artifact proxy a response schema', () => {
      const routes = serverRoutes(server.app).filter((route) => /\/mlflow(-artifacts)?\//.test(route.url) && !route.url.includes('/mpu/'));
      const withoutSchema = routes
        .filter((route) => route.response === undefined && route.documentation.rawResponse === undefined)
        .filter((route) => !/registered-models|model-versions/.test(route.url))
        .map((route) => `${route.method} ${route.url}`);
      expect(withoutSchema).toEqual([]);
      expect(routes.length).toBeGreaterThan(50);
    });

    it('print a run byte for byte as MLflow does: field order, NaN and ±Infinity strings, omitted empty lists', async () => {
      const created = await postJson(server.app, `${API}/runs/create`, { experiment_id: '0', start_time: 1_700_000_000_123, run_name: 'r' });
      const runId = (created.body.run as any).info.run_id as string;
      const batch = await postJson(server.app, `${API}/runs/log-batch`, {
        run_id: runId,
        metrics: [
          { key: 'nan', value: 'NaN', timestamp: 5_000_000_000_000, step: '9007199254740991' },
          { key: 'pos', value: 'Infinity', timestamp: 1, step: 0 },
          { key: 'neg', value: '-Infinity', timestamp: 1, step: -3 },
          { key: 'tiny', value: 1e-300, timestamp: 1, step: 0 },
        ],
      });
      expect(batch).toEqual({ status: 200, body: {} });
      const response = await server.app.inject({ method: 'GET', url: `${API}/runs/get?run_id=${runId}` });
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const metrics = '"metrics":[' +
        '{"key":"nan","value":"NaN","timestamp":5000000000000,"step":9007199254740991},' +
        '{"key":"neg","value":"-Infinity","timestamp":1,"step":-3},' +
        '{"key":"pos","value":"Infinity","timestamp":1,"step":0},' +
        '{"key":"tiny","value":1e-300,"timestamp":1,"step":0}]';
      const text = response.body;
      // Metrics come back in whatever order the store lists them; compare the rest exactly.
      const listed = JSON.parse(text).run.data.metrics as Array<{ key: string }>;
      const sorted = { ...JSON.parse(text) };
      sorted.run.data.metrics = [...listed].sort((a, b) => a.key.localeCompare(b.key));
      expect(JSON.stringify(sorted)).toBe(
        '{"run":{"info":{' +
          `"run_uuid":"${runId}","experiment_id":"0","run_name":"r","user_id":"","status":"RUNNING","start_time":1700000000123,` +
          `"artifact_uri":"mlflow-artifacts:/0/${runId}/artifacts","lifecycle_stage":"active","run_id":"${runId}"},` +
          `"data":{${metrics},"tags":[{"key":"mlflow.runName","value":"r"}]},"inputs":{}}}`,
      );
      expect(text.indexOf('"info"')).toBeLessThan(text.indexOf('"data"'));
      expect(Object.keys(Run.properties!)).toEqual(['info', 'data', 'inputs']);
    });

    it('omit empty lists and absent tokens entirely', async () => {
      const search = await server.app.inject({
        method: 'POST',
        url: `${API}/runs/search`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ experiment_ids: ['0'] }),
      });
      expect(search.body).toBe('{}');
      const experiments = await server.app.inject({ method: 'GET', url: `${API}/experiments/search?filter=${encodeURIComponent("name = 'none'")}` });
      expect(experiments.body).toBe('{}');
      const listed = await server.app.inject({ method: 'GET', url: '/api/2.0/mlflow-artifacts/artifacts' });
      expect(listed.body).toBe('{}');
    });
  });
});
