import { expect } from 'vitest';
import { runCli } from '../src/program.js';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process (a child process per call costs seconds on a loaded machine),
 * capturing what it writes.
 */
export async function orrery(args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await runCli(args, { stderr: (text) => (stderr += text), env: { ...process.env, ORRERY_TRACKING_URI: '', MLFLOW_TRACKING_URI: '' } });
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Runs the CLI and expects exit status 0. */
export async function ok(args: string[]): Promise<Result> {
  const result = await orrery(args);
  expect(result.code, `orrery ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}
