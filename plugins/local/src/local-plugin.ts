import { defineArtifactRepository } from '@orrery/core';
import { LocalArtifactRepository } from './local-artifact-repository.js';

/** The `file` artifact repository: `file://` URIs and plain local paths. */
export default defineArtifactRepository({
  schemes: ['file'],
  async create({ uri }) {
    return new LocalArtifactRepository(uri);
  },
});
