/**
 * Fuzz test: generated malformed requests against every route the server registers (tracking,
 * artifact proxy, model registry, operations), enumerated from the server itself. Every answer
 * must be a 4xx carrying `{error_code, message}` with one of MLflow's error codes: never a 5xx,
 * never a 2xx (each request is built to be wrong), never a hang.
 *
 * Requests start from a valid request built from the route's request schema (using a real
 * experiment and run, so that the one defect introduced is what gets refused), then get exactly
 * one defect: a wrong content type, malformed JSON, a missing required field, a wrong type, an
 * over-limit or out-of-range value, an unknown id, a bad filter, order_by or page token, a
 * repeated single-valued query parameter, a path escaping the artifact root, or a wrong method.
 * A route without a request schema would get defects every route refuses (bad bodies, every common
 * field wrong-typed or repeated).
 *
 * The suite runs twice: without authentication, and with the basic-auth app on (the users,
 * permissions, token and audit routes join the catalog; requests carry an admin's credentials, and
 * one in eight carries missing or wrong ones instead and must get 401).
 *
 * Seeded: ORRERY_FUZZ_SEED reproduces a run; ORRERY_FUZZ_REQUESTS sets how many are sent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService, LIMITS, isErrorCode, type AuthStore, type ModelRegistryStore, type TrackingStore } from '@orrery/core';
import * as sqlitePlugin from '@orrery/plugin-sqlite';
import { createServer, ruleFor, serverRoutes, type JsonSchema, type RouteInfo } from '@orrery/server';
import { openLocalRepository } from './server-fixture.js';

const SEED = Number(process.env.ORRERY_FUZZ_SEED ?? 20_240_611);
const REQUESTS = Number(process.env.ORRERY_FUZZ_REQUESTS ?? 20_000);
const TIMEOUT_MS = 10_000;

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (p: number): boolean => random() < p;
const randomHex = (length: number): string => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** What was wrong with it, for the failure report. */
  defect: string;
  /** The status it must get, when the defect fixes one. */
  expectStatus?: number;
}

type Kind = 'string' | 'int64' | 'double' | 'enum' | 'stringList' | 'messageList' | 'message' | 'boolean';

function kindOf(schema: JsonSchema): Kind {
  if (schema.format === 'int64') return 'int64';
  if (schema.format === 'double') return 'double';
  if (schema.format === 'enum') return 'enum';
  if (schema.type === 'array') return schema.items?.type === 'object' ? 'messageList' : 'stringList';
  if (schema.type === 'object') return 'message';
  if (schema.type === 'boolean') return 'boolean';
  return 'string';
}

/** Bounds of an int64 request field, when the schema states them. */
function boundsOf(schema: JsonSchema): { minimum?: number; maximum?: number } {
  const numeric = schema.anyOf?.find((option) => option.type === 'integer');
  return { ...(numeric?.minimum !== undefined ? { minimum: numeric.minimum } : {}), ...(numeric?.maximum !== undefined ? { maximum: numeric.maximum } : {}) };
}

/** The real entities valid requests point at. */
interface World {
  experimentId: string;
  experimentName: string;
  runId: string;
  modelName: string;
  /** A user of the auth store (auth on). */
  username: string;
}

let unique = 0;

/** A valid value for a field, by its name and kind. */
function validValue(name: string, schema: JsonSchema, world: World): unknown {
  const kind = kindOf(schema);
  switch (kind) {
    case 'int64':
      return name === 'max_results' ? 5 : name === 'version' ? '1' : 1;
    case 'double':
      return 1.5;
    case 'enum':
      return schema.anyOf?.[0]?.enum?.[0];
    case 'boolean':
      return true;
    case 'stringList':
      return name.startsWith('run_id') ? [world.runId] : name === 'experiment_ids' ? [world.experimentId] : ['x'];
    case 'messageList':
      return [validMessage(schema.items!, world)];
    case 'message':
      return validMessage(schema, world);
    case 'string':
      break;
  }
  switch (name) {
    case 'run_id':
      return world.runId;
    case 'experiment_id':
      return world.experimentId;
    case 'experiment_name':
      return world.experimentName;
    case 'name':
      return `fuzz-${(unique += 1)}`;
    case 'new_name':
      return `fuzz-renamed-${(unique += 1)}`;
    case 'metric_key':
      return 'm';
    case 'model_json':
      return JSON.stringify({ artifact_path: 'model', flavors: {}, utc_time_created: '2024-01-01', run_id: world.runId });
    case 'path':
      return 'a.bin';
    case 'username':
      return world.username;
    case 'password':
      return 'fuzz-password';
    case 'permission':
      return 'READ';
    default:
      return 'v';
  }
}

