import { defineArtifactRepository } from '@orrery/core';
import { RestArtifactRepository } from './rest-artifact-repository.js';

/** The artifact proxy client for `mlflow-artifacts:` URIs and `http(s)` URIs of a server's proxy routes. */
export default defineArtifactRepository({
  schemes: ['mlflow-artifacts', 'http', 'https'],
  async create({ uri }) {
    return new RestArtifactRepository(uri);
  },
});
