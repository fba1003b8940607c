/**
 * FTP artifacts end to end, both ways a user stores them:
 * - proxied: `orrery server --artifacts-destination ftp://...` (the built CLI in a child process),
 *   with the client uploading through the server's artifact proxy;
 * - direct: an experiment whose `artifact_location` is an `ftp://` URI, which the client opens
 *   itself through plugin discovery (plugins/ftp/dist).
 * The FTP server is the test-services registry's (`ORRERY_TEST_FTP_URL`, else a pure-ftpd the
 * harness starts); each test works in a fresh directory on it. Needs a build (`pnpm tsc -b`).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrreryClient } from '@orrery/client';
import { FtpArtifactRepository } from '@orrery/plugin-ftp';
import type { TestService } from '@orrery/testkit';
import { ftpUrlWithFreshDirectory, getFtpTestService } from '../../packages/testkit/src/services/ftp-service.js';
import { startOrreryServerProcess } from '@orrery/testkit';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface ServerProcess {
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `orrery server` from the built CLI with the given extra flags and environment, logging at debug level. */
async function startServer(dir: string, args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const server = await startOrreryServerProcess({
    cwd: REPO,
    args: ['--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`, ...args],
    env,
    logLevel: 'debug',
  });
  // The log checks read everything the server wrote, on either stream.
  return { url: server.url, stderr: server.output, stop: server.stop };
}

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
}

const MODEL_FILES = {
  'MLmodel': 'artifact_path: model\nflavors: {}\n',
  'data/weights.bin': 'w'.repeat(100_000),
  'data/größe ✓.txt': 'unicode',
};

