/**
 * SFTP artifacts end to end, both ways a user sets them up, against a real sshd:
 * - proxied: `orrery server --artifacts-destination sftp://...` (the built CLI in a child process),
 *   with the client talking only HTTP to the server;
 * - direct: an experiment whose artifact_location is `sftp://...`, which the client opens itself
 *   through plugin discovery (the server never touches those files).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@orrery/core';
import { OrreryClient } from '@orrery/client';
import { SftpArtifactRepository } from '@orrery/plugin-sftp';
import { startSshd, type StartedSshd } from '../../packages/testkit/src/services/sshd-service.js';
import { startOrreryServerProcess } from '@orrery/testkit';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface ServerProcess {
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

async function startServer(dir: string, artifactsDestination: string): Promise<ServerProcess> {
  // cwd is the repository root, so plugin discovery finds @orrery/plugin-sftp as an installed package.
  return startOrreryServerProcess({
    cwd: REPO,
    args: ['--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`, '--artifacts-destination', artifactsDestination],
  });
}

describe('SFTP artifacts end to end', () => {
  let sshd: StartedSshd;
  let dir: string;
  let localDir: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-sftp-e2e-'));
    localDir = path.join(dir, 'outputs');
    await fs.mkdir(path.join(localDir, 'model', 'data'), { recursive: true });
    await fs.writeFile(path.join(localDir, 'model', 'MLmodel'), 'flavors: {}\n');
    await fs.writeFile(path.join(localDir, 'model', 'data', 'weights 1.bin'), Buffer.alloc(300_000, 7));
    await fs.writeFile(path.join(localDir, 'metrics.json'), '{"acc": 0.9}');
  });

  afterAll(async () => {
    await sshd?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function expectRoundTrip(client: OrreryClient, runId: string): Promise<void> {
    await client.logArtifacts(runId, localDir);
    expect(await client.listArtifacts(runId)).toEqual([
      { path: 'metrics.json', isDir: false, fileSize: 12 },
      { path: 'model', isDir: true },
    ]);
    expect(await client.listArtifacts(runId, 'model/data')).toEqual([{ path: 'model/data/weights 1.bin', isDir: false, fileSize: 300_000 }]);
    const dst = await fs.mkdtemp(path.join(dir, 'download-'));
    const downloaded = await client.downloadArtifacts(runId, 'model', dst);
    expect(await fs.readFile(path.join(downloaded, 'data', 'weights 1.bin'))).toEqual(Buffer.alloc(300_000, 7));
    expect(await fs.readFile(path.join(downloaded, 'MLmodel'), 'utf8')).toBe('flavors: {}\n');
  }

  it('proxied: the server stores artifacts on SFTP (--artifacts-destination sftp://...)', { timeout: 90_000 }, async () => {
    const destination = sshd.url.replace('?', '/proxied?');
    const server = await startServer(dir, destination);
    let client: OrreryClient | undefined;
    try {
      client = await OrreryClient.create({ trackingUri: server.url });
      const experimentId = await client.createExperiment('sftp-proxied');
      const run = await client.createRun(experimentId);
      expect(run.info.artifactUri).toMatch(/^mlflow-artifacts:/);
      await expectRoundTrip(client, run.info.runId);

      // The files are on the SSH server, under the destination.
      const direct = new SftpArtifactRepository(destination, { logger: createLogger({ level: 'silent' }) });
      try {
        const top = await direct.listArtifacts();
        expect(top.map((entry) => entry.path)).toEqual([experimentId]);
      } finally {
        await direct.close();
      }
      const stored = await fs.readdir(path.join(sshd.dataDir, 'proxied', experimentId, run.info.runId, 'artifacts'));
      expect(stored.sort()).toEqual(['metrics.json', 'model']);
      // The server log never shows the URI's parameters unmasked beyond what redactUri keeps, and no secret.
      expect(server.stderr()).not.toMatch(/password/i);
    } finally {
      await client?.close();
      await server.stop();
    }
  });

  it("direct: an experiment's artifact_location is sftp://..., used by the client itself", { timeout: 90_000 }, async () => {
    const server = await startServer(dir, `file://${path.join(dir, 'proxy-unused')}`);
    let client: OrreryClient | undefined;
    // Settings come from the environment: a run's URI is the location plus /<run>/artifacts, so
    // URI parameters would not survive in an experiment's artifact_location.
    const saved = { key: process.env.ORRERY_SFTP_KEY_PATH, knownHosts: process.env.ORRERY_SFTP_KNOWN_HOSTS };
    process.env.ORRERY_SFTP_KEY_PATH = sshd.clientKeyPath;
    process.env.ORRERY_SFTP_KNOWN_HOSTS = sshd.knownHostsPath;
    try {
      client = await OrreryClient.create({ trackingUri: server.url });
      const location = `sftp://${sshd.username}@127.0.0.1:${sshd.port}${sshd.dataDir}/direct`;
      const experimentId = await client.createExperiment('sftp-direct', { artifactLocation: location });
      const run = await client.createRun(experimentId);
      expect(run.info.artifactUri).toBe(`${location}/${run.info.runId}/artifacts`);
      await expectRoundTrip(client, run.info.runId);
      const stored = await fs.readdir(path.join(sshd.dataDir, 'direct', run.info.runId, 'artifacts'));
      expect(stored.sort()).toEqual(['metrics.json', 'model']);
      await expect(fs.readdir(path.join(dir, 'proxy-unused'))).rejects.toThrow();
    } finally {
      if (saved.key === undefined) delete process.env.ORRERY_SFTP_KEY_PATH;
      else process.env.ORRERY_SFTP_KEY_PATH = saved.key;
      if (saved.knownHosts === undefined) delete process.env.ORRERY_SFTP_KNOWN_HOSTS;
      else process.env.ORRERY_SFTP_KNOWN_HOSTS = saved.knownHosts;
      await client?.close();
      await server.stop();
    }
  });
});
