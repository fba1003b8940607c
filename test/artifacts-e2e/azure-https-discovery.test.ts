/**
 * The blob service's own URL form, `https://<account>.blob.core.windows.net/<container>/<path>`, as
 * an experiment's artifact location: plugin discovery sends it to @orrery/plugin-azure-blob (its
 * host-pattern claim beats the REST client's claim of `https`), and the client stores the files in
 * the container (Azurite). An http location on a server's proxy route still goes to the REST
 * client. Both through OrreryClient, i.e. createOrreryContainer's artifact repository factory.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, type Logger } from '@orrery/core';
import { OrreryClient } from '@orrery/client';
import { startServer, type RunningServer, type StartServerOptions } from '@orrery/server';
import { AZURITE_ACCOUNT, getAzuriteConnectionString, type AzuriteConnection } from '@orrery/testkit';
import { azuriteContainers, type AzuriteContainers } from '../../plugins/azure-blob/test/azurite-containers.js';

/** A logger keeping every line it is given, so the test can check none holds a secret. */
function recordingLogger(lines: string[], bindings: Record<string, unknown> = {}): Logger {
  const record = (level: string) => (obj: object | string, msg?: string) => {
    lines.push(JSON.stringify({ level, ...bindings, obj, msg }));
  };
  return {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

describe('Azure Blob https locations chosen by plugin discovery', () => {
  let azurite: AzuriteConnection;
  let containers: AzuriteContainers;
  let dir: string;
  let server: RunningServer;
  let client: OrreryClient;
  const logLines: string[] = [];
  const weights = Buffer.alloc(256 * 1024 + 3, 9);

  beforeAll(async () => {
    azurite = await getAzuriteConnectionString();
    containers = azuriteContainers(azurite.connectionString);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-azure-https-'));
    await fs.writeFile(path.join(dir, 'weights.bin'), weights);
    server = await startServer({
      cwd: dir,
      port: 0,
      backendStoreUri: `sqlite:///${path.join(dir, 'mlflow.db')}`,
      artifactsDestination: path.join(dir, 'proxy'),
      logger: createLogger({ name: 'test', level: 'silent' }) as unknown as NonNullable<StartServerOptions['logger']>,
    });
    // The Azure plugin reads its credentials from the environment of the process opening the container.
    vi.stubEnv('AZURE_STORAGE_CONNECTION_STRING', azurite.connectionString);
    client = await OrreryClient.create({ trackingUri: server.url, logger: recordingLogger(logLines) });
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await client?.close();
    await server?.close();
    await azurite?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('stores and reads back artifacts of an https://<account>.blob.core.windows.net/<container>/... location', { timeout: 120_000 }, async () => {
    const container = await containers.create('https-form');
    const location = `https://${AZURITE_ACCOUNT}.blob.core.windows.net/${container}/experiments/https-form`;
    expect(client.registry.findPluginForUri('artifactRepository', location)).toMatchObject({
      packageName: '@orrery/plugin-azure-blob',
      hostPatterns: expect.arrayContaining(['https://*.blob.core.windows.net']),
    });

    const experimentId = await client.createExperiment('azure-https-form', { artifactLocation: location });
    const run = await client.createRun(experimentId);
    const runId = run.info.runId;
    expect(run.info.artifactUri).toBe(`${location}/${runId}/artifacts`);
    expect((await client.artifactRepository(run.info.artifactUri!)).constructor.name).toBe('AzureBlobArtifactRepository');

    await client.logArtifact(runId, path.join(dir, 'weights.bin'), 'model');
    expect(await client.listArtifacts(runId, 'model')).toEqual([{ path: 'model/weights.bin', isDir: false, fileSize: weights.length }]);
    const dst = await fs.mkdtemp(path.join(dir, 'download-'));
    const downloaded = await client.downloadArtifacts(runId, 'model/weights.bin', dst);
    expect(await fs.readFile(downloaded)).toEqual(weights);

    // The files are in the container, not in the server's proxy destination.
    expect(await containers.blobNames(container)).toEqual([`experiments/https-form/${runId}/artifacts/model/weights.bin`]);
    await expect(fs.readdir(path.join(dir, 'proxy', 'experiments'))).rejects.toThrow();
    const accountKey = /AccountKey=([^;]+)/.exec(azurite.connectionString)?.[1];
    expect(accountKey).toBeDefined();
    for (const line of logLines) expect(line).not.toContain(accountKey!);
  });

  it('still sends an http location on a server proxy route, and any other https host, to the REST client', { timeout: 120_000 }, async () => {
    expect(client.registry.findPluginForUri('artifactRepository', 'https://mlflow.example.com/api/2.0/mlflow-artifacts/artifacts/x')).toMatchObject({
      packageName: '@orrery/client',
    });
    // A host that merely ends like an Azure one is not Azure's.
    expect(client.registry.findPluginForUri('artifactRepository', 'https://blob.core.windows.net/c/x')).toMatchObject({ packageName: '@orrery/client' });

    const location = `${server.url}/api/2.0/mlflow-artifacts/artifacts/experiments/http-form`;
    expect(client.registry.findPluginForUri('artifactRepository', location)).toMatchObject({ packageName: '@orrery/client' });
    const experimentId = await client.createExperiment('http-form', { artifactLocation: location });
    const run = await client.createRun(experimentId);
    const runId = run.info.runId;
    expect((await client.artifactRepository(run.info.artifactUri!)).constructor.name).toBe('RestArtifactRepository');

    await client.logArtifact(runId, path.join(dir, 'weights.bin'), 'model');
    expect(await client.listArtifacts(runId, 'model')).toEqual([{ path: 'model/weights.bin', isDir: false, fileSize: weights.length }]);
    const dst = await fs.mkdtemp(path.join(dir, 'download-'));
    expect(await fs.readFile(await client.downloadArtifacts(runId, 'model/weights.bin', dst))).toEqual(weights);
    // Through the server's proxy, into its destination.
    expect(await fs.readFile(path.join(dir, 'proxy', 'experiments', 'http-form', runId, 'artifacts', 'model', 'weights.bin'))).toEqual(weights);
  });
});
