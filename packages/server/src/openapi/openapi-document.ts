/**
 * The OpenAPI 3.1 document of the server, built from the registered routes and the same message
 * schemas the responses are serialized with (OpenAPI 3.1 uses JSON Schema 2020-12 as is, so the
 * schemas need no translation). Named messages become `components.schemas` entries and are
 * referenced by `$ref`.
 */
import { ErrorResponse, MESSAGE_SCHEMAS, type JsonSchema } from '../schemas/message-schemas.js';
import type { RouteInfo } from '../route-catalog.js';

/** Where the document is served. */
export const OPENAPI_PATH = '/api/2.0/openapi.json';

type Json = Record<string, unknown>;

const API_PREFIX = '/api/2.0';
const AJAX_PREFIX = '/ajax-api/2.0';

const namesBySchema = new Map<JsonSchema, string>(Object.entries(MESSAGE_SCHEMAS).map(([name, schema]) => [schema, name]));

/** A copy of `schema` with every named message below the top replaced by a `$ref`. */
function withRefs(schema: JsonSchema, top = true): Json {
  const name = namesBySchema.get(schema);
  if (!top && name !== undefined) return { $ref: `#/components/schemas/${name}` };
  const copy: Json = { ...schema };
  if (schema.properties) {
    copy.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, withRefs(value, false)]));
  }
  if (schema.items) copy.items = withRefs(schema.items, false);
  if (schema.anyOf) copy.anyOf = schema.anyOf.map((item) => withRefs(item, false));
  return copy;
}

/** A schema for a response or request body: a reference when it is a named message. */
function bodySchema(schema: JsonSchema): Json {
  return withRefs(schema, false);
}

/** Fastify's `*` (the rest of the path) as an OpenAPI path parameter. */
function openApiPath(url: string): { path: string; pathParameters: Json[] } {
  if (!url.endsWith('*')) return { path: url, pathParameters: [] };
  return {
    path: `${url.slice(0, -1)}{path}`,
    pathParameters: [
      {
        name: 'path',
        in: 'path',
        required: true,
        description: 'Artifact path below the root; may contain `/` (sent as is, or percent-encoded). `..`, absolute paths, backslashes and NUL bytes are refused.',
        schema: { type: 'string' },
      },
    ],
  };
}

function tagOf(route: RouteInfo): string {
  if (route.documentation.tag) return route.documentation.tag;
  const match = /\/(mlflow|mlflow-artifacts)\/([^/]+)/.exec(route.url);
  if (match?.[1] === 'mlflow-artifacts') return 'artifact proxy';
  if (match?.[2] !== undefined) return match[2];
  return 'server';
}

/** Query parameters of a GET route, one per request field (repeated fields repeat the parameter). */
function queryParameters(request: JsonSchema): Json[] {
  const required = new Set(request.required ?? []);
  return Object.entries(request.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(schema.type === 'array' ? { explode: true } : {}),
    schema: withRefs(schema, false),
    ...(schema.description ? { description: schema.description } : {}),
  }));
}

function operation(route: RouteInfo): Json {
  const doc = route.documentation;
  const { pathParameters } = openApiPath(route.url);
  const parameters: Json[] = [...pathParameters];
  const op: Json = {
    tags: [tagOf(route)],
    summary: doc.summary ?? `${route.method} ${route.url}`,
    operationId: `${route.method.toLowerCase()}${route.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
  };
  if (doc.request !== undefined) {
    if ((doc.requestIn ?? (route.method === 'GET' ? 'query' : 'body')) === 'query') parameters.push(...queryParameters(doc.request));
    else op.requestBody = { required: true, content: { 'application/json': { schema: bodySchema(doc.request) } } };
  } else if (doc.rawBody !== undefined) {
    op.requestBody = { required: true, content: { [doc.rawBody]: { schema: { type: 'string', format: 'binary' } } } };
  }
  if (parameters.length > 0) op.parameters = parameters;
  const ok =
    doc.rawResponse !== undefined
      ? { description: 'OK', content: { [doc.rawResponse]: { schema: { type: 'string', ...(doc.rawResponse.startsWith('text/') ? {} : { format: 'binary' }) } } } }
      : route.response !== undefined
        ? { description: 'OK', content: { 'application/json': { schema: bodySchema(route.response) } } }
        : { description: 'OK' };
  const error = { description: 'An MLflow error', content: { 'application/json': { schema: bodySchema(ErrorResponse) } } };
  op.responses = { '200': ok, '4XX': error, '5XX': error };
  return op;
}

/**
 * Builds the document from the server's routes. `auth`: the server runs the basic-auth app, so
 * every operation but `/health` states HTTP Basic or a bearer token as its security.
 */
export function buildOpenApiDocument(routes: readonly RouteInfo[], version: string, options: { auth?: boolean } = {}): Json {
  const paths: Record<string, Json> = {};
  const served = new Set(routes.map((route) => `${route.method} ${route.url}`));
  for (const route of routes) {
    if (route.documentation.hide) continue;
    // The web UI's `/ajax-api` copy of a route is stated once in the description, not listed twice.
    if (route.url.startsWith(AJAX_PREFIX) && served.has(`${route.method} ${API_PREFIX}${route.url.slice(AJAX_PREFIX.length)}`)) continue;
    const { path } = openApiPath(route.url);
    const item = (paths[path] ??= {});
    const op = operation(route);
    if (options.auth && route.url === '/health') op.security = [];
    item[route.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Orrery tracking server',
      version,
      description:
        "MLflow's REST API 2.0 (tracking, model registry and artifact proxy) as served by `orrery server`. Every `/api/2.0` route is also served under `/ajax-api/2.0`. int64 request fields take numbers or decimal strings; doubles take numbers, decimal strings and \"NaN\", \"Infinity\", \"-Infinity\".",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    paths,
    ...(options.auth ? { security: [{ basicAuth: [] }, { bearerAuth: [] }] } : {}),
    components: {
      schemas: Object.fromEntries(Object.entries(MESSAGE_SCHEMAS).map(([name, schema]) => [name, withRefs(schema)])),
      ...(options.auth
        ? {
            securitySchemes: {
              basicAuth: { type: 'http', scheme: 'basic', description: 'A user of the basic-auth app (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD).' },
              bearerAuth: { type: 'http', scheme: 'bearer', description: 'An Orrery API token, orr_<id>_<secret> (MLFLOW_TRACKING_TOKEN).' },
            },
          }
        : {}),
    },
  };
}
