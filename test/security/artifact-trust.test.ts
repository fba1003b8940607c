/**
 * Issue #15, holes 1 and 2 and the artifact items of 7, reproduced against a live `orrery server`
 * (the built CLI in a child process) with real FTP (pure-ftpd) and SSH (OpenSSH sshd) daemons:
 * - the server's credentials go only to the artifact roots it was configured with;
 * - SFTP options that name server files or relax checks never come from a client's URI;
 * - a repeated URI parameter is refused;
 * - an untrusted location gets one answer whatever it is, without being contacted;
 * - artifact-store failures do not show the store's host, port, user or local root;
 * - an upload killed with -9 leaves no temporary file behind for good;
 * - a model version's local source cannot leave its run's folder through a link or `%2e%2e`.
 * Needs a build (`npx tsc -b`): the server runs from dist/.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import fs from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import { Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrreryClient } from '@orrery/client';
import { createLogger, discoverPlugins, isOrreryError } from '@orrery/core';
import { FtpArtifactRepository } from '@orrery/plugin-ftp';
import { SftpArtifactRepository } from '@orrery/plugin-sftp';
import { startOrreryServerProcess, startSshd, type OrreryServerProcess, type StartedSshd, type TestService } from '@orrery/testkit';
import { ftpUrlWithFreshDirectory, getFtpTestService } from '../../packages/testkit/src/services/ftp-service.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const API = '/api/2.0/mlflow';
const SERVER_FTP_PASSWORD = 'server-ftp-secret-4711';
const SERVER_SFTP_PASSWORD = 'server-sftp-secret-4712';

/** A TCP port that records every connection and what was sent; it plays an FTP server's greeting. */
interface RecordingListener {
  port: number;
  connections(): number;
  received(): string;
  close(): Promise<void>;
}

