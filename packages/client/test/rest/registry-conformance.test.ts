import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import { runModelRegistryStoreConformance } from '@orrery/testkit';
import { RestModelRegistryStore } from '../../src/rest/index.js';

// The suite as every registry store runs it, here through HTTP: REST store → live server → SQLite.
runModelRegistryStoreConformance({
  name: 'rest → orrery server → sqlite',
  open: async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'orrery-rest-registry-'));
    const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
    const trackingStore = await openSqliteTrackingStore(uri, { defaultArtifactRoot: `file://${dir}/artifacts` });
    const registryStore = await openSqliteModelRegistryStore(uri);
    const app = createServer({
      trackingStore,
      modelRegistryStore: registryStore,
      serveArtifacts: false,
      // The suite registers sources such as file:///data/models/... without runs, which the
      // server refuses by default (as MLflow's does); the store's semantics are what is tested.
      checkModelVersionSources: false,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      store: new RestModelRegistryStore(url, { maxRetries: 0 }),
      cleanup: async () => {
        await app.close();
        await registryStore.close();
        await trackingStore.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});
