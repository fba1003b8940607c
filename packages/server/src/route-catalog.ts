/**
 * Every route the server answers, as registered: the source of the OpenAPI document and the list
 * the fuzz test walks. Routes are collected with an `onRoute` hook, so routes added by any plugin
 * scope (tracking, artifact proxy, registry) are listed without being named here.
 */
import type { FastifyInstance } from 'fastify';
import type { JsonSchema } from './schemas/message-schemas.js';

/** What a route tells the OpenAPI document beyond its method and URL (in the route's `config.openapi`). */
export interface RouteDocumentation {
  summary?: string;
  /** Grouping in the document, e.g. `experiments`, `artifacts`. */
  tag?: string;
  /** The request message. */
  request?: JsonSchema;
  /** Where the request's fields are read from: the JSON body or the query string. */
  requestIn?: 'body' | 'query';
  /** The request body when it is not JSON (artifact uploads): its media type. */
  rawBody?: string;
  /** The response when it is not JSON (downloads, `/health`): its media type. */
  rawResponse?: string;
  /** Leave the route out of the document (e.g. the document itself). */
  hide?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Documentation of the route for the OpenAPI document. */
    openapi?: RouteDocumentation;
  }
}

/** One registered route. */
export interface RouteInfo {
  method: string;
  /** Fastify's URL pattern; `*` is the rest of the path (artifact paths). */
  url: string;
  /** The schema of the 200 response, when the route has one. */
  response?: JsonSchema;
  documentation: RouteDocumentation;
}

const catalogs = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Starts collecting the routes of `app`; call before any route is added. */
export function collectRoutes(app: FastifyInstance): void {
  const routes: RouteInfo[] = [];
  catalogs.set(app, routes);
  app.addHook('onRoute', (options) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    const response = (options.schema?.response as Record<string, unknown> | undefined)?.['200'] as JsonSchema | undefined;
    for (const method of methods) {
      // Fastify adds a HEAD twin to every GET route; it answers the same and is not listed.
      if (method === 'HEAD') continue;
      routes.push({
        method,
        url: options.url,
        ...(response !== undefined ? { response } : {}),
        documentation: options.config?.openapi ?? {},
      });
    }
  });
}

/** The routes of a server made by `createServer`, in registration order (complete once it is ready). */
export function serverRoutes(app: FastifyInstance): readonly RouteInfo[] {
  return catalogs.get(app) ?? [];
}