describe('FTP artifacts end to end', () => {
  let ftp: TestService;
  let ftpUser: string;
  let ftpPassword: string;
  let work: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    ftp = await getFtpTestService();
    const parsed = new URL(ftp.url);
    ftpUser = decodeURIComponent(parsed.username);
    ftpPassword = decodeURIComponent(parsed.password);
  });

  afterAll(async () => {
    await ftp?.stop();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function freshWork(): Promise<string> {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-ftp-e2e-'));
    cleanups.push(() => fs.rm(work, { recursive: true, force: true }));
    await writeTree(path.join(work, 'model'), MODEL_FILES);
    await fs.writeFile(path.join(work, 'notes.txt'), 'trained on FTP');
    return work;
  }

  /** A fresh FTP directory; removed after the test. */
  function freshFtpRoot(withPassword: boolean): string {
    const url = new URL(ftpUrlWithFreshDirectory(ftp.url, 'e2e'));
    if (!withPassword) url.password = '';
    const uri = url.href;
    cleanups.push(async () => {
      const janitor = new FtpArtifactRepository(uri, { env: { ORRERY_FTP_PASSWORD: ftpPassword } });
      try {
        await janitor.deleteArtifacts();
      } finally {
        await janitor.close();
      }
    });
    return uri;
  }

  async function checkRoundTrip(client: OrreryClient, runId: string, dir: string): Promise<void> {
    await client.logArtifacts(runId, path.join(dir, 'model'), 'model');
    await client.logArtifact(runId, path.join(dir, 'notes.txt'));
    expect(await client.listArtifacts(runId)).toEqual([
      { path: 'model', isDir: true },
      { path: 'notes.txt', isDir: false, fileSize: 14 },
    ]);
    expect(await client.listArtifacts(runId, 'model/data')).toEqual([
      { path: 'model/data/größe ✓.txt', isDir: false, fileSize: 7 },
      { path: 'model/data/weights.bin', isDir: false, fileSize: 100_000 },
    ]);
    const dst = path.join(dir, 'downloaded');
    const downloaded = await client.downloadArtifacts(runId, 'model', dst);
    for (const [rel, content] of Object.entries(MODEL_FILES)) {
      expect(await fs.readFile(path.join(downloaded, rel), 'utf8')).toBe(content);
    }
  }

  it('proxied: the server stores on FTP as --artifacts-destination, and its responses never hold the password', async () => {
    const dir = await freshWork();
    const destination = freshFtpRoot(true);
    const server = await startServer(dir, ['--artifacts-destination', destination], {});
    cleanups.push(() => server.stop());
    const client = await OrreryClient.create({ trackingUri: server.url });
    cleanups.push(() => client.close());

    const experimentId = await client.createExperiment(`ftp-proxied-${Date.now()}`);
    const run = await client.createRun(experimentId);
    expect(run.info.artifactUri).toMatch(/^mlflow-artifacts:/);
    await checkRoundTrip(client, run.info.runId, dir);

    // The files are on the FTP server, under the run's proxied path.
    const onFtp = new FtpArtifactRepository(destination);
    cleanups.push(() => onFtp.close());
    const runPath = run.info.artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '');
    expect(await onFtp.listArtifacts(`${runPath}/model/data`)).toEqual([
      { path: `${runPath}/model/data/größe ✓.txt`, isDir: false, fileSize: 7 },
      { path: `${runPath}/model/data/weights.bin`, isDir: false, fileSize: 100_000 },
    ]);

    const listed = await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}`).then((r) => r.text());
    const experiment = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`).then((r) => r.text());
    expect(listed).toContain('notes.txt');
    expect(`${listed}\n${experiment}`).not.toContain(ftpPassword);
  });

  it("proxied: the server's logs never hold the FTP password of --artifacts-destination", async () => {
    const dir = await freshWork();
    const destination = freshFtpRoot(true);
    const server = await startServer(dir, ['--artifacts-destination', destination], {});
    cleanups.push(() => server.stop());
    const client = await OrreryClient.create({ trackingUri: server.url });
    cleanups.push(() => client.close());
    const run = await client.createRun(await client.createExperiment(`ftp-logs-${Date.now()}`));
    await client.logArtifact(run.info.runId, path.join(dir, 'notes.txt'));
    await server.stop();
    expect(server.stderr()).toContain('ftp://');
    expect(server.stderr()).not.toContain(ftpPassword);
  });

  it("direct: an experiment's artifact_location on FTP is used by the client itself, the password coming from the environment", async () => {
    const dir = await freshWork();
    const location = freshFtpRoot(false);
    expect(location).not.toContain(ftpPassword);
    // The server never touches these artifacts except to list them for MLflow's REST API, which
    // it does with the same environment variable, and only because the operator allowed the root.
    const server = await startServer(dir, ['--artifacts-destination', `file://${path.join(dir, 'proxied')}`, '--allowed-artifact-root', location], {
      ORRERY_FTP_PASSWORD: ftpPassword,
    });
    cleanups.push(() => server.stop());
    const previous = process.env.ORRERY_FTP_PASSWORD;
    process.env.ORRERY_FTP_PASSWORD = ftpPassword;
    cleanups.push(async () => {
      if (previous === undefined) delete process.env.ORRERY_FTP_PASSWORD;
      else process.env.ORRERY_FTP_PASSWORD = previous;
    });
    const client = await OrreryClient.create({ trackingUri: server.url });
    cleanups.push(() => client.close());

    const experimentId = await client.createExperiment(`ftp-direct-${Date.now()}`, { artifactLocation: location });
    const run = await client.createRun(experimentId);
    expect(run.info.artifactUri.startsWith(`${location}/`)).toBe(true);
    await checkRoundTrip(client, run.info.runId, dir);

    // Stored where the artifact URI says, on the FTP server, without any server in between.
    const direct = new FtpArtifactRepository(run.info.artifactUri, { env: { ORRERY_FTP_PASSWORD: ftpPassword } });
    cleanups.push(() => direct.close());
    expect(await direct.listArtifacts()).toEqual([
      { path: 'model', isDir: true },
      { path: 'notes.txt', isDir: false, fileSize: 14 },
    ]);
    expect(await fs.readdir(path.join(dir, 'proxied')).catch(() => [])).toEqual([]);

    // MLflow's REST listing of a direct location goes through the server's own FTP plugin.
    const listed = (await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}&path=model`).then((r) =>
      r.json(),
    )) as { root_uri: string; files: Array<{ path: string; is_dir: boolean }> };
    expect(listed.root_uri).toBe(run.info.artifactUri);
    expect(listed.files.map((file) => file.path)).toEqual(['model/MLmodel', 'model/data']);
    await server.stop();
    expect(server.stderr()).not.toContain(ftpPassword);
    expect(ftpUser.length).toBeGreaterThan(0);
  });
});
