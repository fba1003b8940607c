import { defineArtifactRepository } from '@orrery/core';
import { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';

/**
 * The Azure Blob artifact repository, for `wasbs://<container>@<account>.blob.core.windows.net/<path>`
 * and for the blob service's own `https://<account>.blob.core.windows.net/<container>/<path>` form
 * in the public, China and US Government clouds. `https` is claimed for those hosts only (the same
 * claims as package.json, which discovery reads): every other https URI stays with the REST client.
 */
export default defineArtifactRepository({
  schemes: ['wasbs'],
  hostPatterns: ['https://*.blob.core.windows.net', 'https://*.blob.core.chinacloudapi.cn', 'https://*.blob.core.usgovcloudapi.net'],
  async create({ uri, logger }) {
    return new AzureBlobArtifactRepository(uri, { logger });
  },
});
