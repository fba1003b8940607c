/**
 * The one route model of the JSON API: every tracking, registry and auth route is declared as a
 * `DeclaredRoute` (method, path, request and response messages, handler) in its table, and
 * registered by `registerDeclaredRoutes`, which gives each route its response serializer and its
 * OpenAPI documentation from the declaration. Handlers see the request through a `RequestReader`
 * and return the response object in MLflow's JSON form (or a `StreamedJson` for very long answers).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonSchema } from '../schemas/message-schemas.js';
import { RequestReader } from '../wire/request-reader.js';
import { StreamedJson } from './streamed-json.js';

/** The methods of the JSON API's routes. */
export type ApiHttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One route of the JSON API, as its table declares it. */
export interface DeclaredRoute<Context, Response = Record<string, unknown>> {
  method: ApiHttpMethod;
  /** Path below the API prefix, e.g. `/mlflow/runs/get`. */
  path: string;
  /** Largest accepted JSON body in bytes; default the server's. */
  bodyLimit?: number;
  /** One line for the OpenAPI document. */
  summary: string;
  /**
   * The request message: fields of the query string (GET) or of the JSON body (POST, PATCH;
   * DELETE too, though a DELETE sent without a body is read from its query string).
   */
  request: JsonSchema;
  /** The response message; responses are serialized with it (fast-json-stringify). */
  response: JsonSchema;
  handle(request: RequestReader, context: Context): Promise<Response>;
}

/**
 * Where a request's fields are: the query for GET; for DELETE the JSON body when one was sent
 * (MLflow's Python client) and the query otherwise (clients that send no body with DELETE).
 */
export function requestReaderFor(request: FastifyRequest): RequestReader {
  const query = request.query as Record<string, string[]>;
  if (request.method === 'GET') return RequestReader.fromQuery(query);
  const body = request.body as Record<string, unknown> | undefined;
  if (request.method === 'DELETE' && (body === undefined || Object.keys(body).length === 0)) return RequestReader.fromQuery(query);
  return RequestReader.fromJson(body ?? {});
}

/**
 * Adds `routes` under `prefix` to a scope that already parses JSON bodies. `contextOf` gives the
 * handler's context for one request; `tagOf` the OpenAPI tag when the path does not say it.
 */
export function registerDeclaredRoutes<Context>(
  scope: FastifyInstance,
  prefix: string,
  routes: ReadonlyArray<DeclaredRoute<Context, Record<string, unknown> | StreamedJson>>,
  contextOf: (request: FastifyRequest) => Context,
  tagOf?: (route: DeclaredRoute<Context, Record<string, unknown> | StreamedJson>) => string | undefined,
): void {
  for (const route of routes) {
    const tag = tagOf?.(route);
    scope.route({
      method: route.method,
      url: `${prefix}${route.path}`,
      ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
      schema: { response: { 200: route.response } },
      config: {
        openapi: { summary: route.summary, ...(tag !== undefined ? { tag } : {}), request: route.request, requestIn: route.method === 'GET' ? 'query' : 'body' },
      },
      handler: async (request, reply) => {
        const response = await route.handle(requestReaderFor(request), contextOf(request));
        if (response instanceof StreamedJson) return reply.type('application/json').send(Readable.from(response.chunks));
        // Serialized by the route's response schema (fast-json-stringify), sent as text so the
        // content type stays MLflow's bare `application/json`.
        return reply.type('application/json').send(reply.serialize(response));
      },
    });
  }
}
