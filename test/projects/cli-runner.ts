import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ORRERY_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** This process's environment without MLflow's and Orrery's variables, plus `extra`. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MLFLOW_') && !key.startsWith('ORRERY_')));
  return { ...env, ...extra };
}

/** Runs the built CLI with the given tracking URI and no inherited MLflow or Orrery settings. */
export function orrery(args: string[], options: { cwd: string; trackingUri: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ORRERY_BIN, ...args],
      { cwd: options.cwd, env: cleanEnv({ ORRERY_TRACKING_URI: options.trackingUri, ...options.env }) },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
