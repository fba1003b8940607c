/**
 * `orrery server` as users run it (the built CLI in a child process) against a PostgreSQL store.
 * Like test/mlflow-compat/orrery-server-process.ts, which is fixed to SQLite, but with the store URI
 * and extra environment chosen by the test, and a `kill` for crash checks.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startOrreryServerProcess } from '@orrery/testkit';

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
  try {
    const server = await startOrreryServerProcess({
      cwd: dir,
      args: ['--backend-store-uri', backendStoreUri, '--artifacts-destination', `file://${path.join(dir, 'artifacts')}`],
      ...(options.env !== undefined ? { env: options.env } : {}),
      startTimeoutMs: 60_000,
    });
    return {
      url: server.url,
      dir,
      alive: server.alive,
      stderr: server.stderr,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
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
