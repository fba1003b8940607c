/**
 * The OpenAPI document covers every route the server registers (tracking, model registry, artifact
 * proxy, basic-auth app, operations) with a request and a response schema. The only exceptions are
 * routes marked raw in their declaration: a non-JSON answer (`rawResponse`: downloads, /health,
 * /metrics) or a non-JSON body (`rawBody`: uploads), whose media type the document states instead.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the document is walked as plain JSON */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService, type AuthStore, type ModelRegistryStore, type TrackingStore } from '@orrery/core';
import { openSqliteAuthStore, openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { buildOpenApiDocument, createServer, serverRoutes, type RouteInfo } from '@orrery/server';
import { openLocalRepository } from './server-fixture.js';

const AJAX = /^\/ajax-api\//;

/** What is missing from the document for one route; empty when it is covered. */
function gapsOf(route: RouteInfo, doc: any): string[] {
  const url = route.url.replace(AJAX, '/api/');
  const opPath = url.endsWith('*') ? `${url.slice(0, -1)}{path}` : url;
  const op = doc.paths[opPath]?.[route.method.toLowerCase()];
  if (op === undefined) return ['not in the document'];
  const gaps: string[] = [];
  const { rawResponse, rawBody, request, requestIn } = route.documentation;
  // The response: a JSON schema, or the media type of a route marked raw.
  const ok = op.responses?.['200']?.content;
  if (rawResponse !== undefined) {
    if (ok?.[rawResponse]?.schema === undefined) gaps.push(`raw response ${rawResponse} not stated`);
  } else if (route.response === undefined || ok?.['application/json']?.schema === undefined) {
    gaps.push('no response schema');
  }
  // The request: a JSON body schema or one query parameter per field, or a raw body's media type.
  if (rawBody !== undefined) {
    if (op.requestBody?.content?.[rawBody] === undefined) gaps.push(`raw body ${rawBody} not stated`);
  } else if (request === undefined) {
    // A route answering raw content and reading nothing but its path (downloads, /health) is marked by rawResponse.
    if (rawResponse === undefined) gaps.push('no request schema');
  } else if ((requestIn ?? (route.method === 'GET' ? 'query' : 'body')) === 'body') {
    if (op.requestBody?.content?.['application/json']?.schema === undefined) gaps.push('no request body schema');
  } else {
    const parameters = new Set((op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name));
    const fields = Object.keys(request.properties ?? {});
    const absent = fields.filter((field) => !parameters.has(field));
    if (absent.length > 0) gaps.push(`query parameters missing: ${absent.join(', ')}`);
  }
  return gaps;
}

describe('OpenAPI document: every route has a request and a response schema', () => {
  let dir: string;
  let app: FastifyInstance;
  let store: TrackingStore;
  let registry: ModelRegistryStore;
  let authStore: AuthStore;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'orrery-openapi-'));
    const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
    store = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
    registry = await openSqliteModelRegistryStore(uri);
    authStore = await openSqliteAuthStore(`sqlite:///${path.join(dir, 'auth.db')}`);
    app = createServer({
      auth: new AuthService({ store: authStore }),
      trackingStore: store,
      modelRegistryStore: registry,
      openArtifactRepository: openLocalRepository,
      artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
      defaultArtifactRoot: 'mlflow-artifacts:/',
      verifyResponseSchemas: true,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await registry?.close();
    await authStore?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every route in the catalog, raw ones by their media type', () => {
    const routes = serverRoutes(app).filter((route) => !route.documentation.hide);
    const doc = buildOpenApiDocument(routes, 'test', { auth: true });
    const gaps = routes.flatMap((route) => gapsOf(route, doc).map((gap) => `${route.method} ${route.url}: ${gap}`));
    expect(gaps).toEqual([]);
    // Every kind of route is in the catalog, so a kind left out would show here.
    for (const pattern of ['/mlflow/runs/log-batch', '/mlflow/registered-models/create', '/mlflow/model-versions/transition-stage', '/mlflow-artifacts/mpu/create/*', '/mlflow/users/create', '/health']) {
      expect(routes.some((route) => route.url.endsWith(pattern)), pattern).toBe(true);
    }
    // The raw exceptions are exactly the non-JSON routes.
    const raw = routes
      .filter((route) => route.documentation.rawResponse !== undefined || route.documentation.rawBody !== undefined)
      .map((route) => `${route.method} ${route.url.replace(AJAX, '/api/')}`);
    expect([...new Set(raw)].sort()).toEqual([
      'GET /',
      'GET /api/2.0/mlflow-artifacts/artifacts/*',
      'GET /api/2.0/openapi.json',
      'GET /get-artifact',
      'GET /health',
      'GET /metrics',
      'GET /model-versions/get-artifact',
      'GET /static-files/*',
      'GET /version',
      'PUT /api/2.0/mlflow-artifacts/artifacts/*',
    ]);
  });

  it('describes registry calls with their messages: GET fields as query parameters, bodies and answers by reference', () => {
    const doc = buildOpenApiDocument(serverRoutes(app), 'test') as any;
    const get = doc.paths['/api/2.0/mlflow/registered-models/get'].get;
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'name', in: 'query', required: true })]);
    expect(get.responses['200'].content['application/json'].schema.properties.registered_model).toEqual({ $ref: '#/components/schemas/RegisteredModel' });
    const create = doc.paths['/api/2.0/mlflow/model-versions/create'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['name', 'source']);
    expect(Object.keys(body.properties)).toEqual(['name', 'source', 'run_id', 'tags', 'run_link', 'description']);
    expect(create.responses['200'].content['application/json'].schema.properties.model_version).toEqual({ $ref: '#/components/schemas/ModelVersion' });
    expect(Object.keys(doc.components.schemas.ModelVersion.properties)).toContain('aliases');
    expect(doc.paths['/api/2.0/mlflow/registered-models/search'].get.parameters.map((p: any) => p.name)).toEqual(['filter', 'max_results', 'order_by', 'page_token']);
  });
});