/**
 * A valid message: its required fields, plus the experiments to search (a search of no
 * experiments returns nothing before looking at its other fields).
 */
function validMessage(schema: JsonSchema, world: World): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  for (const name of schema.required ?? []) message[name] = validValue(name, schema.properties![name]!, world);
  if (schema.properties?.experiment_ids !== undefined) message.experiment_ids = [world.experimentId];
  return message;
}

const BAD_FILTERS = ['((', 'metrics.x >', "name = 'a' AND", 'attributes.nope = 1', 'tags.`x = 1', "1=1; DROP TABLE runs; --", 'params.a LIKE', "metrics.m = 'text'", 'name IN ()'];
const BAD_ORDER_BY = ['nope ASC', 'metrics.x SIDEWAYS', 'metrics.`x', 'params.a ASC DESC', '((', 'start_time ASC LIMIT 1'];
const BAD_PAGE_TOKENS = ['garbage', '!!!', 'eyJ4IjoxfQ==', '-1', 'eyJvZmZzZXQiOiAtNX0=', '%%%', 'x'.repeat(2000)];
const TRAVERSAL_PATHS = ['..', '../x', 'a/../../x', '%2e%2e/x', '%252e%252e/x', '/etc/passwd', 'a\\..\\..\\x', 'a%5c..%5cx', 'a%00b', '%2fetc%2fpasswd', 'a/%2e%2e/%2e%2e/b', '.%2e/x', '%zz', 'a%', 'a%01b', '', 'C:%5cwindows'];

/**
 * Escaping paths as a field value (already decoded once by JSON or the query string): `%2e%2e`
 * is refused because a second decoding would make it `..`, but `a%` is a legal file name there.
 */
const DECODED_TRAVERSAL_PATHS = TRAVERSAL_PATHS.filter((p) => p !== '' && p !== '%zz' && p !== 'a%');

/**
 * Wrong values for a field of a JSON body, by kind; none of them is an accepted form. A multipart
 * upload's `path` is the client's local file name, not an artifact path, so it takes any string.
 */
function wrongJsonValues(name: string, schema: JsonSchema, pathIsArtifactPath: boolean): unknown[] {
  const kind = kindOf(schema);
  const bounds = boundsOf(schema);
  switch (kind) {
    case 'string':
      return [1.5, true, {}, [], ['a'], { $ne: null }, ...(name === 'path' && pathIsArtifactPath ? DECODED_TRAVERSAL_PATHS : [])];
    case 'int64':
      return [
        'abc', '1.5', 1.5, '1e3', '', 'NaN', 'Infinity', 1e300, '99999999999999999999', 2 ** 60, {}, [], true, '0x10', '--1',
        ...(bounds.minimum !== undefined ? [bounds.minimum - 1, -1, String(bounds.minimum - 1)] : []),
        ...(bounds.maximum !== undefined ? [bounds.maximum + 1, String(bounds.maximum + 1)] : []),
      ];
    case 'double':
      return ['abc', '', {}, [], true, '1,5', '0x10', 'Infinityx', 'nan', '--1'];
    case 'enum':
      return ['NOPE', 0, 99, -1, '', {}, 1.5, 'active_only', []];
    case 'boolean':
      return ['maybe', 2, {}, []];
    case 'stringList':
      return ['not-a-list', {}, [1.5], [{}], [true], [null], 5];
    case 'messageList': {
      const item = schema.items!;
      const values: unknown[] = ['x', {}, [1], ['s'], [null], [[]]];
      const first = Object.keys(item.properties ?? {})[0];
      if (first !== undefined) values.push([{ [first]: { nested: true } }]);
      if ((item.required ?? []).length > 0) values.push([{}]);
      return values;
    }
    case 'message':
      return ['x', [], 5, true];
  }
}

