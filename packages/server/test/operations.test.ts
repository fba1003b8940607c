/* eslint-disable @typescript-eslint/no-explicit-any -- the tests walk the OpenAPI JSON freely */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { OPENAPI_PATH, serverRoutes } from '@orrery/server';
import { getJson, postJson, startTestServer, type TestServer } from './server-fixture.js';

const API = '/api/2.0/mlflow';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Every `$ref` in a JSON document, with where it was found. */
function refsOf(value: unknown, at = '#', found: Array<[string, string]> = []): Array<[string, string]> {
  if (Array.isArray(value)) value.forEach((item, i) => refsOf(item, `${at}/${i}`, found));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push([at, item]);
      else refsOf(item, `${at}/${key}`, found);
    }
  }
  return found;
}

describe('OpenAPI document', () => {
  it(`is served at ${OPENAPI_PATH} and lists every route with resolvable schemas`, async () => {
    server = await startTestServer();
    const { status, body } = await getJson(server.app, OPENAPI_PATH);
    expect(status).toBe(200);
    const doc = body as any;
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path.replace('{path}', '*')}`);
    }
    const missing = serverRoutes(server.app)
      .map((route) => `${route.method} ${route.url.replace(/^\/ajax-api\//, '/api/')}`)
      .filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
    for (const [at, ref] of refsOf(doc)) {
      const name = ref.replace('#/components/schemas/', '');
      expect(doc.components.schemas[name], `${ref} at ${at}`).toBeDefined();
    }
    // A GET route's fields are query parameters; a POST route's a JSON body referencing the messages.
    const getRun = doc.paths['/api/2.0/mlflow/runs/get'].get;
    expect(getRun.parameters.map((p: any) => p.name)).toContain('run_id');
    expect(getRun.responses['200'].content['application/json'].schema.properties.run).toEqual({ $ref: '#/components/schemas/Run' });
    const logBatch = doc.paths['/api/2.0/mlflow/runs/log-batch'].post;
    expect(logBatch.requestBody.content['application/json'].schema.required).toEqual(['run_id']);
    expect(doc.components.schemas.Metric.properties.value.type).toEqual(['number', 'string']);
    expect(doc.paths['/api/2.0/mlflow-artifacts/artifacts/{path}'].put.requestBody.content).toHaveProperty(['application/octet-stream']);
  });
});

describe('Prometheus metrics', () => {
  it('count requests by route pattern and status, time them, and count failed store calls', async () => {
    server = await startTestServer();
    await postJson(server.app, `${API}/experiments/create`, { name: 'metrics' });
    await getJson(server.app, `${API}/experiments/get?experiment_id=1`);
    await getJson(server.app, `${API}/runs/get?run_id=nope`);
    await getJson(server.app, '/no/such/route');
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = response.body;
    expect(text).toContain('orrery_http_requests_total{method="POST",route="/api/2.0/mlflow/experiments/create",status="200"} 1');
    expect(text).toContain('orrery_http_requests_total{method="GET",route="/api/2.0/mlflow/runs/get",status="404"} 1');
    expect(text).toContain('orrery_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    // prom-client writes `le` first; label order carries no meaning in the exposition format.
    expect(text).toMatch(/orrery_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/2\.0\/mlflow\/experiments\/get",status="200"\} 1/);
    expect(text).toMatch(/orrery_http_request_duration_seconds_count\{method="GET",route="\/api\/2\.0\/mlflow\/experiments\/get",status="200"\} 1/);
    expect(text).toContain('orrery_store_errors_total{store="tracking",operation="getRun",code="RESOURCE_DOES_NOT_EXIST"} 1');
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);
    expect(text).toMatch(/^orrery_http_requests_in_flight 1$/m);
    // Every sample line is `name{labels} value` or `name value` (blank lines separate families).
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#') && l !== '')) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[\d.]+(e[+-]?\d+)?|NaN|[+-]Inf)$/);
    }
  });
});

describe('access log', () => {
  it('writes one JSON line per request with route, status and duration, and never headers', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // A pino logger writing into `sink` (Fastify makes one from these options).
    const logger = Fastify({ logger: { level: 'info', stream: sink } }).log;
    server = await startTestServer({ logger });
    await server.app.inject({
      method: 'GET',
      url: `${API}/experiments/get?experiment_id=0`,
      headers: { authorization: 'Bearer secret-token', 'user-agent': 'test-agent' },
    });
    const access = lines.filter((line) => line.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      method: 'GET',
      url: `${API}/experiments/get?experiment_id=0`,
      route: `${API}/experiments/get`,
      status: 200,
      userAgent: 'test-agent',
    });
    expect(typeof access[0]!.durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    expect(lines.some((line) => line.msg === 'incoming request')).toBe(false);
  });
});
