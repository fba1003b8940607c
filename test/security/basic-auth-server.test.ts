/**
 * `orrery server --app-name basic-auth` as users start it: the built CLI in a child process, with
 * MLflow's config file (MLFLOW_AUTH_CONFIG_PATH). Before this app existed, wrong credentials were
 * answered 200 and the flag was unknown.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ORRERY_CLI, startOrreryServerProcess, userEnvironment, type OrreryServerProcess } from '@orrery/testkit';
import { useTestDatabase } from '../../plugins/postgres/test/postgres-test-helpers.js';

/** A fresh PostgreSQL database for this file, dropped after it. */
const postgres = useTestDatabase();
const scratch = mkdtempSync(path.join(tmpdir(), 'orrery-security-auth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;

/** A fresh folder with an auth ini; returns the folder and the env naming the ini. */
function setup(ini: string): { cwd: string; env: Record<string, string> } {
  const dir = mkdtempSync(path.join(scratch, `s${(count += 1)}-`));
  const file = path.join(dir, 'basic_auth.ini');
  writeFileSync(file, ini);
  return { cwd: dir, env: { MLFLOW_AUTH_CONFIG_PATH: file } };
}

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

async function get(url: string, authorization?: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, headers: response.headers, body };
}

const servers: OrreryServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function start(cwd: string, env: Record<string, string>, args: string[] = [], processCwd = cwd): Promise<OrreryServerProcess> {
  const server = await startOrreryServerProcess({ cwd: processCwd, env, args: ['--app-name', 'basic-auth', '--backend-store-uri', `sqlite:///${path.join(cwd, 'mlflow.db')}`, ...args] });
  servers.push(server);
  return server;
}

describe('orrery server --app-name basic-auth', () => {
  it('answers wrong Basic credentials 401 and the configured admin 200; creates the admin at start-up', async () => {
    const { cwd, env } = setup('[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///auth.db\nadmin_username = root\nadmin_password = s3cret-pw\n');
    const server = await start(cwd, env);
    const experiments = `${server.url}/api/2.0/mlflow/experiments/search?max_results=5`;
    for (const authorization of [undefined, basic('root', 'wrong'), basic('nobody', 's3cret-pw')]) {
      const answer = await get(experiments, authorization);
      expect([answer.status, answer.body.error_code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="mlflow"');
    }
    expect((await get(experiments, basic('root', 's3cret-pw'))).status).toBe(200);
    expect((await get(`${server.url}/health`)).status).toBe(200);
    // database_uri is relative to the working directory, as MLflow's sqlite:///basic_auth.db.
    expect(spawnSync('ls', [cwd]).stdout.toString()).toContain('auth.db');
    expect(server.output()).not.toContain("MLflow's default");
  });

  it("warns when the admin password is still MLflow's default (no config file: MLflow's built-in values)", async () => {
    const { cwd } = setup('');
    const server = await start(cwd, {});
    expect((await get(`${server.url}/version`, basic('admin', 'password'))).status).toBe(200);
    expect(server.output()).toMatch(/admin_password is MLflow's default/);
    expect(server.output()).not.toMatch(/"password":|s3cret/);
  });

  it('refuses an unknown app name and another authorization_function with a one-line reason', () => {
    const { cwd, env } = setup('[mlflow]\nauthorization_function = my_module:my_auth\n');
    const run = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, [ORRERY_CLI, 'server', '--port', '0', ...args], { cwd, env: userEnvironment(extra), encoding: 'utf8', timeout: 30_000 });
    const unknown = run(['--app-name', 'oidc']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/Unknown --app-name "oidc": the apps are basic-auth/);
    const custom = run(['--app-name', 'basic-auth'], env);
    expect(custom.status).not.toBe(0);
    expect(custom.stderr.trim().split('\n')).toHaveLength(1);
    expect(custom.stderr).toMatch(/Unsupported authorization_function = my_module:my_auth/);
  });

  it('counts failed logins in the auth store: two servers on one store share the limit', async () => {
    const { cwd, env } = setup(
      '[mlflow]\ndatabase_uri = sqlite:///shared-auth.db\nadmin_password = adminpw\nlogin_max_failures_per_user = 4\nlogin_max_failures_per_address = 1000\nlogin_failure_window_seconds = 120\n',
    );
    const [a, b] = [await start(cwd, env), await start(cwd, env)];
    for (let i = 0; i < 4; i += 1) {
      const server = i % 2 === 0 ? a : b;
      expect((await get(`${server.url}/version`, basic('admin', `guess-${i}`))).status).toBe(401);
    }
    for (const server of [a, b]) {
      const limited = await get(`${server.url}/version`, basic('admin', 'adminpw'));
      expect([limited.status, limited.body.error_code]).toEqual([429, 'REQUEST_LIMIT_EXCEEDED']);
      expect(limited.headers.get('retry-after')).toBe('120');
    }
  });

  it('works with --workers 2: every worker authenticates against the same store', async () => {
    const { cwd, env } = setup('[mlflow]\ndatabase_uri = sqlite:///auth.db\nadmin_password = adminpw\n');
    // The workers share one port, which must be known up front (the primary prints the one it was given).
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const server = await start(cwd, env, ['--workers', '2', '--port', String(port)]);
    const created = await fetch(`${server.url}/api/2.0/mlflow/users/create`, {
      method: 'POST',
      headers: { authorization: basic('admin', 'adminpw'), 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'w', password: 'wpw' }),
    });
    expect(created.status).toBe(200);
    // Several requests land on both workers; each knows the new user and refuses a wrong password.
    for (let i = 0; i < 6; i += 1) {
      expect((await get(`${server.url}/version`, basic('w', 'wpw'))).status).toBe(200);
      expect((await get(`${server.url}/version`, basic('w', 'nope'))).status).toBe(401);
    }
  });

  it('keeps users in a PostgreSQL auth store named by database_uri (plugin found by discovery)', async () => {
    const databaseUri = postgres.freshSchemaUri();
    const { cwd, env } = setup(`[mlflow]\ndatabase_uri = ${databaseUri}\nadmin_password = adminpw\n`);
    // Started from the workspace root, where @orrery/plugin-postgres is installed.
    const repoRoot = new URL('../..', import.meta.url).pathname;
    const inCwd = ['--artifacts-destination', `file://${path.join(cwd, 'artifacts')}`];
    const first = await start(cwd, env, inCwd, repoRoot);
    const created = await fetch(`${first.url}/api/2.0/mlflow/users/create`, {
      method: 'POST',
      headers: { authorization: basic('admin', 'adminpw'), 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'pg-user', password: 'pg-pw' }),
    });
    expect(created.status).toBe(200);
    await first.stop();
    // A new server on the same store knows the user.
    const second = await start(cwd, env, inCwd, repoRoot);
    expect((await get(`${second.url}/version`, basic('pg-user', 'pg-pw'))).status).toBe(200);
    expect((await get(`${second.url}/version`, basic('pg-user', 'wrong'))).status).toBe(401);
  });
});
