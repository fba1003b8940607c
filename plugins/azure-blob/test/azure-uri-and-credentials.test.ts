import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isOrreryError, redactUri } from '@orrery/core';
import {
  AzureBlobArtifactRepository,
  azureBlobArtifactRepositoryDefinition,
  createBlobClient,
  parseAzureBlobUri,
  translateAzureError,
} from '@orrery/plugin-azure-blob';
import { AZURITE_ACCOUNT, getAzuriteConnectionString } from '@orrery/testkit';

const KEY = Buffer.from('a made-up storage account key, secret all the same').toString('base64');

function codeAndMessage(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    return { code: 'not an OrreryError', message: String(error) };
  }
  return { code: 'no error', message: '' };
}

describe('Azure Blob URIs', () => {
  it("parses MLflow's wasbs form and the https form to the same location", () => {
    const wasbs = parseAzureBlobUri('wasbs://models@mlstore.blob.core.windows.net/1/abc/artifacts');
    expect(wasbs).toEqual({
      account: 'mlstore',
      container: 'models',
      endpointSuffix: 'blob.core.windows.net',
      prefix: '1/abc/artifacts',
      accountUrl: 'https://mlstore.blob.core.windows.net',
    });
    expect(parseAzureBlobUri('https://mlstore.blob.core.windows.net/models/1/abc/artifacts/')).toEqual(wasbs);
    expect(parseAzureBlobUri('wasbs://models@mlstore.blob.core.chinacloudapi.cn').prefix).toBe('');
    expect(parseAzureBlobUri('wasbs://models@mlstore.blob.core.chinacloudapi.cn/').accountUrl).toBe('https://mlstore.blob.core.chinacloudapi.cn');
    // Paths are literal: never percent-decoded.
    expect(parseAzureBlobUri('wasbs://models@mlstore.blob.core.windows.net/a%20b/c d').prefix).toBe('a%20b/c d');
  });

  it.each([
    ['wasb://models@mlstore.blob.core.windows.net/x', 'wasbs://'],
    ['wasbs://mlstore.blob.core.windows.net/x', 'expected wasbs://'],
    ['wasbs://models@ML_Store.blob.core.windows.net/x', 'storage account name'],
    ['wasbs://Models!@mlstore.blob.core.windows.net/x', 'container name'],
    ['wasbs://models@mlstore.blob.core.windows.net/a/../../x', 'not a valid artifact path'],
    ['wasbs://models@mlstore.blob.core.windows.net/%2e%2e/x', 'not a valid artifact path'],
    ['https://mlstore.blob.core.windows.net/models/x?sv=2024&sig=SECRETSIG', 'query string'],
    ['wasbs://models:SECRETPASS@mlstore.blob.core.windows.net/x', 'credentials'],
  ])('refuses %s, naming the rule and never showing secrets', (uri, rule) => {
    const { code, message } = codeAndMessage(() => parseAzureBlobUri(uri));
    expect(code).toBe('INVALID_PARAMETER_VALUE');
    expect(message).toContain(rule);
    expect(message).not.toContain('SECRETSIG');
    expect(message).not.toContain('SECRETPASS');
  });

  it('claims wasbs, and https for Azure blob hosts only, in its definition as in its package.json', () => {
    expect(azureBlobArtifactRepositoryDefinition.kind).toBe('artifactRepository');
    expect(azureBlobArtifactRepositoryDefinition.schemes).toEqual(['wasbs']);
    expect(azureBlobArtifactRepositoryDefinition.hostPatterns).toEqual([
      'https://*.blob.core.windows.net',
      'https://*.blob.core.chinacloudapi.cn',
      'https://*.blob.core.usgovcloudapi.net',
    ]);
    // Discovery reads package.json without importing the plugin: both must claim the same keys.
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { orrery: { artifactRepository: Record<string, string> } };
    expect(Object.keys(manifest.orrery.artifactRepository).sort()).toEqual(
      [...azureBlobArtifactRepositoryDefinition.schemes, ...(azureBlobArtifactRepositoryDefinition.hostPatterns ?? [])].sort(),
    );
    // Every claimed host is one the URI parser accepts.
    for (const pattern of azureBlobArtifactRepositoryDefinition.hostPatterns ?? []) {
      const uri = `${pattern.replace('*', 'mlstore')}/models/x`;
      expect(parseAzureBlobUri(uri)).toMatchObject({ account: 'mlstore', container: 'models', prefix: 'x' });
    }
  });
});

