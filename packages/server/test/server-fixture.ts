import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { errors, type ArtifactRepository, type TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { createServer, type CreateServerOptions } from '@orrery/server';

export interface TestServer {
  app: FastifyInstance;
  store: TrackingStore;
  /** Folder holding the database and the proxy's destination. */
  dir: string;
  /** The proxy's destination folder. */
  destinationDir: string;
  /** `http://127.0.0.1:<port>` when started with `listen`. */
  url: string;
  close(): Promise<void>;
}

/** Opens local folders only: the server under test needs no other repositories. */
export async function openLocalRepository(uri: string): Promise<ArtifactRepository> {
  if (!uri.startsWith('file:') && !uri.startsWith('/')) throw errors.invalidParameter(`test server: cannot open ${uri}`);
  return new LocalArtifactRepository(uri);
}

/** A server on a fresh SQLite database, proxying artifacts into a fresh folder (MLflow's default setup). */
export async function startTestServer(
  options: { listen?: boolean } & Pick<CreateServerOptions, 'serveArtifacts' | 'artifactsOnly' | 'logger'> = {},
): Promise<TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orrery-server-'));
  const destinationDir = path.join(dir, 'orrery-artifacts');
  const store = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  const app = createServer({
    trackingStore: store,
    openArtifactRepository: openLocalRepository,
    artifactsDestination: pathToFileURL(destinationDir).href,
    defaultArtifactRoot: 'mlflow-artifacts:/',
    // Fails any response whose schema would drop or coerce a field.
    verifyResponseSchemas: true,
    ...(options.serveArtifacts !== undefined ? { serveArtifacts: options.serveArtifacts } : {}),
    ...(options.artifactsOnly !== undefined ? { artifactsOnly: options.artifactsOnly } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  let url = '';
  if (options.listen) url = await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  return {
    app,
    store,
    dir,
    destinationDir,
    url,
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON through `inject` and returns status and parsed body. */
export async function postJson(app: FastifyInstance, url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: response.statusCode, body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>) };
}

export async function getJson(app: FastifyInstance, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>) };
}
