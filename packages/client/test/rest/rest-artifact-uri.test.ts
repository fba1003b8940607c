import { describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { resolveProxiedArtifactUri } from '../../src/rest/rest-artifact-repository.js';

describe('proxied artifact URIs', () => {
  it('resolves a host-less mlflow-artifacts URI against the tracking URI of whoever opens it', () => {
    expect(resolveProxiedArtifactUri('mlflow-artifacts:/1/abc/artifacts', 'http://127.0.0.1:5000')).toEqual({
      server: 'http://127.0.0.1:5000',
      root: '1/abc/artifacts',
    });
    expect(resolveProxiedArtifactUri('mlflow-artifacts://tracking:5005/1/abc/artifacts', 'http://other:1')).toEqual({
      server: 'http://tracking:5005',
      root: '1/abc/artifacts',
    });
  });

  it('splits an http proxy URL into the server and the root inside the proxy', () => {
    expect(resolveProxiedArtifactUri('https://mlflow.example/prefix/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts')).toEqual({
      server: 'https://mlflow.example/prefix',
      root: '1/r/artifacts',
    });
  });

  it('names the Azure Blob plugin for an Azure Blob https URL that reaches it (the plugin is not installed)', () => {
    for (const uri of ['https://acct.blob.core.windows.net/models/exp/1', 'https://acct.blob.core.chinacloudapi.cn/models/exp/1']) {
      let error: unknown;
      try {
        resolveProxiedArtifactUri(uri);
      } catch (caught) {
        error = caught;
      }
      expect(isOrreryError(error) && error.code, uri).toBe('INVALID_PARAMETER_VALUE');
      expect((error as Error).message, uri).toContain('Azure Blob Storage URL');
      expect((error as Error).message, uri).toContain('install @orrery/plugin-azure-blob');
    }
  });

  it('refuses a host-less mlflow-artifacts URI when the tracking URI is not a server', () => {
    expect(() => resolveProxiedArtifactUri('mlflow-artifacts:/1/abc', 'sqlite:////tmp/x.db')).toThrow(/served by a tracking server/);
  });
});
