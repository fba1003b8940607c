import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { errors } from '@orrery/core';
import type { AzureBlobLocation } from './azure-blob-uri.js';

/** Which credential a client was made with, in MLflow's order of preference. */
export type AzureCredentialSource = 'connection-string' | 'access-key' | 'default-azure-credential';

/** A blob service client for one location, with what it needs to sign and to keep secrets out of messages. */
export interface AzureBlobClientSetup {
  service: BlobServiceClient;
  source: AzureCredentialSource;
  /** The account key, when one is known: needed to sign SAS URLs for multipart uploads. */
  sharedKey?: StorageSharedKeyCredential;
  /** Every secret value in play (account key, SAS, connection string): scrubbed from any message. */
  secrets: string[];
}

/** The `key=value;` pairs of a connection string (keys compared case-insensitively, values kept as given). */
export function parseConnectionString(connectionString: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return fields;
}

/**
 * Makes the blob service client for `location`, taking credentials in MLflow's order:
 * `AZURE_STORAGE_CONNECTION_STRING` (which may also name the endpoint: Azurite's
 * `UseDevelopmentStorage=true`, an explicit `BlobEndpoint`, a sovereign cloud's `EndpointSuffix`),
 * else `AZURE_STORAGE_ACCESS_KEY` for the URI's account, else `DefaultAzureCredential`
 * (environment, workload identity, managed identity, Azure CLI, ...).
 *
 * A connection string for another account than the URI's is refused rather than silently used.
 * Messages never include the key, the SAS or the connection string.
 */
export function createBlobClient(
  location: AzureBlobLocation,
  env: NodeJS.ProcessEnv,
  pipeline: StoragePipelineOptions,
): AzureBlobClientSetup {
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING?.trim();
  if (connectionString) {
    const fields = parseConnectionString(connectionString);
    const developmentStorage = fields.get('usedevelopmentstorage')?.toLowerCase() === 'true';
    const accountName = developmentStorage ? 'devstoreaccount1' : fields.get('accountname');
    if (accountName !== undefined && accountName !== location.account) {
      throw errors.invalidParameter(
        `AZURE_STORAGE_CONNECTION_STRING is for storage account '${accountName}', but the artifact URI names account '${location.account}'.`,
      );
    }
    const secrets = [connectionString, fields.get('accountkey'), fields.get('sharedaccesssignature')].filter(
      (value): value is string => value !== undefined && value !== '',
    );
    let service: BlobServiceClient;
    try {
      service = BlobServiceClient.fromConnectionString(connectionString, pipeline);
    } catch {
      // The SDK's own message may quote the connection string.
      throw errors.invalidParameter(
        'AZURE_STORAGE_CONNECTION_STRING is not a valid Azure Storage connection string ' +
          '(expected e.g. AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net, or UseDevelopmentStorage=true).',
      );
    }
    const setup: AzureBlobClientSetup = { service, source: 'connection-string', secrets };
    if (service.credential instanceof StorageSharedKeyCredential) setup.sharedKey = service.credential;
    return setup;
  }

  const accessKey = env.AZURE_STORAGE_ACCESS_KEY?.trim();
  if (accessKey) {
    let sharedKey: StorageSharedKeyCredential;
    try {
      sharedKey = new StorageSharedKeyCredential(location.account, accessKey);
    } catch {
      throw errors.invalidParameter('AZURE_STORAGE_ACCESS_KEY is not a valid base64 storage account key.');
    }
    return {
      service: new BlobServiceClient(location.accountUrl, sharedKey, pipeline),
      source: 'access-key',
      sharedKey,
      secrets: [accessKey],
    };
  }

  return {
    service: new BlobServiceClient(location.accountUrl, new DefaultAzureCredential(), pipeline),
    source: 'default-azure-credential',
    secrets: [],
  };
}
