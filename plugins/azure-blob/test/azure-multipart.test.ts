import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errors, type ArtifactRepository } from '@orrery/core';
import { AzureBlobArtifactRepository } from '@orrery/plugin-azure-blob';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import { AZURITE_ACCOUNT, getAzuriteConnectionString, hashStream, type AzuriteConnection } from '@orrery/testkit';

let azurite: AzuriteConnection;
let service: BlobServiceClient;

beforeAll(async () => {
  azurite = await getAzuriteConnectionString();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  await azurite?.stop();
});

/** PUTs each part's bytes to the URL handed out, as MLflow's client does. */
async function putParts(credentials: Array<{ url: string; headers?: Record<string, string> }>, parts: Buffer[]): Promise<string[]> {
  return Promise.all(
    credentials.map(async (credential, i) => {
      const response = await fetch(credential.url, { method: 'PUT', body: parts[i], headers: credential.headers ?? {} });
      expect(response.status, await response.clone().text()).toBe(201);
      return response.headers.get('etag') ?? '';
    }),
  );
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('Azure Blob multipart upload (staged blocks)', () => {
  let container: string;
  let repo: AzureBlobArtifactRepository;

  beforeEach(async () => {
    container = `mpu-${randomUUID()}`;
    await service.createContainer(container);
    repo = new AzureBlobArtifactRepository(`wasbs://${container}@${AZURITE_ACCOUNT}.blob.core.windows.net/root`, {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    });
  });

  it('publishes the parts in order on completion, and nothing before', async () => {
    await repo.writeArtifactStream('model/big.bin', Readable.from([Buffer.from('previous')]));
    const parts = [randomBytes(300_000), randomBytes(1), randomBytes(123_457)];
    const created = await repo.createMultipartUpload('model/big.bin', parts.length);
    expect(created.credentials.map((c) => c.partNumber)).toEqual([1, 2, 3]);
    const etags = await putParts(created.credentials, parts);
    // Staged blocks are invisible until the commit.
    expect((await hashStream(await repo.readArtifactStream('model/big.bin'))).bytes).toBe(8);

    // The client may report the parts in any order.
    await repo.completeMultipartUpload(
      'model/big.bin',
      created.uploadId,
      [2, 0, 1].map((i) => ({ partNumber: i + 1, etag: etags[i]!, url: created.credentials[i]!.url })),
    );
    const whole = Buffer.concat(parts);
    expect(await hashStream(await repo.readArtifactStream('model/big.bin'))).toEqual({ sha256: sha256(whole), bytes: whole.length });
  });

  it('refuses to complete with a part that was never uploaded, keeping the previous file', async () => {
    await repo.writeArtifactStream('f.bin', Readable.from([Buffer.from('previous')]));
    const created = await repo.createMultipartUpload('f.bin', 2);
    await putParts(created.credentials.slice(0, 1), [randomBytes(10)]);
    await expect(
      repo.completeMultipartUpload('f.bin', created.uploadId, [
        { partNumber: 1, etag: '' },
        { partNumber: 2, etag: '' },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.completeMultipartUpload('f.bin', 'not-an-upload-id', [{ partNumber: 1, etag: '' }])).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
    await repo.abortMultipartUpload('f.bin', created.uploadId);
    expect((await hashStream(await repo.readArtifactStream('f.bin'))).bytes).toBe(8);
  });

  it('hands out URLs that write only their own blob', async () => {
    const created = await repo.createMultipartUpload('only/this.bin', 1);
    const url = created.credentials[0]!.url.replace('/only/this.bin?', '/only/other.bin?');
    const response = await fetch(url, { method: 'PUT', body: Buffer.from('x') });
    expect(response.status).toBe(403);
  });

  it('refuses escaping paths and impossible part counts', async () => {
    await expect(repo.createMultipartUpload('../x', 1)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.createMultipartUpload('x', 0)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.createMultipartUpload('x', 50_001)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });
});

describe('the artifact proxy mpu routes over an Azure Blob destination', () => {
  it('create, PUT the parts, complete, then download the whole file through the proxy', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'orrery-azure-mpu-'));
    const container = `mpu-proxy-${randomUUID()}`;
    await service.createContainer(container);
    const destination = `wasbs://${container}@${AZURITE_ACCOUNT}.blob.core.windows.net/proxied`;
    const store = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot: 'mlflow-artifacts:/' });
    const app = createServer({
      trackingStore: store,
      openArtifactRepository: async (uri: string): Promise<ArtifactRepository> => {
        if (!uri.startsWith('wasbs:')) throw errors.invalidParameter(`test server: cannot open ${uri}`);
        return new AzureBlobArtifactRepository(uri, { env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString } });
      },
      artifactsDestination: destination,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const post = (action: string, body: unknown) =>
        fetch(`${url}/api/2.0/mlflow-artifacts/mpu/${action}/runs/1/model.bin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const createResponse = await post('create', { path: '/tmp/model.bin', num_parts: 2 });
      expect(createResponse.status).toBe(200);
      const created = (await createResponse.json()) as { upload_id: string; credentials: Array<{ url: string; part_number: number; headers: Record<string, string> }> };
      expect(created.credentials.map((c) => c.part_number)).toEqual([1, 2]);
      const parts = [randomBytes(200_000), randomBytes(5_000)];
      const etags = await putParts(created.credentials, parts);
      const complete = await post('complete', {
        path: '/tmp/model.bin',
        upload_id: created.upload_id,
        parts: created.credentials.map((c, i) => ({ part_number: c.part_number, etag: etags[i], url: c.url })),
      });
      expect(complete.status).toBe(200);
      expect(await complete.json()).toEqual({});
      const abort = await post('abort', { path: '/tmp/model.bin', upload_id: created.upload_id });
      expect(abort.status).toBe(200);

      const download = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/runs/1/model.bin`);
      expect(download.status).toBe(200);
      const body = Buffer.from(await download.arrayBuffer());
      expect(sha256(body)).toBe(sha256(Buffer.concat(parts)));
    } finally {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
