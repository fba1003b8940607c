import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { runArtifactRepositoryConformance } from '@orrery/testkit';
import { RestArtifactRepository } from '../../src/rest/index.js';
import { startLiveServer, type LiveServer } from './live-server.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startLiveServer();
});
afterAll(async () => {
  await server.close();
});

// REST repository → live server's artifact proxy → local folder, each test under a fresh root.
runArtifactRepositoryConformance({
  name: 'rest (mlflow-artifacts://host) → orrery server proxy → local',
  open: async () => {
    const host = new URL(server.url).host;
    return { repo: new RestArtifactRepository(`mlflow-artifacts://${host}/roots/${randomUUID()}`, { maxRetries: 0 }) };
  },
});

runArtifactRepositoryConformance({
  name: 'rest (http proxy URI) → orrery server proxy → local',
  streamBytes: 1024 * 1024,
  open: async () => ({
    repo: new RestArtifactRepository(`${server.url}/api/2.0/mlflow-artifacts/artifacts/http-roots/${randomUUID()}`, { maxRetries: 0 }),
  }),
});
