import { defineArtifactRepository } from '@orrery/core';
import { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';

/**
 * The Azure Blob artifact repository: `wasbs://<container>@<account>.blob.core.windows.net/<path>`.
 * The `https://<account>.blob.core.windows.net/<container>/<path>` form is served by the same
 * repository, but core routes `https` URIs to the REST proxy client, so it is reached through
 * `AzureBlobArtifactRepository` directly (see docs/artifacts.md).
 */
export default defineArtifactRepository({
  schemes: ['wasbs'],
  async create({ uri, logger }) {
    return new AzureBlobArtifactRepository(uri, { logger });
  },
});
