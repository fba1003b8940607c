/**
 * Container set-up for tests that run against Azurite, kept beside the plugin so that
 * `@azure/storage-blob` resolves from the plugin's dependencies (also for test/artifacts-e2e).
 */
import { BlobServiceClient } from '@azure/storage-blob';

export interface AzuriteContainers {
  /** Creates a container named `<label>-<unique suffix>` and returns its name. */
  create(label: string): Promise<string>;
  /** Every blob name in a container, sorted. */
  blobNames(container: string): Promise<string[]>;
  remove(container: string): Promise<void>;
}

export function azuriteContainers(connectionString: string): AzuriteContainers {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  let counter = 0;
  return {
    async create(label) {
      counter += 1;
      const name = `${label}-${process.pid}-${Date.now()}-${counter}`.toLowerCase();
      await service.createContainer(name);
      return name;
    },
    async blobNames(container) {
      const names: string[] = [];
      for await (const blob of service.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
      return names.sort();
    },
    async remove(container) {
      await service.deleteContainer(container);
    },
  };
}
