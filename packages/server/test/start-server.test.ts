import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAllowedHosts, resolveServerSettings, serverOptionsFrom, startServer, type RunningServer } from '@orrery/server';
import { ORRERY_CLI, userEnvironment } from '@orrery/testkit';

const dirs: string[] = [];
async function tempCwd(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orrery-start-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts test/fixtures/cluster-server.mjs (startServer with 2 workers) on a free port; stderr is collected. */
async function startClusterFixture() {
  const cwd = await tempCwd();
  const port = await freePort();
  const script = fileURLToPath(new URL('./fixtures/cluster-server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { ...process.env, ORRERY_LOG_LEVEL: 'warn', ORRERY_TEST_SERVER_OPTIONS: JSON.stringify({ cwd, port, workers: 2 }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, port, stderr: () => stderr };
}

describe('server settings', () => {
  it("applies mlflow server's defaults: embedded SQLite, proxied artifacts into ./orrery-artifacts", () => {
    const settings = resolveServerSettings({ cwd: '/srv/app' });
    expect(settings).toEqual({
      backendStoreUri: 'sqlite:////srv/app/orrery.db',
      registryStoreUri: 'sqlite:////srv/app/orrery.db',
      defaultArtifactRoot: 'mlflow-artifacts:/',
      artifactsDestination: 'file:///srv/app/orrery-artifacts',
      allowedArtifactRoots: [],
      serveArtifacts: true,
      artifactsOnly: false,
      host: '127.0.0.1',
      port: 5000,
      workers: 1,
      allowedHosts: defaultAllowedHosts('127.0.0.1'),
    });
    expect(resolveServerSettings({ cwd: '/srv/app', serveArtifacts: false }).defaultArtifactRoot).toBe('file:///srv/app/orrery-artifacts');
    expect(() => resolveServerSettings({ artifactsOnly: true, serveArtifacts: false })).toThrow(/--artifacts-only/);
    expect(() => resolveServerSettings({ workers: 0 })).toThrow(/--workers/);
  });

  it('takes a command-line flag over ORRERY_* over MLFLOW_* variables', () => {
    const env = {
      ORRERY_BACKEND_STORE_URI: 'sqlite:///orrery-env.db',
      MLFLOW_BACKEND_STORE_URI: 'sqlite:///mlflow-env.db',
      MLFLOW_PORT: '5001',
      MLFLOW_SERVE_ARTIFACTS: 'false',
      ORRERY_WORKERS: '3',
    };
    expect(serverOptionsFrom({ host: '0.0.0.0' }, (name) => name === 'host', env)).toEqual({
      backendStoreUri: 'sqlite:///orrery-env.db',
      serveArtifacts: false,
      host: '0.0.0.0',
      port: 5001,
      workers: 3,
    });
    expect(serverOptionsFrom({ port: '6000', serveArtifacts: true }, (name) => name === 'port' || name === 'serveArtifacts', env)).toMatchObject({
      port: 6000,
      serveArtifacts: true,
    });
  });
});

describe('--allowed-artifact-root', () => {
  it('is repeatable, or read comma-separated from ORRERY_ALLOWED_ARTIFACT_ROOTS; the flags replace the variable', () => {
    const env = { ORRERY_ALLOWED_ARTIFACT_ROOTS: 'ftp://files.example/mlruns, /data/runs ,' };
    expect(serverOptionsFrom({}, () => false, env).allowedArtifactRoots).toEqual(['ftp://files.example/mlruns', '/data/runs']);
    const flags = { allowedArtifactRoot: ['sftp://u@h/a?known_hosts=/etc/orrery/known_hosts', '/srv/b'] };
    expect(serverOptionsFrom(flags, (name) => name === 'allowedArtifactRoot', env).allowedArtifactRoots).toEqual(flags.allowedArtifactRoot);
    expect(serverOptionsFrom({}, () => false, {}).allowedArtifactRoots).toBeUndefined();
  });

  it('resolves relative local roots from the working directory and refuses a root that is no location', () => {
    expect(resolveServerSettings({ cwd: '/srv/app', allowedArtifactRoots: ['runs', 'ftp://h/x'] }).allowedArtifactRoots).toEqual(['/srv/app/runs', 'ftp://h/x']);
    expect(() => resolveServerSettings({ allowedArtifactRoots: ['mailto:someone'] })).toThrow(/Invalid --allowed-artifact-root/);
  });
});

describe('a --default-artifact-root carrying a credential', () => {
  // Every new experiment's location, and so every run's artifact_uri, would show it to clients.
  it.each([
    ['ftp://u:pw1@files.example/mlruns', "'ftp://u:***@files.example/mlruns'", 'ORRERY_FTP_PASSWORD'],
    ['https://acct.blob.core.windows.net/c/runs?sv=2022-11-02&sig=pw1', "'https://acct.blob.core.windows.net/c/runs?sv=2022-11-02&sig=***'", 'AZURE_STORAGE_CONNECTION_STRING'],
  ])('is refused when the settings are read: %s', (root, masked, credentialFrom) => {
    expect(() => resolveServerSettings({ defaultArtifactRoot: root })).toThrow(`Invalid --default-artifact-root ${masked}`);
    expect(() => resolveServerSettings({ defaultArtifactRoot: root })).toThrow(credentialFrom);
    expect(() => resolveServerSettings({ defaultArtifactRoot: root })).not.toThrow(/pw1/);
  });

  it('is allowed with a user name alone, and a password stays allowed in --artifacts-destination (clients never see it)', () => {
    expect(resolveServerSettings({ defaultArtifactRoot: 'ftp://u@files.example/mlruns' }).defaultArtifactRoot).toBe('ftp://u@files.example/mlruns');
    expect(resolveServerSettings({ artifactsDestination: 'ftp://u:pw1@files.example/proxied' }).artifactsDestination).toBe(
      'ftp://u:pw1@files.example/proxied',
    );
  });

  it.each([
    ['the flag', ['--default-artifact-root', 'sftp://me:pw1@files.example/mlruns'], {}],
    ['ORRERY_DEFAULT_ARTIFACT_ROOT', [], { ORRERY_DEFAULT_ARTIFACT_ROOT: 'sftp://me:pw1@files.example/mlruns' }],
  ])('stops `orrery server` (the built CLI) with exit status 1 and a one-line reason, given through %s', async (_how, args, env) => {
    const cwd = await tempCwd();
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [ORRERY_CLI, 'server', '--host', '127.0.0.1', '--port', '0', ...args],
        { cwd, env: userEnvironment(env), timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).not.toContain('listening');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^orrery: Invalid --default-artifact-root 'sftp:\/\/me:\*\*\*@files\.example\/mlruns'/);
    expect(lines[0]).toContain('ORRERY_SFTP_PASSWORD');
    expect(result.stderr).not.toContain('pw1');
    // Refused before any store was opened: nothing was created in the working directory.
    expect(existsSync(path.join(cwd, 'orrery.db'))).toBe(false);
  });
});

describe('startServer', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('serves the default setup through plugin discovery', async () => {
    const cwd = await tempCwd();
    running = await startServer({ cwd, port: 0 });
    const created = await fetch(`${running.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'e' }),
    });
    const { experiment_id: id } = (await created.json()) as { experiment_id: string };
    const experiment = (await (await fetch(`${running.url}/api/2.0/mlflow/experiments/get?experiment_id=${id}`)).json()) as {
      experiment: { artifact_location: string };
    };
    expect(experiment.experiment.artifact_location).toBe(`mlflow-artifacts:/${id}`);
    const put = await fetch(`${running.url}/api/2.0/mlflow-artifacts/artifacts/${id}/r/artifacts/a.txt`, { method: 'PUT', body: 'a' });
    expect(put.status).toBe(200);
    expect(await readFile(path.join(cwd, 'orrery-artifacts', id, 'r', 'artifacts', 'a.txt'), 'utf8')).toBe('a');
    expect(existsSync(path.join(cwd, 'orrery.db'))).toBe(true);
  });

  it('runs N worker processes sharing one store with --workers, and stops them on SIGTERM', async () => {
    const { child, stderr } = await startClusterFixture();
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /LISTENING (\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr()}`)));
    });
    try {
      const names = Array.from({ length: 8 }, (_, i) => `exp-${i}`);
      const ids = await Promise.all(
        names.map(async (name) => {
          const response = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name }),
          });
          expect(response.status).toBe(200);
          return ((await response.json()) as { experiment_id: string }).experiment_id;
        }),
      );
      expect(new Set(ids).size).toBe(8);
      const search = (await (await fetch(`${url}/api/2.0/mlflow/experiments/search?max_results=100`)).json()) as { experiments: unknown[] };
      expect(search.experiments).toHaveLength(9);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('lets workers still starting leave quietly when the primary is stopped before they all listen', { timeout: 60_000 }, async () => {
    // The primary answers no signal until every worker listens, but the first worker serves
    // /health already: stopping the primary then closes the IPC channel under the second worker,
    // which used to crash with an unhandled EPIPE (about one start in three here). Each round
    // stops it at that moment; no worker may print an error, and none may outlive the primary.
    for (let round = 0; round < 8; round++) {
      const { child, port, stderr } = await startClusterFixture();
      child.stdout.resume();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      child.kill('SIGTERM');
      await exited;
      // The workers notice the primary's exit through their IPC channel; give them a moment.
      for (let wait = 0; wait < 50; wait++) {
        if (!(await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stderr()).not.toMatch(/EPIPE|Unhandled|Error/);
      expect(await fetch(`http://127.0.0.1:${port}/health`).then(() => 'serving', () => 'stopped')).toBe('stopped');
    }
  });
});
