/**
 * `orrery server` as users run it (the built CLI in a child process) against a PostgreSQL store.
 * Like test/mlflow-compat/orrery-server-process.ts, which is fixed to SQLite, but with the store URI
 * and extra environment chosen by the test, and a `kill` for crash checks.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI = path.join(REPO, 'packages', 'cli', 'dist', 'bin.js');

export interface OrreryServerProcess {
  url: string;
  dir: string;
  /** True while the process runs. */
  alive(): boolean;
  stderr(): string;
  stop(): Promise<void>;
}

/** A user's shell environment: no ORRERY_/MLFLOW_ settings leaking in from the test runner. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|ORRERY_|MLFLOW_|VITEST)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ORRERY_LOG_LEVEL: 'warn', ...extra };
}

/** Runs the CLI to completion and returns stdout (throws with stderr on failure). */
export async function runCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: cleanEnv(), timeout: 60_000 });
  return stdout;
}

export async function startOrreryServer(backendStoreUri: string, options: { env?: Record<string, string> } = {}): Promise<OrreryServerProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-pg-server-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'server', '--host', '127.0.0.1', '--port', '0', '--backend-store-uri', backendStoreUri, '--artifacts-destination', `file://${path.join(dir, 'artifacts')}`],
    { cwd: dir, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`orrery server did not start within 60 s.\nstderr:\n${stderr}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening at (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`orrery server exited with code ${code} before listening (is dist built? run \`pnpm tsc -b\`).\nstderr:\n${stderr}`));
    });
  });
  return {
    url,
    dir,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON to the REST API and returns status and parsed body. */
export async function postJson(baseUrl: string, route: string, body: unknown, timeoutMs = 30_000): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/api/2.0/mlflow/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** GETs from the REST API. */
export async function getJson(baseUrl: string, route: string, query: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/api/2.0/mlflow/${route}?${new URLSearchParams(query).toString()}`, { signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
