export { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';
export type { AzureBlobArtifactRepositoryOptions } from './azure-blob-artifact-repository.js';
export { parseAzureBlobUri, formatWasbsUri, isAzureBlobUri } from './azure-blob-uri.js';
export type { AzureBlobLocation } from './azure-blob-uri.js';
export { createBlobClient, parseConnectionString } from './azure-credentials.js';
export type { AzureBlobClientSetup, AzureCredentialSource } from './azure-credentials.js';
export { translateAzureError, scrubSecrets, isTransient } from './azure-blob-errors.js';
export { default as azureBlobArtifactRepositoryDefinition, AZURE_BLOB_OPTIONS } from './azure-blob-plugin.js';
