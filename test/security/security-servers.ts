/**
 * Servers for the security reproductions: `createServer` over a real tracking and registry store
 * on SQLite, PostgreSQL or Redis, each in a fresh namespace (file, schema, key prefix), listening
 * on 127.0.0.1 so raw sockets and concurrent requests reach it as they would in production.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelRegistryStore, TrackingStore } from '@orrery/core';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { openPostgresModelRegistryStore, openPostgresTrackingStore } from '@orrery/plugin-postgres';
import { openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';
import { createServer } from '@orrery/server';
import { useTestDatabase } from '../../plugins/postgres/test/postgres-test-helpers.js';
import { sharedRedis } from '../../plugins/redis/test/redis-service-helpers.js';
import { openLocalRepository } from '../../packages/server/test/server-fixture.js';

export type SecurityBackend = 'sqlite' | 'postgres' | 'redis';
export const SECURITY_BACKENDS: readonly SecurityBackend[] = ['sqlite', 'postgres', 'redis'];

export interface SecurityServer {
  app: ReturnType<typeof createServer>;
  url: string;
  trackingStore: TrackingStore;
  registryStore: ModelRegistryStore;
  /** The stores' URI (a fresh file, schema or key prefix). */
  storeUri: string;
  close(): Promise<void>;
}

export interface SecurityServerOptions {
  /** Wraps the tracking store the server uses (to observe calls); the returned store is served. */
  wrapTrackingStore?: (store: TrackingStore) => TrackingStore;
}

export interface SecurityServerFactory {
  start(backend: SecurityBackend, options?: SecurityServerOptions): Promise<SecurityServer>;
}

/**
 * Call at the top of a test file: registers the hooks that fetch the PostgreSQL and Redis test
 * services, and returns a factory for servers on any backend.
 */
export function securityServers(): SecurityServerFactory {
  const postgres = useTestDatabase();
  const redis = sharedRedis();
  return {
    async start(backend, options = {}) {
      const dir = await mkdtemp(path.join(tmpdir(), `orrery-security-${backend}-`));
      const defaultArtifactRoot = 'mlflow-artifacts:/';
      let trackingStore: TrackingStore;
      let registryStore: ModelRegistryStore;
      let cleanup: () => Promise<void> = async () => {};
      let uri: string;
      if (backend === 'sqlite') {
        uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
        trackingStore = await openSqliteTrackingStore(uri, { defaultArtifactRoot });
        registryStore = await openSqliteModelRegistryStore(uri);
      } else if (backend === 'postgres') {
        uri = postgres.freshSchemaUri();
        trackingStore = await openPostgresTrackingStore(uri, { defaultArtifactRoot });
        registryStore = await openPostgresModelRegistryStore(uri);
      } else {
        const namespace = redis.namespace('security');
        uri = namespace.url;
        trackingStore = await openRedisTrackingStore(namespace.url, { defaultArtifactRoot });
        registryStore = await openRedisModelRegistryStore(namespace.url);
        cleanup = namespace.cleanup;
      }
      const app = createServer({
        trackingStore: options.wrapTrackingStore ? options.wrapTrackingStore(trackingStore) : trackingStore,
        modelRegistryStore: registryStore,
        openArtifactRepository: openLocalRepository,
        artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
        defaultArtifactRoot,
      });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return {
        app,
        url,
        trackingStore,
        registryStore,
        storeUri: uri,
        async close() {
          await app.close();
          await trackingStore.close();
          await registryStore.close();
          await cleanup();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** POSTs (or GETs, with `method`) JSON to the live server and returns status and parsed body. */
export async function callJson(
  server: { url: string },
  route: string,
  body?: unknown,
  method: 'POST' | 'GET' | 'PATCH' | 'DELETE' = 'POST',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
