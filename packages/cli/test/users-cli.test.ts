/**
 * `orrery users`: the admin CLI on the auth store an ini names, checked end to end: what it
 * creates, grants and revokes is what a live `orrery server --app-name basic-auth` on the same
 * store then enforces.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

let dir: string;
let ini: string;
let server: ChildProcess | undefined;
let serverUrl = '';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function orrery(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, env: { ...process.env, MLFLOW_AUTH_CONFIG_PATH: ini, ORRERY_PLUGINS: '', ORRERY_DEBUG: '' } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

async function ok(args: string[], input = ''): Promise<string> {
  const result = await orrery(args, input);
  expect(result.code, `orrery ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startAuthServer(): Promise<void> {
  const port = await freePort();
  server = spawn(process.execPath, [BIN, 'server', '--app-name', 'basic-auth', '--port', String(port)], {
    cwd: dir,
    env: { ...process.env, MLFLOW_AUTH_CONFIG_PATH: ini, ORRERY_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serverUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      if ((await fetch(`${serverUrl}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the auth server did not start');
}

function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

async function api(method: string, route: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${serverUrl}/api/2.0/mlflow/${route}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

beforeAll(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-users-cli-')));
  ini = path.join(dir, 'basic_auth.ini');
  writeFileSync(
    ini,
    [
      '[mlflow]',
      'default_permission = READ',
      `database_uri = sqlite:///${path.join(dir, 'auth.db')}`,
      'admin_username = admin',
      'admin_password = admin-secret-1',
      'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('orrery users', () => {
  it('creates users with the password from standard input, never from arguments, and lists them', async () => {
    expect(await ok(['users', 'create', 'alice'], 'alice-pw-1\n')).toContain('Created user alice');
    expect(await ok(['users', 'create', 'root2', '--admin'], 'root2-pw-1')).toContain('(admin)');
    const list = JSON.parse(await ok(['--json', 'users', 'list'])) as Array<{ username: string; is_admin: boolean }>;
    expect(list.map((u) => [u.username, u.is_admin])).toEqual([
      ['alice', false],
      ['root2', true],
    ]);
    const again = await orrery(['users', 'create', 'alice'], 'x-pw-12345');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^orrery: User \(username=alice\) already exists/);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    const empty = await orrery(['users', 'create', 'bob'], '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^orrery: .*password/i);
  });

  it('refuses bad arguments with one line and exit status 2', async () => {
    const both = await orrery(['users', 'grant', 'alice', '--experiment', '1', '--registered-model', 'm', '--permission', 'READ']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^orrery: Name exactly one of --experiment/);
    const badPermission = await orrery(['users', 'grant', 'alice', '--experiment', '1', '--permission', 'WRITE']);
    expect(badPermission.code).toBe(2);
    const badFlag = await orrery(['users', 'set-admin', 'alice', 'maybe']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/expected true or false/);
  });

  it('grants and revokes what a live basic-auth server then enforces; tokens work until revoked', async () => {
    await startAuthServer();
    const admin = basic('admin', 'admin-secret-1');
    const alice = basic('alice', 'alice-pw-1');
    const created = await api('POST', 'experiments/create', admin, { name: 'guarded' });
    expect(created.status).toBe(200);
    const experimentId = String(created.json.experiment_id);

    // Default READ: alice can read but not write.
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, alice)).status).toBe(200);
    expect((await api('POST', 'runs/create', alice, { experiment_id: experimentId })).status).toBe(403);

    await ok(['users', 'grant', 'alice', '--experiment', experimentId, '--permission', 'EDIT']);
    expect((await api('POST', 'runs/create', alice, { experiment_id: experimentId })).status).toBe(200);
    const shown = JSON.parse(await ok(['--json', 'users', 'show', 'alice'])) as { experiment_permissions: unknown[] };
    expect(shown.experiment_permissions).toEqual([{ experiment_id: experimentId, permission: 'EDIT' }]);

    await ok(['users', 'grant', 'alice', '--experiment', experimentId, '--permission', 'NO_PERMISSIONS']);
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, alice)).status).toBe(403);
    await ok(['users', 'revoke', 'alice', '--experiment', experimentId]);
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, alice)).status).toBe(200);

    const token = (await ok(['users', 'tokens', 'create', 'alice', '--name', 'ci', '--lifetime-days', '7'])).trim();
    expect(token).not.toBe('');
    const bearer = { authorization: `Bearer ${token}` };
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, bearer)).status).toBe(200);
    const tokens = JSON.parse(await ok(['--json', 'users', 'tokens', 'list', 'alice'])) as Array<{ id: string; name: string }>;
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.name).toBe('ci');
    expect(JSON.stringify(tokens)).not.toContain(token);
    await ok(['users', 'tokens', 'revoke', tokens[0]!.id]);
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, bearer)).status).toBe(401);

    await ok(['users', 'set-password', 'alice'], 'alice-pw-2\n');
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, alice)).status).toBe(401);
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, basic('alice', 'alice-pw-2'))).status).toBe(200);

    await ok(['users', 'delete', 'alice']);
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`, basic('alice', 'alice-pw-2'))).status).toBe(401);
  });

  it('writes every change to the audit log, with no password or token in it', async () => {
    const entries = JSON.parse(await ok(['--json', 'users', 'audit'])) as Array<{ action: string; resource?: string; username?: string }>;
    const actions = entries.map((e) => e.action);
    expect(actions).toContain('cli users create');
    expect(actions).toContain('cli users grant EDIT');
    expect(actions).toContain('cli users tokens revoke');
    expect(actions).toContain('cli users delete');
    // The server's own writes are there too.
    expect(entries.some((e) => e.username === 'admin' && /experiments\/create/.test(e.action))).toBe(true);
    const text = JSON.stringify(entries);
    for (const secret of ['alice-pw-1', 'alice-pw-2', 'admin-secret-1', 'orr_']) expect(text).not.toContain(secret);
    const mine = JSON.parse(await ok(['--json', 'users', 'audit', '--user', 'admin', '--max-results', '1'])) as unknown[];
    expect(mine).toHaveLength(1);
  });
});
