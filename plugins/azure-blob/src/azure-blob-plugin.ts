import { defineArtifactRepository, type PluginOptionsSchema } from '@orrery/core';
import { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';

/**
 * The Azure Blob plugin's options: the configuration file's `plugins["@orrery/plugin-azure-blob"]`,
 * each falling back to the variable Azure's tools use. Without either, the SDK's default
 * credential chain (managed identity, `AZURE_CLIENT_ID`, ...) applies.
 */
export const AZURE_BLOB_OPTIONS: PluginOptionsSchema = {
  connectionString: { type: 'string', env: 'AZURE_STORAGE_CONNECTION_STRING', secret: true, description: 'A storage account connection string.' },
  accessKey: { type: 'string', env: 'AZURE_STORAGE_ACCESS_KEY', secret: true, description: "The storage account's access key." },
};

/**
 * The Azure Blob artifact repository, for `wasbs://<container>@<account>.blob.core.windows.net/<path>`
 * and for the blob service's own `https://<account>.blob.core.windows.net/<container>/<path>` form
 * in the public, China and US Government clouds. `https` is claimed for those hosts only (the same
 * claims as package.json, which discovery reads): every other https URI stays with the REST client.
 */
export default defineArtifactRepository({
  schemes: ['wasbs'],
  hostPatterns: ['https://*.blob.core.windows.net', 'https://*.blob.core.chinacloudapi.cn', 'https://*.blob.core.usgovcloudapi.net'],
  options: AZURE_BLOB_OPTIONS,
  async create({ uri, logger, options }) {
    // The credentials in the form the credential code reads; created without options (a unit test), it reads process.env.
    const env =
      options === undefined
        ? undefined
        : { AZURE_STORAGE_CONNECTION_STRING: options.connectionString as string | undefined, AZURE_STORAGE_ACCESS_KEY: options.accessKey as string | undefined };
    return new AzureBlobArtifactRepository(uri, { logger, ...(env !== undefined ? { env } : {}) });
  },
});