/** Wrong values for a query parameter of a GET route (every value is text there). */
function wrongQueryValues(name: string, schema: JsonSchema, required: boolean): Array<string | string[]> {
  const kind = kindOf(schema);
  const bounds = boundsOf(schema);
  const values: Array<string | string[]> = [];
  if (kind !== 'stringList') values.push(['a', 'b']);
  if (required && kind === 'string') values.push('');
  if (kind === 'int64') {
    values.push('abc', '1.5', '', 'NaN', 'Infinity', '99999999999999999999', '1e400', '0x10');
    if (bounds.minimum !== undefined) values.push(String(bounds.minimum - 1), '-1');
    if (bounds.maximum !== undefined) values.push(String(bounds.maximum + 1));
  }
  if (kind === 'double') values.push('abc', '', 'nan');
  if (kind === 'enum') values.push('NOPE', '0', '99', 'active_only');
  if (name === 'filter') values.push(...BAD_FILTERS);
  if (name === 'page_token') values.push(...BAD_PAGE_TOKENS);
  if (name === 'order_by') values.push(...BAD_ORDER_BY.map((o) => [o]));
  if (name === 'path') values.push(...DECODED_TRAVERSAL_PATHS);
  if (kind === 'stringList' && required) values.push([]);
  return values;
}

