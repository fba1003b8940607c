import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errors, type ArtifactRepository, type TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { createServer } from '@orrery/server';
import type { OpenedTrackingStore } from '@orrery/testkit';
import { RestTrackingStore } from '../../src/rest/index.js';

/** A live `orrery server` on 127.0.0.1 (random port) over a fresh SQLite file and artifact folder. */
export interface LiveServer {
  url: string;
  store: TrackingStore;
  defaultArtifactRoot: string;
  close(): Promise<void>;
}

export async function startLiveServer(options: { defaultArtifactRoot?: (dir: string) => string } = {}): Promise<LiveServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orrery-rest-'));
  const defaultArtifactRoot = options.defaultArtifactRoot?.(dir) ?? pathToFileURL(path.join(dir, 'run-artifacts')).href;
  const store = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot });
  const app = createServer({
    trackingStore: store,
    openArtifactRepository: async (uri: string): Promise<ArtifactRepository> => {
      if (!uri.startsWith('file:')) throw errors.invalidParameter(`test server: cannot open ${uri}`);
      return new LocalArtifactRepository(uri);
    },
    artifactsDestination: pathToFileURL(path.join(dir, 'proxied')).href,
    defaultArtifactRoot,
    // Fails any response whose schema would drop or coerce a field.
    verifyResponseSchemas: true,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    store,
    defaultArtifactRoot,
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A suite's `open`: a REST tracking store (no retries) talking to a fresh live server. */
export async function openRestThroughLiveServer(): Promise<OpenedTrackingStore> {
  const server = await startLiveServer();
  return {
    store: new RestTrackingStore(server.url, { maxRetries: 0 }),
    defaultArtifactRoot: server.defaultArtifactRoot,
    cleanup: () => server.close(),
  };
}
