import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '@orrery/core';
import { AzureBlobArtifactRepository } from '@orrery/plugin-azure-blob';
import { AZURITE_ACCOUNT, hashStream, startAzurite, type StartedAzurite } from '@orrery/testkit';

const MiB = 1024 * 1024;

/** A logger that keeps what it is given, to check what a user would see. */
function capturingLogger(lines: string[]): Logger {
  const record = (level: string) => (obj: object | string, msg?: string) => {
    lines.push(`${level} ${typeof obj === 'string' ? obj : JSON.stringify(obj)} ${msg ?? ''}`);
  };
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error'), child: () => logger };
  return logger;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// A private Azurite that persists to disk, so it can be stopped and started again on the same
// port mid-upload without losing the container.
describe('Azure Blob repository when Azurite stops mid-upload', () => {
  let dir: string;
  let azurite: StartedAzurite;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-azurite-fault-'));
    azurite = await startAzurite({ location: path.join(dir, 'azurite') });
  });

  afterEach(async () => {
    await azurite?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('uploads the file again once Azurite is back, and the stored blob is whole', { timeout: 120_000 }, async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await service.createContainer('fault');
    const content = randomBytes(24 * MiB);
    const local = path.join(dir, 'weights.bin');
    await fs.writeFile(local, content);

    const lines: string[] = [];
    const repo = new AzureBlobArtifactRepository(`wasbs://fault@${AZURITE_ACCOUNT}.blob.core.windows.net/runs/1/artifacts`, {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
      logger: capturingLogger(lines),
      // Small blocks, few in flight and no request-level retries: the outage hits the upload in
      // the middle, and only the repository's whole-file retry can finish it.
      blockSize: 256 * 1024,
      fileConcurrency: 2,
      requestTries: 1,
      fileAttempts: 8,
      fileRetryDelayMs: 300,
    });
    const blob = service.getContainerClient('fault').getBlockBlobClient('runs/1/artifacts/model/weights.bin');

    const upload = repo.logArtifact(local, 'model');
    const outcome = upload.then(
      () => 'done',
      (error: unknown) => error,
    );
    // Stop Azurite once some blocks are staged but the blob is not committed yet.
    await waitFor(async () => {
      const blocks = await blob.getBlockList('uncommitted').catch(() => undefined);
      return (blocks?.uncommittedBlocks?.length ?? 0) >= 4;
    }, 60_000);
    const port = azurite.port;
    await azurite.stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    azurite = await startAzurite({ port, location: path.join(dir, 'azurite') });

    expect(await outcome).toBe('done');
    expect(await repo.listArtifacts('model')).toEqual([{ path: 'model/weights.bin', isDir: false, fileSize: content.length }]);
    expect(await hashStream(await repo.readArtifactStream('model/weights.bin'))).toEqual({
      sha256: createHash('sha256').update(content).digest('hex'),
      bytes: content.length,
    });
    const retries = lines.filter((line) => line.includes('uploading the file again'));
    expect(retries.length).toBeGreaterThan(0);
    // The retry warnings name the artifact but never the account key.
    const accountKey = /AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!;
    for (const line of lines) expect(line).not.toContain(accountKey);
    expect(retries[0]).toContain('model/weights.bin');
  });
});