describe('Azure credentials, in MLflow order', () => {
  const location = parseAzureBlobUri(`wasbs://models@${AZURITE_ACCOUNT}.blob.core.windows.net/x`);

  it('takes the connection string first, then the access key, then DefaultAzureCredential', () => {
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:1/${AZURITE_ACCOUNT};`;
    const both = createBlobClient(location, { AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_ACCESS_KEY: KEY }, {});
    expect(both.source).toBe('connection-string');
    // The connection string's endpoint wins over the URI's (Azurite, sovereign clouds).
    expect(both.service.url).toBe(`http://127.0.0.1:1/${AZURITE_ACCOUNT}`);
    expect(both.sharedKey).toBeDefined();

    const key = createBlobClient(location, { AZURE_STORAGE_ACCESS_KEY: KEY }, {});
    expect(key.source).toBe('access-key');
    expect(key.service.url).toBe(`https://${AZURITE_ACCOUNT}.blob.core.windows.net/`);

    expect(createBlobClient(location, {}, {}).source).toBe('default-azure-credential');
    expect(createBlobClient(location, { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }, {}).service.url).toBe(
      `http://127.0.0.1:10000/${AZURITE_ACCOUNT}`,
    );
  });

  it('refuses a connection string for another account, and a broken one, without repeating it', () => {
    const other = `DefaultEndpointsProtocol=https;AccountName=someoneelse;AccountKey=${KEY};EndpointSuffix=core.windows.net`;
    const mismatch = codeAndMessage(() => createBlobClient(location, { AZURE_STORAGE_CONNECTION_STRING: other }, {}));
    expect(mismatch.code).toBe('INVALID_PARAMETER_VALUE');
    expect(mismatch.message).toContain("'someoneelse'");
    expect(mismatch.message).not.toContain(KEY);
    const broken = codeAndMessage(() => createBlobClient(location, { AZURE_STORAGE_CONNECTION_STRING: `AccountKey=${KEY};garbage` }, {}));
    expect(broken.code).toBe('INVALID_PARAMETER_VALUE');
    expect(broken.message).not.toContain(KEY);
  });

  it('scrubs keys, SAS signatures and connection strings from SDK error messages', () => {
    const error = Object.assign(new Error(`request to https://a.blob.core.windows.net/c/b?sv=1&sig=SIGVALUE failed; AccountKey=${KEY}; key ${KEY}`), {
      code: 'ECONNRESET',
    });
    const translated = translateAzureError(error, 'uploading x', [KEY]);
    expect(translated.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(translated.message).not.toContain(KEY);
    expect(translated.message).not.toContain('SIGVALUE');
    expect(translated.message).toContain('uploading x');
    expect(redactUri('https://a.blob.core.windows.net/c/b?sv=1&sig=SIGVALUE')).not.toContain('SIGVALUE');
    expect(translateAzureError({ statusCode: 404, details: { errorCode: 'BlobNotFound' } }, 'reading', []).code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(translateAzureError({ statusCode: 403, details: { errorCode: 'AuthorizationPermissionMismatch' } }, 'x', []).code).toBe('PERMISSION_DENIED');
  });

  it('answers a wrong account key with UNAUTHENTICATED, naming neither key nor connection string', { timeout: 60_000 }, async () => {
    const azurite = await getAzuriteConnectionString();
    try {
      const wrong = azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${KEY}`);
      const repo = new AzureBlobArtifactRepository(`wasbs://models@${AZURITE_ACCOUNT}.blob.core.windows.net/x`, {
        env: { AZURE_STORAGE_CONNECTION_STRING: wrong },
        requestTries: 1,
      });
      const error = await repo.listArtifacts().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOrreryError(error) && error.code, (error as Error).message).toBe('UNAUTHENTICATED');
      const text = `${(error as Error).message} ${JSON.stringify(error)} ${String((error as Error).cause ?? '')}`;
      expect(text).not.toContain(KEY);
      expect(text).toContain(`wasbs://models@${AZURITE_ACCOUNT}.blob.core.windows.net/x`);
      expect(repo.rootUri).not.toContain(KEY);
    } finally {
      await azurite.stop();
    }
  });
});
