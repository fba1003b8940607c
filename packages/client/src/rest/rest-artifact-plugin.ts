import { defineArtifactRepository } from '@orrery/core';
import { RestArtifactRepository } from './rest-artifact-repository.js';
import { transportOptionsFromEnv } from './rest-transport.js';

/** The artifact proxy client for `mlflow-artifacts:` URIs and `http(s)` URIs of a server's proxy routes. */
export default defineArtifactRepository({
  schemes: ['mlflow-artifacts', 'http', 'https'],
  async create({ uri, trackingUri }) {
    return new RestArtifactRepository(uri, { ...transportOptionsFromEnv(), ...(trackingUri !== undefined ? { trackingUri } : {}) });
  },
});
