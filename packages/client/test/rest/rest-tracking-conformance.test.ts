import { runTrackingStoreConformance } from '@orrery/testkit';
import { RestTrackingStore } from '../../src/rest/index.js';
import { startLiveServer } from './live-server.js';

// The suite as every store runs it, here through HTTP: REST store → live server → SQLite store.
runTrackingStoreConformance({
  name: 'rest → orrery server → sqlite',
  open: async () => {
    const server = await startLiveServer();
    return {
      store: new RestTrackingStore(server.url, { maxRetries: 0 }),
      defaultArtifactRoot: server.defaultArtifactRoot,
      cleanup: () => server.close(),
    };
  },
});
