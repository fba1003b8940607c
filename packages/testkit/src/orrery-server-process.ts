/**
 * Runs `orrery server` as users run it: the built CLI (`packages/cli/dist/bin.js`) in a child
 * process on 127.0.0.1 and a port the kernel picks, with a user's environment (nothing from the
 * test runner's npm/pnpm, ORRERY_ or MLFLOW_ variables leaks in). Tests that need a server across
 * a process boundary (faults, several replicas, real clients) share this one harness.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI of this workspace (the same relative place from `src/` and `dist/`). */
export const ORRERY_CLI = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

export interface OrreryServerProcessOptions {
  /** Arguments after `orrery server` (`--host 127.0.0.1 --port 0` are added). */
  args: readonly string[];
  /** Working directory; plugin discovery starts here. */
  cwd: string;
  /** Variables added to the user's environment. */
  env?: Record<string, string | undefined>;
  /** `ORRERY_LOG_LEVEL` of the server; default `warn`. */
  logLevel?: string;
  /** How long to wait for "listening at"; default 30 s. */
  startTimeoutMs?: number;
}

export interface OrreryServerProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  pid: number;
  /** Whether the process is still running. */
  alive(): boolean;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  /** What it wrote to stdout and stderr so far (logs go to both, depending on the level). */
  output(): string;
  /** SIGTERM, SIGKILL after 10 s, and wait for the exit. Idempotent. */
  stop(): Promise<void>;
}

/** A user's shell environment: the runner's npm_/pnpm_/ORRERY_/MLFLOW_/AZURE_ variables removed. */
export function userEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|ORRERY_|MLFLOW_|AZURE_)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

export async function startOrreryServerProcess(options: OrreryServerProcessOptions): Promise<OrreryServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [ORRERY_CLI, 'server', '--host', '127.0.0.1', '--port', '0', ...options.args], {
    cwd: options.cwd,
    env: userEnvironment({ ORRERY_LOG_LEVEL: options.logLevel ?? 'warn', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`orrery server did not start within ${timeoutMs / 1000} s.\nstderr:\n${stderr}`));
    }, timeoutMs);
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
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    pid: child.pid!,
    alive,
    stderr: () => stderr,
    output: () => `${stdout}\n${stderr}`,
    async stop() {
      if (alive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