async function startRecordingListener(): Promise<RecordingListener> {
  let connections = 0;
  let received = '';
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Enough of FTP for a client to send its user name and password.
    socket.write('220 ready\r\n');
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
      for (const line of chunk.split('\r\n').filter((l) => l !== '')) {
        if (/^USER /i.test(line)) socket.write('331 password please\r\n');
        else if (/^PASS /i.test(line)) socket.write('530 no\r\n');
        else socket.write('502 no\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    connections: () => connections,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function call(server: { url: string }, method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

let counter = 0;
/** Creates an experiment at `location` and a run in it; returns the run id. */
async function runAt(server: { url: string }, location: string): Promise<string> {
  counter += 1;
  const experiment = await call(server, 'POST', `${API}/experiments/create`, { name: `sec-${Date.now()}-${counter}`, artifact_location: location });
  expect(experiment.status, JSON.stringify(experiment.body)).toBe(200);
  const run = await call(server, 'POST', `${API}/runs/create`, { experiment_id: experiment.body.experiment_id });
  expect(run.status).toBe(200);
  return (run.body.run as { info: { run_id: string } }).info.run_id;
}

function listRun(server: { url: string }, runId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(server, 'GET', `${API}/artifacts/list?run_id=${runId}`);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

describe('artifact locations and the server credentials (issue #15)', () => {
  let ftp: TestService;
  let sshd: StartedSshd;
  let work: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    [ftp, sshd] = await Promise.all([getFtpTestService(), startSshd()]);
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-security-'));
  });

  afterAll(async () => {
    await Promise.all([ftp?.stop(), sshd?.stop()]);
    if (work !== undefined) await fs.rm(work, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startServer(args: string[], env: Record<string, string> = {}): Promise<OrreryServerProcess> {
    const dir = await fs.mkdtemp(path.join(work, 'server-'));
    const server = await startOrreryServerProcess({
      cwd: REPO,
      args: ['--backend-store-uri', `sqlite:///${path.join(dir, 'orrery.db')}`, ...args],
      env: { ORRERY_FTP_USER: 'orrery', ORRERY_FTP_PASSWORD: SERVER_FTP_PASSWORD, ORRERY_SFTP_PASSWORD: SERVER_SFTP_PASSWORD, ...env },
      logLevel: 'info',
    });
    cleanups.push(() => server.stop());
    return server;
  }

  async function listener(): Promise<RecordingListener> {
    const started = await startRecordingListener();
    cleanups.push(() => started.close());
    return started;
  }

  it('hole 1, FTP: the server never connects to, nor sends its FTP password to, a host a client names', async () => {
    const server = await startServer([]);
    const trap = await listener();
    const runId = await runAt(server, `ftp://127.0.0.1:${trap.port}/loot`);
    const listed = await listRun(server, runId);
    expect(trap.received()).not.toContain(SERVER_FTP_PASSWORD);
    expect(trap.connections()).toBe(0);
    expect(listed.status).toBe(403);
    expect(listed.body.error_code).toBe('PERMISSION_DENIED');
  });

  it('hole 1, SFTP: the server never opens an SSH connection (password, keys) to a host a client names', async () => {
    const server = await startServer([]);
    const trap = await listener();
    const runId = await runAt(server, `sftp://someone@127.0.0.1:${trap.port}/loot`);
    const listed = await listRun(server, runId);
    expect(trap.connections()).toBe(0);
    expect(listed.status).toBe(403);
  });

  it('hole 1, port mapping: every untrusted location gets the same answer, and none is contacted', async () => {
    const server = await startServer([]);
    const trap = await listener();
    const realFtp = new URL(ftp.url);
    const locations = [
      `ftp://127.0.0.1:${trap.port}/x`,
      `ftp://127.0.0.1:${await closedPort()}/x`,
      `ftp://127.0.0.1:${realFtp.port}/x`,
      `sftp://me@127.0.0.1:${sshd.port}/x`,
      `sftp://me@127.0.0.1:${await closedPort()}/x`,
      'ftp://no-such-host.invalid/x',
    ];
    const answers = new Set<string>();
    for (const location of locations) {
      const listed = await listRun(server, await runAt(server, location));
      answers.add(JSON.stringify([listed.status, listed.body]));
    }
    expect([...answers]).toHaveLength(1);
    expect(trap.connections()).toBe(0);
  });

  it('hole 2: a client-named known_hosts and trust_on_first_use write no file, even with a repeated parameter after them', async () => {
    const server = await startServer([]);
    const target = path.join(work, 'made-by-a-client', 'deep', 'known_hosts');
    // The second known_hosts swallows the /<run>/artifacts suffix, so the first one would be read.
    const location =
      `sftp://${sshd.username}@127.0.0.1:${sshd.port}${sshd.dataDir}/x` +
      `?trust_on_first_use=1&known_hosts=${encodeURIComponent(target)}&known_hosts=`;
    const listed = await listRun(server, await runAt(server, location));
    expect(await exists(path.join(work, 'made-by-a-client'))).toBe(false);
    expect(listed.status).toBe(403);
  });

  it('hole 2: a client-named key_path does not let the server log in with that key', async () => {
    const server = await startServer([]);
    await fs.mkdir(path.join(sshd.dataDir, 'keyed'), { recursive: true });
    await fs.writeFile(path.join(sshd.dataDir, 'keyed', 'secret.txt'), 'only for the key holder');
    // The key the daemon accepts, named by the client: the server has no key configured itself.
    const location =
      `sftp://${sshd.username}@127.0.0.1:${sshd.port}${sshd.dataDir}` +
      `?key_path=${encodeURIComponent(sshd.clientKeyPath)}&known_hosts=${encodeURIComponent(sshd.knownHostsPath)}&key_path=`;
    const listed = await listRun(server, await runAt(server, location));
    expect(JSON.stringify(listed.body)).not.toContain('keyed');
    expect(listed.status).toBe(403);
  });

  it('plugins refuse a repeated URI parameter with INVALID_PARAMETER_VALUE (SFTP; FTP and Azure take no parameters at all)', async () => {
    const registry = await discoverPlugins({ cwd: REPO });
    const repeated = [
      `sftp://u@127.0.0.1:${sshd.port}/x?known_hosts=${encodeURIComponent(sshd.knownHostsPath)}&known_hosts=/tmp/other`,
      'ftp://u@127.0.0.1/x?a=1&a=2',
      'wasbs://container@account.blob.core.windows.net/x?a=1&a=2',
    ];
    for (const uri of repeated) {
      const error = await registry.openArtifactRepository(uri).then(
        async (repository) => {
          await repository.close?.();
          return undefined;
        },
        (caught: unknown) => caught,
      );
      expect(isOrreryError(error) && error.code, uri).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  it('allow-listed FTP and SFTP roots keep working: proxied logging, and artifacts/list of runs stored there directly', { timeout: 90_000 }, async () => {
    const ftpUrl = new URL(ftpUrlWithFreshDirectory(ftp.url, 'sec'));
    const ftpPassword = decodeURIComponent(ftpUrl.password);
    ftpUrl.password = '';
    const ftpRoot = ftpUrl.href;
    const sftpRoot = sshd.url.replace('?', '/allowed?');
    const sftpRootWithoutOptions = sftpRoot.slice(0, sftpRoot.indexOf('?'));
    const server = await startServer(
      ['--artifacts-destination', sshd.url.replace('?', '/proxied?'), '--allowed-artifact-root', ftpRoot, '--allowed-artifact-root', sftpRoot],
      { ORRERY_FTP_PASSWORD: ftpPassword },
    );
    const logger = createLogger({ level: 'silent' });

    // MLflow's default: artifacts logged through the proxy into the SFTP destination.
    const client = await OrreryClient.create({ trackingUri: server.url });
    cleanups.push(() => client.close());
    const proxiedRun = await client.createRun(await client.createExperiment(`sec-proxied-${Date.now()}`));
    const notes = path.join(work, 'notes.txt');
    await fs.writeFile(notes, 'through the proxy');
    await client.logArtifact(proxiedRun.info.runId, notes);
    expect((await listRun(server, proxiedRun.info.runId)).body.files).toEqual([{ path: 'notes.txt', is_dir: false, file_size: 17 }]);

    // Runs stored directly on the allowed FTP root: written by the client, listed by the server.
    const ftpRunId = await runAt(server, `${ftpRoot}/exp`);
    const onFtp = new FtpArtifactRepository(`${ftpRoot}/exp/${ftpRunId}/artifacts`, { env: { ORRERY_FTP_PASSWORD: ftpPassword }, logger });
    cleanups.push(() => onFtp.close());
    await onFtp.writeArtifactStream('model/MLmodel', Readable.from([Buffer.from('flavors: {}\n')]));
    const ftpListed = await listRun(server, ftpRunId);
    expect(ftpListed.status, JSON.stringify(ftpListed.body)).toBe(200);
    expect(ftpListed.body.files).toEqual([{ path: 'model', is_dir: true }]);

    // ... and on the allowed SFTP root, whose key and known_hosts come from the server's configuration.
    const sftpRunId = await runAt(server, `${sftpRootWithoutOptions}/exp`);
    const onSftp = new SftpArtifactRepository(sftpRoot.replace('?', `/exp/${sftpRunId}/artifacts?`), { logger });
    cleanups.push(() => onSftp.close());
    await onSftp.writeArtifactStream('metrics.json', Readable.from([Buffer.from('{"acc": 1}')]));
    const sftpListed = await listRun(server, sftpRunId);
    expect(sftpListed.status, JSON.stringify(sftpListed.body)).toBe(200);
    expect(sftpListed.body.files).toEqual([{ path: 'metrics.json', is_dir: false, file_size: 10 }]);

    // Beside the allowed roots, or climbing out of them, is not trusted.
    for (const outside of [`${sftpRootWithoutOptions}/../proxied`, sftpRootWithoutOptions.replace('/allowed', '/allowed-not'), `${ftpRoot}/%2e%2e`]) {
      expect((await listRun(server, await runAt(server, outside))).status, outside).toBe(403);
    }
  });

  it('local roots: a location outside every root, or inside one but leading out through a symbolic link, is not listed', async () => {
    const allowed = await fs.mkdtemp(path.join(work, 'allowed-'));
    await fs.symlink('/etc', path.join(allowed, 'escape'));
    const server = await startServer(['--allowed-artifact-root', allowed]);
    for (const location of ['/etc', path.join(allowed, 'escape')]) {
      const listed = await listRun(server, await runAt(server, location));
      expect(listed.status, location).toBe(403);
      expect(JSON.stringify(listed.body)).not.toContain('passwd');
    }
    const inside = await runAt(server, path.join(allowed, 'ok'));
    await fs.mkdir(path.join(allowed, 'ok', inside, 'artifacts'), { recursive: true });
    await fs.writeFile(path.join(allowed, 'ok', inside, 'artifacts', 'a.txt'), 'a');
    expect((await listRun(server, inside)).body.files).toEqual([{ path: 'a.txt', is_dir: false, file_size: 1 }]);
  });

  it("item 7: a failing artifact store's host, port and user do not reach the client", async () => {
    const port = await closedPort();
    const server = await startServer(['--artifacts-destination', `ftp://storeuser@127.0.0.1:${port}/store`]);
    const response = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/a.txt`, { method: 'PUT', body: 'x' });
    const text = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(JSON.parse(text)).toEqual({ error_code: expect.any(String), message: 'The artifact store is unavailable; see the server log.' });
    for (const secret of ['127.0.0.1', String(port), 'storeuser']) expect(text).not.toContain(secret);
    // The operator still finds the cause in the log.
    expect(server.output()).toContain(String(port));
  });

  it("item 7: a missing artifact's answer does not show the server's local artifact root", async () => {
    const destination = await fs.mkdtemp(path.join(work, 'local-store-'));
    const server = await startServer(['--artifacts-destination', destination]);
    const response = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/1/nothing/here.txt`);
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(text).not.toContain(destination);
  });

  it('item 7: an upload killed with -9 leaves no temporary file once the destination is opened again; a live upload keeps its own', { timeout: 60_000 }, async () => {
    const destination = await fs.mkdtemp(path.join(work, 'uploads-'));
    const temporaries = async (): Promise<string[]> => {
      const dir = path.join(destination, '1', 'run', 'artifacts');
      return (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith('.orrery-upload-'));
    };
    /** Starts an upload that sends one chunk and then waits; resolves once its temporary file exists. */
    const startSlowUpload = async (server: { url: string }, name: string): Promise<ClientRequest> => {
      const before = new Set(await temporaries());
      const request = httpRequest(`${server.url}/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/${name}`, { method: 'PUT' });
      request.on('error', () => undefined);
      request.write(Buffer.alloc(64 * 1024, 1));
      for (let i = 0; i < 200 && (await temporaries()).every((file) => before.has(file)); i += 1) await new Promise((r) => setTimeout(r, 50));
      expect((await temporaries()).some((file) => !before.has(file))).toBe(true);
      return request;
    };

    const first = await startServer(['--artifacts-destination', destination]);
    const killed = await startSlowUpload(first, 'big.bin');
    process.kill(first.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    killed.destroy();
    const left = await temporaries();
    expect(left).toHaveLength(1);

    const second = await startServer(['--artifacts-destination', destination]);
    const live = await startSlowUpload(second, 'other.bin');
    cleanups.push(async () => void live.destroy());
    const liveFile = (await temporaries()).find((file) => !left.includes(file))!;
    // Old as it may look, the live upload's file must survive a sweep.
    const longAgo = new Date(Date.now() - 7 * 24 * 3600 * 1000);
    await fs.utimes(path.join(destination, '1', 'run', 'artifacts', liveFile), longAgo, longAgo);
    // A listing of the folder sweeps what it sees.
    const listed = await fetch(`${second.url}/api/2.0/mlflow-artifacts/artifacts?path=1/run/artifacts`);
    expect(listed.status).toBe(200);
    for (let i = 0; i < 100 && (await temporaries()).includes(left[0]!); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await temporaries()).toEqual([liveFile]);
  });

  it('item 7: a model version source cannot leave its run folder through a symbolic link or a literal %2e%2e', async () => {
    const roots = await fs.mkdtemp(path.join(work, 'runs-'));
    const server = await startServer([]);
    const runId = await runAt(server, roots);
    const runRoot = path.join(roots, runId, 'artifacts');
    await fs.mkdir(path.join(runRoot, '%2e%2e'), { recursive: true });
    await fs.symlink('/etc', path.join(runRoot, 'model'));
    await fs.mkdir(path.join(runRoot, 'real-model'), { recursive: true });
    expect((await call(server, 'POST', `${API}/registered-models/create`, { name: 'm' })).status).toBe(200);
    for (const source of [path.join(runRoot, 'model'), `${runRoot}/%2e%2e/%2e%2e`, `file://${runRoot}/%252e%252e/x`]) {
      const created = await call(server, 'POST', `${API}/model-versions/create`, { name: 'm', source, run_id: runId });
      expect(created.status, source).toBe(400);
      expect(created.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    const ok = await call(server, 'POST', `${API}/model-versions/create`, { name: 'm', source: path.join(runRoot, 'real-model'), run_id: runId });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });
});
