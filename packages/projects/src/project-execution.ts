import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors, type ProjectLogChunk, type ProjectSubmission, type RunStatus } from '@orrery/core';
import type { OrreryClient } from '@orrery/client';
import { entryPointCommand, findEntryPoint, resolveParameters } from './entry-point-command.js';
import { loadProjectSpec } from './mlproject.js';
import { fetchProject } from './project-source.js';

/** How an execution ended. */
export interface ExecutionOutcome {
  state: Extract<RunStatus, 'FINISHED' | 'FAILED' | 'KILLED'>;
  exitCode?: number;
  message?: string;
}

export interface ExecutionHooks {
  /** Opens a tracking client on the submission's tracking URI. */
  openClient(trackingUri: string): Promise<OrreryClient>;
  /** Gives the client back once the run has ended; default: closes it. A worker keeps its clients open. */
  releaseClient?(client: OrreryClient): Promise<void>;
  /** Called once the child process runs. */
  onStart?(info: { pid: number; command: string }): void | Promise<void>;
  /** Each piece of the child's output, as it is written. */
  onOutput?(chunk: ProjectLogChunk): void;
  /** Aborting kills the child's process group; the run ends KILLED. */
  signal?: AbortSignal;
  /** Tags set on the run before the child starts (attempt counters, the worker's name). */
  tags?: Record<string, string>;
}

/** Time a cancelled child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 3_000;

const SHELL = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';

/** Sends `signal` to the child's whole process group (it was started as a group leader). */
export function killProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Path parameters given as URIs (artifacts of earlier runs) are downloaded first, as MLflow does. */
async function downloadUriPaths(
  client: OrreryClient,
  parameters: Record<string, string>,
  pathNames: Set<string>,
  storage: string,
): Promise<Record<string, string>> {
  const values = { ...parameters };
  let index = 0;
  for (const [key, value] of Object.entries(values)) {
    if (!pathNames.has(key) || !/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(value) || value.startsWith('file:')) continue;
    const target = join(storage, `param_${index++}`);
    values[key] = await client.downloadArtifacts(value, target);
  }
  return values;
}

/**
 * Runs one submission to its end, wherever it is called (the local backend in the submitting
 * process, a queue worker on another machine): fetches the project, builds the entry point's
 * command, runs it through the shell in the project directory as the leader of its own process
 * group with `MLFLOW_RUN_ID`, `MLFLOW_TRACKING_URI` and `MLFLOW_EXPERIMENT_ID` set, streams its
 * output, logs declared outputs, and ends the tracking run FINISHED, FAILED or KILLED.
 */
export async function executeSubmission(submission: ProjectSubmission, hooks: ExecutionHooks): Promise<ExecutionOutcome> {
  const client = await hooks.openClient(submission.trackingUri);
  let outcome: ExecutionOutcome;
  try {
    outcome = await executeWithClient(client, submission, hooks);
  } catch (error) {
    outcome = { state: 'FAILED', message: (error as Error).message };
    hooks.onOutput?.({ stream: 'stderr', text: `${(error as Error).message}\n`, timestamp: Date.now() });
  }
  try {
    await client.setTerminated(submission.runId, outcome.state);
  } finally {
    await (hooks.releaseClient ? hooks.releaseClient(client) : client.close());
  }
  return outcome;
}

async function executeWithClient(client: OrreryClient, submission: ProjectSubmission, hooks: ExecutionHooks): Promise<ExecutionOutcome> {
  if (hooks.signal?.aborted) return { state: 'KILLED', message: 'cancelled before it started' };
  const source = await fetchProject(submission.uri, submission.version !== undefined ? { version: submission.version } : {});
  const scratch = await mkdtemp(join(tmpdir(), 'orrery-exec-'));
  try {
    const spec = loadProjectSpec(source.dir);
    const entryPoint = findEntryPoint(spec, submission.entryPoint);
    const resolved = resolveParameters(entryPoint, submission.parameters, source.dir);
    const pathNames = new Set(entryPoint.parameters.filter((p) => p.type === 'path').map((p) => p.name));
    const values = await downloadUriPaths(client, resolved.values, pathNames, join(scratch, 'inputs'));
    const command = entryPointCommand(entryPoint, values);
    const outputDir = join(scratch, 'outputs');
    await mkdir(outputDir);
    const tags = Object.entries(hooks.tags ?? {}).map(([key, value]) => ({ key, value }));
    if (tags.length > 0) await client.logBatch(submission.runId, { tags });
    await client.updateRun(submission.runId, { status: 'RUNNING' });
    const result = await runChild(command, source.dir, {
      ...process.env,
      ...submission.env,
      MLFLOW_RUN_ID: submission.runId,
      MLFLOW_TRACKING_URI: submission.trackingUri,
      MLFLOW_EXPERIMENT_ID: submission.experimentId,
      ORRERY_OUTPUT_DIR: outputDir,
    }, hooks);
    if (result.state !== 'FINISHED') return result;
    const outputs = submission.outputs ?? entryPoint.outputs;
    const missing = outputs.find((output) => !existsSync(join(outputDir, output)));
    if (missing !== undefined) {
      throw errors.invalidState(`Entry point '${entryPoint.name}' declares output '${missing}' but wrote nothing to $ORRERY_OUTPUT_DIR/${missing}.`);
    }
    if (outputs.length > 0) await client.logArtifacts(submission.runId, outputDir, 'outputs');
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await source.cleanup();
  }
}

function runChild(command: string, cwd: string, env: NodeJS.ProcessEnv, hooks: ExecutionHooks): Promise<ExecutionOutcome> {
  return new Promise((resolve, reject) => {
    // detached: the child leads its own process group, so a cancel reaches everything it started.
    const child = spawn(SHELL, ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (child.pid === undefined) return;
      cancelled = true;
      killProcessGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killProcessGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const forward = (stream: 'stdout' | 'stderr') => (data: Buffer) => hooks.onOutput?.({ stream, text: data.toString('utf8'), timestamp: Date.now() });
    child.stdout.on('data', forward('stdout'));
    child.stderr.on('data', forward('stderr'));
    child.on('error', (error) => reject(errors.internal(`Could not start ${SHELL}: ${error.message}`, error)));
    child.on('spawn', () => {
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
      if (hooks.signal?.aborted) onAbort();
      void Promise.resolve(hooks.onStart?.({ pid: child.pid!, command })).catch(() => undefined);
    });
    child.on('close', (code, signal) => {
      hooks.signal?.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      // A shell's exit code for a signal is 128 + its number, as a terminal would report it.
      const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15);
      if (cancelled) resolve({ state: 'KILLED', exitCode, message: 'cancelled' });
      else resolve({ state: exitCode === 0 ? 'FINISHED' : 'FAILED', exitCode });
    });
  });
}
