/**
 * A live `orrery server` with the basic-auth app on: SQLite tracking and registry stores in a
 * fresh folder, artifacts proxied into it, and the auth store the caller opens (SQLite,
 * PostgreSQL or Redis). Requests go over HTTP with real credentials.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AuthService, type AuthServiceConfig, type AuthStore, type ModelRegistryStore, type TrackingStore } from '@orrery/core';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import { openLocalRepository } from '../server-fixture.js';

export const ADMIN = { username: 'admin', password: 'admin-pw-1' };

export interface AuthTestServer {
  url: string;
  app: FastifyInstance;
  service: AuthService;
  authStore: AuthStore;
  trackingStore: TrackingStore;
  close(): Promise<void>;
}

export interface Credentials {
  username: string;
  password: string;
}

export async function startAuthTestServer(
  openAuthStore: () => Promise<AuthStore>,
  config: Partial<AuthServiceConfig> = {},
  /** Adds routes before the server starts (tests of the layer itself). */
  addRoutes?: (app: FastifyInstance) => void,
): Promise<AuthTestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orrery-auth-server-'));
  const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
  const trackingStore = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  const registryStore: ModelRegistryStore = await openSqliteModelRegistryStore(uri);
  const authStore = await openAuthStore();
  const service = new AuthService({ store: authStore, config });
  await service.ensureAdmin(ADMIN.username, ADMIN.password);
  const app = createServer({
    trackingStore,
    modelRegistryStore: registryStore,
    openArtifactRepository: openLocalRepository,
    artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
    defaultArtifactRoot: 'mlflow-artifacts:/',
    verifyResponseSchemas: true,
    checkModelVersionSources: false,
    auth: service,
  });
  addRoutes?.(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    service,
    authStore,
    trackingStore,
    async close() {
      await app.close();
      await authStore.close();
      await registryStore.close();
      await trackingStore.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export function basic(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** One HTTP call: GET fields go in the query, others in a JSON body; `as` is Basic credentials or a raw Authorization value. */
export async function call(
  server: { url: string },
  method: string,
  route: string,
  options: { as?: Credentials | string; fields?: Record<string, unknown>; body?: string | Buffer; contentType?: string } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (options.as !== undefined) headers.authorization = typeof options.as === 'string' ? options.as : basic(options.as);
  let url = `${server.url}${route}`;
  let body: string | Buffer | undefined = options.body;
  if (options.fields !== undefined) {
    if (method === 'GET') {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(options.fields)) {
        for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
      }
      url += `?${params.toString()}`;
    } else {
      body = JSON.stringify(options.fields);
      headers['content-type'] = 'application/json';
    }
  }
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (downloads, /health)
  }
  return { status: response.status, headers: response.headers, text, json };
}
