import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll } from 'vitest';
import { AzureBlobArtifactRepository } from '@orrery/plugin-azure-blob';
import { AZURITE_ACCOUNT, getAzuriteConnectionString, runArtifactRepositoryConformance, type AzuriteConnection } from '@orrery/testkit';

let azurite: AzuriteConnection;
let service: BlobServiceClient;

beforeAll(async () => {
  azurite = await getAzuriteConnectionString();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  await azurite?.stop();
});

/** A fresh container per test, deleted afterwards. */
async function freshContainer(): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const name = `conformance-${randomUUID()}`;
  await service.createContainer(name);
  return { name, cleanup: async () => void (await service.deleteContainer(name)) };
}

// A run's artifact root below the container's root, as the tracking server lays them out.
runArtifactRepositoryConformance({
  name: 'azure-blob (wasbs:// under a prefix, Azurite)',
  open: async () => {
    const { name, cleanup } = await freshContainer();
    const repo = new AzureBlobArtifactRepository(`wasbs://${name}@${AZURITE_ACCOUNT}.blob.core.windows.net/1/0a1b2c/artifacts`, {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    });
    return { repo, cleanup };
  },
});

// The container's root, in the https form; the same implementation, so the volume cases run once above.
runArtifactRepositoryConformance({
  name: 'azure-blob (https:// container root, Azurite)',
  streamBytes: 1024 * 1024,
  largeFile: false,
  manyFiles: false,
  open: async () => {
    const { name, cleanup } = await freshContainer();
    const repo = new AzureBlobArtifactRepository(`https://${AZURITE_ACCOUNT}.blob.core.windows.net/${name}`, {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    });
    return { repo, cleanup };
  },
});