function query(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else if (value !== undefined) params.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const WRONG_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', 'application/xml'];
const MALFORMED_JSON = ['{', '{"a":', '[1,2', 'nul', '{"run_id": "x",}', "{'a': 1}", '\u0000\u0001', '{"a": NaN}', '[]', '[{}]', '1', 'null', 'true', '"just a string"', '"[1]"', '{"a":1}}', '\ud800', '{"a": 1e999999}x'];
/** Field names the registry and tracking APIs share; every route reads at least one of them. */
const COMMON_FIELDS = ['name', 'version', 'run_id', 'experiment_id', 'key', 'value', 'alias', 'stage', 'description', 'new_name', 'source', 'max_results', 'filter', 'page_token', 'order_by', 'experiment_ids', 'metric_key', 'path', 'model_json', 'tags'];

/** The URL of a route: `*` (the rest of the path) filled with an artifact path. */
function routeUrl(route: RouteInfo, rest = 'fuzz/a.bin'): string {
  return route.url.endsWith('*') ? `${route.url.slice(0, -1)}${rest}` : route.url;
}

function isJsonApiRoute(route: RouteInfo): boolean {
  return /^\/(ajax-)?api\/2\.0\/mlflow\//.test(route.url);
}

/** The routes answering `url` (to pick a method none of them takes). */
function methodsFor(routes: readonly RouteInfo[], url: string): Set<string> {
  return new Set(routes.filter((route) => route.url === url).map((route) => route.method));
}

function generate(route: RouteInfo, routes: readonly RouteInfo[], world: World): FuzzRequest {
  const request = route.documentation.request;
  const isBodyRoute = route.method !== 'GET';
  const defects: Array<() => FuzzRequest> = [];

  // Any route: a method it does not take.
  defects.push(() => {
    const taken = methodsFor(routes, route.url);
    const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter((m) => !taken.has(m) && !(m === 'HEAD' && taken.has('GET'))));
    return { method, url: routeUrl(route), headers: JSON_HEADERS, ...(method === 'GET' ? {} : { payload: '{}' }), defect: `method ${method} not served` };
  });

  // Artifact paths escaping the root (routes ending in `*`).
  if (route.url.endsWith('*')) {
    for (let i = 0; i < 4; i += 1) {
      defects.push(() => {
        // The test client resolves dot segments as a browser does: `/static-files/..` is a request
        // for the UI's page `/`, not a traversal, so such paths are not sent to that route.
        const bad = pick(TRAVERSAL_PATHS.filter((p) => new URL(routeUrl(route, p), 'http://fuzz').pathname !== '/'));
        const body = route.url.includes('/mpu/') ? JSON.stringify({ path: 'a.bin', num_parts: 1, upload_id: 'u' }) : 'bytes';
        return {
          method: route.method,
          url: routeUrl(route, bad),
          headers: route.url.includes('/mpu/') ? JSON_HEADERS : { 'content-type': 'application/octet-stream' },
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: body }),
          defect: `artifact path ${JSON.stringify(bad)}`,
        };
      });
    }
    if (route.method === 'GET') {
      defects.push(() => ({ method: 'GET', url: routeUrl(route, `fuzz/missing-${randomHex(8)}.bin`), headers: {}, defect: 'unknown artifact' }));
    }
  }

  const takesJson = isBodyRoute && (isJsonApiRoute(route) || route.url.includes('/mpu/'));
  if (takesJson) {
    const url = routeUrl(route);
    const base = request !== undefined ? validMessage(request, world) : { name: 'x' };
    defects.push(() => {
      const type = pick(WRONG_CONTENT_TYPES);
      return { method: route.method, url, headers: { 'content-type': type }, payload: JSON.stringify(base), defect: `content type ${type}` };
    });
    defects.push(() => ({ method: route.method, url, headers: {}, payload: JSON.stringify(base), defect: 'no content type' }));
    for (let i = 0; i < 2; i += 1) {
      defects.push(() => {
        const text = pick(MALFORMED_JSON);
        return { method: route.method, url, headers: JSON_HEADERS, payload: text, defect: `malformed JSON ${JSON.stringify(text)}` };
      });
    }
  }

  if (request !== undefined && request.properties !== undefined) {
    const inQuery = route.documentation.requestIn === 'query' || (route.documentation.requestIn === undefined && route.method === 'GET');
    const url = routeUrl(route);
    const required = request.required ?? [];
    const properties = Object.entries(request.properties);
    const send = (fields: Record<string, unknown>, defect: string): FuzzRequest =>
      inQuery
        ? { method: route.method, url: `${url}${query(fields)}`, headers: {}, defect }
        : { method: route.method, url, headers: JSON_HEADERS, payload: JSON.stringify(fields), defect };

    for (const name of required) {
      defects.push(() => {
        const fields = validMessage(request, world);
        delete fields[name];
        return send(fields, `missing required ${name}`);
      });
    }
    for (const [name, schema] of properties) {
      // The deprecated twin of run_id is an alternative, and artifacts/list ignores its page token (as MLflow).
      if (name === 'run_uuid' || (name === 'page_token' && route.url.endsWith('/artifacts/list'))) continue;
      const wrong = inQuery ? wrongQueryValues(name, schema, required.includes(name)) : wrongJsonValues(name, schema, !route.url.includes('/mpu/'));
      if (!inQuery) {
        if (name === 'filter') wrong.push(...BAD_FILTERS);
        if (name === 'order_by') wrong.push(...BAD_ORDER_BY.map((o) => [o]));
        if (name === 'page_token') wrong.push(...BAD_PAGE_TOKENS);
      }
      if (wrong.length === 0) continue;
      for (let i = 0; i < 2; i += 1) {
        defects.push(() => {
          const value = pick(wrong);
          return send({ ...validMessage(request, world), [name]: value }, `${name} = ${JSON.stringify(value)?.slice(0, 80)}`);
        });
      }
    }
    // Ids nobody created.
    for (const name of ['run_id', 'experiment_id', 'experiment_name']) {
      if (!required.includes(name) && !(name === 'experiment_id' && route.url.endsWith('/runs/create'))) continue;
      // Permissions may be granted on experiments that do not exist yet (as MLflow).
      if (route.url.includes('/permissions/')) continue;
      defects.push(() => {
        const unknown = name === 'experiment_id' ? String(100_000 + Math.floor(random() * 1e6)) : `missing-${randomHex(32)}`;
        return send({ ...validMessage(request, world), [name]: unknown }, `unknown ${name}`);
      });
    }
    // Over-limit values: batch sizes, over-long keys and names.
    if (route.url.endsWith('/runs/log-batch')) {
      defects.push(() => {
        const metrics = Array.from({ length: LIMITS.batch.maxMetrics + 1 }, (_, i) => ({ key: `m${i}`, value: 1, timestamp: 1 }));
        return send({ run_id: world.runId, metrics }, 'too many metrics');
      });
      defects.push(() => send({ run_id: world.runId, params: Array.from({ length: LIMITS.batch.maxParams + 1 }, (_, i) => ({ key: `p${i}`, value: 'v' })) }, 'too many params'));
      defects.push(() => send({ run_id: world.runId, tags: [{ key: 'k'.repeat(LIMITS.maxEntityKeyLength + 1), value: 'v' }] }, 'tag key too long'));
      if (chance(0.05)) {
        defects.push(() => send({ run_id: world.runId, params: [{ key: 'p', value: 'v'.repeat(LIMITS.batch.maxRequestBytes) }] }, 'body over 1 MB'));
      }
    }
    if (properties.some(([name]) => name === 'key') && !inQuery && required.includes('key')) {
      defects.push(() => send({ ...validMessage(request, world), key: 'k'.repeat(LIMITS.maxEntityKeyLength + 1) }, 'key too long'));
      defects.push(() => send({ ...validMessage(request, world), key: '../bad key' }, 'key with path characters'));
    }
    if (route.url.endsWith('/experiments/create')) {
      defects.push(() => send({ name: 'n'.repeat(LIMITS.maxExperimentNameLength + 1) }, 'experiment name too long'));
      defects.push(() => send({ name: world.experimentName }, 'experiment name taken'));
    }
  } else if (isJsonApiRoute(route)) {
    // A JSON API route without a request schema (none is declared so today): every common field wrong-typed or repeated.
    if (route.method === 'GET') {
      defects.push(() => {
        const params = new URLSearchParams();
        for (const name of COMMON_FIELDS) {
          if (name === 'order_by' || name === 'experiment_ids' || name === 'tags') continue;
          params.append(name, 'a');
          params.append(name, 'b');
        }
        return { method: 'GET', url: `${route.url}?${params.toString()}`, headers: {}, defect: 'every common field repeated' };
      });
      if (/search/.test(route.url)) {
        defects.push(() => {
          const value = pick(['-1', '0', 'abc', '1.5', '99999999999999999999']);
          return { method: 'GET', url: `${route.url}?max_results=${value}`, headers: {}, defect: `max_results=${value}` };
        });
        defects.push(() => {
          const token = pick(BAD_PAGE_TOKENS);
          return { method: 'GET', url: `${route.url}?page_token=${encodeURIComponent(token)}`, headers: {}, defect: `page_token ${token.slice(0, 40)}` };
        });
        defects.push(() => {
          const filter = pick(BAD_FILTERS);
          return { method: 'GET', url: `${route.url}?filter=${encodeURIComponent(filter)}`, headers: {}, defect: `filter ${filter}` };
        });
      }
    } else {
      defects.push(() => {
        const value = pick<unknown>([{}, [], 1.5, true, { $gt: '' }]);
        const body = Object.fromEntries(COMMON_FIELDS.map((name) => [name, value]));
        return { method: route.method, url: route.url, headers: JSON_HEADERS, payload: JSON.stringify(body), defect: `every common field = ${JSON.stringify(value)}` };
      });
    }
  }
  return pick(defects)();
}

