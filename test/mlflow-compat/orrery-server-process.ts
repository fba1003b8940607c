/**
 * Runs `orrery server` as users run it: the built CLI in a child process, in a fresh folder, with
 * the default setup (embedded SQLite store, artifacts served through the proxy) on a loopback port
 * the kernel picks. MLflow's clients only ever see it over HTTP, so the tests here do the same.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(REPO, 'packages', 'cli', 'dist', 'bin.js');

export interface OrreryServerProcess {
  /** `http://127.0.0.1:<port>`, what `MLFLOW_TRACKING_URI` would be set to. */
  url: string;
  /** The folder the server runs in (its database and proxied artifacts live here). */
  dir: string;
  /** Where the proxy stores files (`--artifacts-destination`). */
  artifactsDir: string;
  /** Everything the server wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, wait for the exit, remove the folder. */
  stop(): Promise<void>;
}

/** The environment of a user's shell: no ORRERY_/MLFLOW_ settings leaking in from the test runner. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|ORRERY_|MLFLOW_)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ORRERY_LOG_LEVEL: 'warn' };
}

export async function startOrreryServer(): Promise<OrreryServerProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-mlflow-compat-'));
  const artifactsDir = path.join(dir, 'mlartifacts');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CLI,
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--backend-store-uri',
      `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      `file://${artifactsDir}`,
    ],
    { cwd: dir, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`orrery server did not start within 30 s.\nstderr:\n${stderr}`)), 30_000);
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
    artifactsDir,
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
