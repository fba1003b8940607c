/**
 * Azure Blob artifacts end to end, both ways a user sets them up, against Azurite:
 * - proxied: `orrery server --artifacts-destination wasbs://...` (the built CLI in a child process,
 *   with the connection string in its environment); the client talks only HTTP to the server;
 * - direct: an experiment whose artifact_location is `wasbs://...`; the `orrery artifacts` CLI (a
 *   child process with the connection string in its environment) opens the container itself
 *   through plugin discovery, and the server never touches those files.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryClient } from '@orrery/client';
import { AZURITE_ACCOUNT, getAzuriteConnectionString, startOrreryServerProcess, userEnvironment, type AzuriteConnection } from '@orrery/testkit';
import { azuriteContainers, type AzuriteContainers } from '../../plugins/azure-blob/test/azurite-containers.js';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(REPO, 'packages', 'cli', 'dist', 'bin.js');



interface ServerProcess {
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

async function startServer(dir: string, artifactsDestination: string, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  return startOrreryServerProcess({
    cwd: REPO,
    args: ['--backend-store-uri', `sqlite:///${path.join(dir, `mlflow-${Date.now()}.db`)}`, '--artifacts-destination', artifactsDestination],
    env,
  });
}

/** Runs `orrery <args>` as a user would; resolves with stdout, or rejects with the exit code and stderr. */
async function orrery(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [CLI, ...args], { cwd: REPO, env: userEnvironment({ ORRERY_LOG_LEVEL: 'warn', ...env }), maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

describe('Azure Blob artifacts end to end', () => {
  let azurite: AzuriteConnection;
  let containers: AzuriteContainers;
  let dir: string;
  let localDir: string;
  const weights = Buffer.alloc(3 * 1024 * 1024 + 17, 7);

  beforeAll(async () => {
    azurite = await getAzuriteConnectionString();
    containers = azuriteContainers(azurite.connectionString);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-azure-e2e-'));
    localDir = path.join(dir, 'outputs');
    await fs.mkdir(path.join(localDir, 'model', 'data ü'), { recursive: true });
    await fs.writeFile(path.join(localDir, 'model', 'MLmodel'), 'flavors: {}\n');
    await fs.writeFile(path.join(localDir, 'model', 'data ü', 'weights 1.bin'), weights);
    await fs.writeFile(path.join(localDir, 'metrics.json'), '{"acc": 0.9}');
  });

  afterAll(async () => {
    await azurite?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('proxied: the server stores artifacts in a container (--artifacts-destination wasbs://...)', { timeout: 240_000 }, async () => {
    const container = await containers.create('proxied');
    const destination = `wasbs://${container}@${AZURITE_ACCOUNT}.blob.core.windows.net/mlartifacts`;
    const server = await startServer(dir, destination, { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString });
    let client: OrreryClient | undefined;
    try {
      // This process has no Azure credentials: everything goes through the server.
      client = await OrreryClient.create({ trackingUri: server.url });
      const experimentId = await client.createExperiment('azure-proxied');
      const run = await client.createRun(experimentId);
      const runId = run.info.runId;
      expect(run.info.artifactUri).toMatch(/^mlflow-artifacts:/);

      await client.logArtifacts(runId, localDir);
      expect(await client.listArtifacts(runId)).toEqual([
        { path: 'metrics.json', isDir: false, fileSize: 12 },
        { path: 'model', isDir: true },
      ]);
      expect(await client.listArtifacts(runId, 'model/data ü')).toEqual([
        { path: 'model/data ü/weights 1.bin', isDir: false, fileSize: weights.length },
      ]);
      const dst = await fs.mkdtemp(path.join(dir, 'download-'));
      const downloaded = await client.downloadArtifacts(runId, 'model', dst);
      expect(await fs.readFile(path.join(downloaded, 'data ü', 'weights 1.bin'))).toEqual(weights);

      const prefix = `mlartifacts/${experimentId}/${runId}/artifacts`;
      expect(await containers.blobNames(container)).toEqual([
        `${prefix}/metrics.json`,
        `${prefix}/model/MLmodel`,
        `${prefix}/model/data ü/weights 1.bin`,
      ]);
      // The server was handed the account key; it never prints it.
      expect(server.stderr()).not.toContain(/AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!);
    } finally {
      await client?.close();
      await server.stop();
    }
  });

  it("direct: an experiment's artifact_location is wasbs://..., used by the CLI itself", { timeout: 240_000 }, async () => {
    const container = await containers.create('direct');
    // The server has no Azure credentials and a local proxy destination it must never use.
    const server = await startServer(dir, `file://${path.join(dir, 'proxy-unused')}`, {});
    let client: OrreryClient | undefined;
    try {
      client = await OrreryClient.create({ trackingUri: server.url });
      const location = `wasbs://${container}@${AZURITE_ACCOUNT}.blob.core.windows.net/experiments/direct`;
      const experimentId = await client.createExperiment('azure-direct', { artifactLocation: location });
      const run = await client.createRun(experimentId);
      const runId = run.info.runId;
      expect(run.info.artifactUri).toBe(`${location}/${runId}/artifacts`);

      const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
      await orrery(['--tracking-uri', server.url, 'artifacts', 'log', localDir, '--run-id', runId], env);
      await orrery(['--tracking-uri', server.url, 'artifacts', 'log', path.join(localDir, 'metrics.json'), '--run-id', runId, '--artifact-path', 'eval'], env);
      const listed = JSON.parse(await orrery(['--tracking-uri', server.url, '--json', 'artifacts', 'list', '--run-id', runId], env)) as unknown;
      expect(listed).toEqual([
        { path: 'eval', isDir: true },
        { path: 'metrics.json', isDir: false, fileSize: 12 },
        { path: 'model', isDir: true },
      ]);
      const dst = await fs.mkdtemp(path.join(dir, 'download-'));
      await orrery(['--tracking-uri', server.url, 'artifacts', 'download', '--run-id', runId, '--artifact-path', 'model', '--dst', dst], env);
      expect(await fs.readFile(path.join(dst, 'model', 'data ü', 'weights 1.bin'))).toEqual(weights);

      const prefix = `experiments/direct/${runId}/artifacts`;
      expect(await containers.blobNames(container)).toEqual([
        `${prefix}/eval/metrics.json`,
        `${prefix}/metrics.json`,
        `${prefix}/model/MLmodel`,
        `${prefix}/model/data ü/weights 1.bin`,
      ]);
      await expect(fs.readdir(path.join(dir, 'proxy-unused'))).rejects.toThrow();

      // A wrong key: the CLI fails with an authentication error that never repeats the key.
      const wrongKey = Buffer.from('not the account key, but a secret all the same').toString('base64');
      const wrong = azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`);
      const failure = await orrery(['--tracking-uri', server.url, 'artifacts', 'list', '--run-id', runId], { AZURE_STORAGE_CONNECTION_STRING: wrong }).then(
        () => undefined,
        (error: { code?: number; stderr?: string; stdout?: string }) => error,
      );
      expect(failure?.code).not.toBe(0);
      const shown = `${failure?.stderr ?? ''}${failure?.stdout ?? ''}`;
      expect(shown).toMatch(/Azure Blob Storage/);
      expect(shown).not.toContain(wrongKey);
    } finally {
      await client?.close();
      await server.stop();
    }
  });
});