const BAD_AUTHORIZATIONS = [
  undefined,
  `Basic ${Buffer.from('fuzz-admin:wrong').toString('base64')}`,
  `Basic ${Buffer.from('nobody:fuzz-admin-pw').toString('base64')}`,
  'Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Bearer', 'Bearer x', `Bearer orr_0123456789abcdef_${'A'.repeat(43)}`, 'Negotiate abc',
];
const ADMIN_AUTHORIZATION = `Basic ${Buffer.from('fuzz-admin:fuzz-admin-pw').toString('base64')}`;

/**
 * With auth on: most requests carry the admin's credentials (so the defect under test reaches the
 * route); one in eight instead carries missing or wrong credentials and must get 401.
 */
function withCredentials(request: FuzzRequest, route: RouteInfo): FuzzRequest {
  const headers = { ...request.headers };
  if (ruleFor(route.method, route.url)?.kind === 'open' || !chance(1 / 8)) return { ...request, headers: { ...headers, authorization: ADMIN_AUTHORIZATION } };
  const bad = pick(BAD_AUTHORIZATIONS);
  if (bad !== undefined) headers.authorization = bad;
  // A URL that cannot be decoded is refused (400) before any route is chosen, credentials or not.
  let decodable = true;
  try {
    decodeURI(request.url);
  } catch {
    decodable = false;
  }
  return { ...request, headers, defect: `credentials ${bad ?? 'none'} (${request.defect})`, ...(decodable ? { expectStatus: 401 } : {}) };
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms: ${what}`)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

for (const withAuth of [false, true]) describe(`fuzz: malformed requests across every route${withAuth ? ', basic-auth on' : ''}`, () => {
  let dir: string;
  let app: FastifyInstance;
  let store: TrackingStore;
  let registryStore: ModelRegistryStore | undefined;
  let authStore: AuthStore | undefined;
  const world: World = { experimentId: '', experimentName: 'fuzz-base', runId: '', modelName: 'fuzz-model', username: 'fuzz-user' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'orrery-fuzz-'));
    const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
    store = await sqlitePlugin.openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
    // The registry store, where this build of the SQLite plugin has one.
    const openRegistry = (sqlitePlugin as Record<string, unknown>).openSqliteModelRegistryStore as
      | ((uri: string) => Promise<ModelRegistryStore>)
      | undefined;
    registryStore = openRegistry ? await openRegistry(uri) : undefined;
    let auth: AuthService | undefined;
    if (withAuth) {
      authStore = await sqlitePlugin.openSqliteAuthStore(`sqlite:///${path.join(dir, 'auth.db')}`);
      // No login limits: one in eight requests carries wrong credentials on purpose.
      auth = new AuthService({ store: authStore, config: { loginMaxFailuresPerUser: 0, loginMaxFailuresPerAddress: 0 } });
      await auth.ensureAdmin('fuzz-admin', 'fuzz-admin-pw');
      await auth.createUser(world.username, 'fuzz-password');
    }
    app = createServer({
      ...(auth !== undefined ? { auth } : {}),
      trackingStore: store,
      ...(registryStore ? { modelRegistryStore: registryStore } : {}),
      openArtifactRepository: openLocalRepository,
      artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
      defaultArtifactRoot: 'mlflow-artifacts:/',
      verifyResponseSchemas: true,
    });
    await app.ready();
    world.experimentId = await store.createExperiment({ name: world.experimentName });
    world.runId = (await store.createRun({ experimentId: world.experimentId, startTime: 1 })).info.runId;
    await store.logMetric(world.runId, { key: 'm', value: 1, timestamp: 1, step: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await registryStore?.close();
    await authStore?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // With auth on, wrong passwords cost a scrypt verification each (~37 ms): half as many requests.
  const requests = withAuth ? Math.ceil(REQUESTS / 2) : REQUESTS;
  it(`answers ${requests} generated malformed requests (seed ${SEED}) with a 4xx and an MLflow error body`, async () => {
    const routes = serverRoutes(app);
    // Every kind the server serves is covered, whatever was registered.
    expect(routes.some((route) => route.url.includes('/mlflow/runs/log-batch'))).toBe(true);
    expect(routes.some((route) => route.url.includes('/mlflow-artifacts/artifacts/*'))).toBe(true);
    // Registry routes are declared with request schemas too, so they get schema-derived defects.
    const registryRoutes = routes.filter((route) => /\/mlflow\/(registered-models|model-versions)\//.test(route.url));
    expect(registryRoutes.length).toBeGreaterThanOrEqual(21);
    expect(registryRoutes.filter((route) => route.documentation.request === undefined)).toEqual([]);

    const failures: string[] = [];
    const perRoute = new Map<string, number>();
    const byStatus = new Map<string, number>();
    for (let i = 0; i < requests; i += 1) {
      const route = routes[i % routes.length]!;
      const generated = generate(route, routes, world);
      const request = withAuth ? withCredentials(generated, route) : generated;
      const what = `${request.method} ${request.url.slice(0, 300)} [${request.defect}]`;
      const response = await withTimeout(
        app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) }),
        what,
      );
      perRoute.set(`${route.method} ${route.url}`, (perRoute.get(`${route.method} ${route.url}`) ?? 0) + 1);
      const statusKey = `${response.statusCode} ${request.defect.replace(/[ =].*/, '')}`;
      byStatus.set(statusKey, (byStatus.get(statusKey) ?? 0) + 1);
      let problem: string | undefined;
      if (response.statusCode < 400 || response.statusCode >= 500) problem = `status ${response.statusCode}`;
      else if (request.expectStatus !== undefined && response.statusCode !== request.expectStatus) problem = `status ${response.statusCode}, expected ${request.expectStatus}`;
      else {
        try {
          const body = JSON.parse(response.body) as { error_code?: unknown; message?: unknown };
          if (!isErrorCode(body.error_code)) problem = `error_code ${String(body.error_code)}`;
          else if (typeof body.message !== 'string' || body.message === '') problem = 'no message';
          else if (Object.keys(body).length !== 2) problem = `extra fields ${Object.keys(body).join(',')}`;
        } catch {
          problem = 'body is not JSON';
        }
      }
      if (problem !== undefined && failures.length < 40) failures.push(`${what} -> ${problem}: ${response.body.slice(0, 300)}`);
    }
    if (process.env.ORRERY_FUZZ_REPORT) console.log([...byStatus].sort().map(([key, count]) => `${key}: ${count}`).join('\n'), `\nroutes: ${routes.length}`);
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(perRoute.size).toBe(routes.length);
  }, 120_000);
});
