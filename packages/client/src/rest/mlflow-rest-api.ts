import type { Page } from '@orrery/core';
import type { RestRequest, RestTransport } from './rest-transport.js';

export type Json = Record<string, unknown>;

/** Where MLflow's REST API 2.0 routes are anchored below a server's base URL. */
export const MLFLOW_API = '/api/2.0/mlflow';

/** Drops undefined fields so that the JSON carries only what was given. */
function defined(fields: Json): Json {
  const result: Json = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) result[key] = value;
  return result;
}

/** A page entity from a list and the `next_page_token` of a response (absent or empty on the last page). */
export function pageOf<T>(items: T[], token: unknown): Page<T> {
  return typeof token === 'string' && token !== '' ? { items, nextPageToken: token } : { items };
}

/**
 * The MLflow REST API 2.0 of one server, as the REST stores call it: GET with query parameters
 * (always idempotent, so retried), and POST/PATCH/DELETE with a JSON body, retried only when the
 * caller says the call is idempotent.
 */
export class MlflowRestApi {
  constructor(readonly transport: RestTransport) {}

  get(endpoint: string, query: RestRequest['query']): Promise<Json> {
    return this.transport.json({ method: 'GET', path: `${MLFLOW_API}/${endpoint}`, query, idempotent: true });
  }

  send(method: 'POST' | 'PATCH' | 'DELETE', endpoint: string, json: Json, idempotent: boolean): Promise<Json> {
    return this.transport.json({ method, path: `${MLFLOW_API}/${endpoint}`, json: defined(json), idempotent });
  }
}
