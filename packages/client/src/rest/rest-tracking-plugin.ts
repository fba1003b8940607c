import { defineTrackingStore } from '@orrery/core';
import { setDefaultArtifactServer } from './rest-artifact-repository.js';
import { RestTrackingStore } from './rest-tracking-store.js';

/** The REST tracking store for `http(s)://` tracking URIs (an `orrery server` or MLflow server). */
export default defineTrackingStore({
  schemes: ['http', 'https'],
  async create({ uri }) {
    // Runs on this server keep their artifacts at `mlflow-artifacts:/...`, served by the same server.
    setDefaultArtifactServer(uri);
    return new RestTrackingStore(uri);
  },
});
