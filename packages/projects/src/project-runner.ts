import { resolve as resolvePath } from 'node:path';
import {
  errors,
  type ProjectBackend,
  type ProjectExecutionStatus,
  type ProjectLogChunk,
  type ProjectSubmission,
} from '@orrery/core';
import type { OrreryClient } from '@orrery/client';
import { entryPointCommand, findEntryPoint, loggedParameters, resolveParameters } from './entry-point-command.js';
import { loadProjectSpec, type ProjectSpec } from './mlproject.js';
import { ORRERY_PROJECT_TAGS, projectRunTags } from './project-run-tags.js';
import { fetchProject, type ProjectSource } from './project-source.js';
import { runPipeline } from './pipeline-runner.js';

export const ENV_MANAGERS = ['local', 'virtualenv', 'conda'] as const;
export type EnvManager = (typeof ENV_MANAGERS)[number];

export interface RunProjectOptions {
  uri: string;
  entryPoint: string;
  parameters: Record<string, string>;
  version?: string;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager?: EnvManager;
  backend: ProjectBackend;
  backendConfig: Record<string, unknown>;
  client: OrreryClient;
  /** Wait for the end and stream the output (default); false returns once submitted. */
  wait?: boolean;
  /** MLflow's `=== ... ===` lines and pipeline progress (stderr in the CLI). */
  report(line: string): void;
  /** The child's output as it is written (stdout/stderr in the CLI). */
  output?(chunk: ProjectLogChunk, prefix?: string): void;
  /** Called with the execution once submitted (the CLI cancels it on Ctrl-C). */
  onSubmitted?(executionId: string): void;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ProjectRunResult {
  runId: string;
  executionId?: string;
  /** The final status; undefined with `wait: false`. */
  status?: ProjectExecutionStatus;
  /** What `orrery run` exits with: the child's code (1 when it has none). */
  exitCode: number;
}

/** A relative `sqlite:///file.db` URI would point elsewhere once the child runs in the project directory. */
export function absoluteTrackingUri(uri: string, cwd: string): string {
  const relative = /^sqlite:\/\/\/(?!\/)(.*)$/.exec(uri);
  if (relative !== null && relative[1] !== ':memory:') return `sqlite:///${resolvePath(cwd, relative[1]!)}`;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri)) return `sqlite:///${resolvePath(cwd, uri)}`;
  return uri;
}

function checkEnvironment(spec: ProjectSpec, envManager: EnvManager): void {
  if (envManager === 'virtualenv') {
    throw errors.notImplemented(
      '--env-manager virtualenv needs pyenv and virtualenv to build the environment of python_env.yaml, which Orrery does not do yet; install the project\'s dependencies in the current environment and use --env-manager local.',
    );
  }
  if (envManager === 'conda') {
    throw errors.notImplemented(
      '--env-manager conda needs conda (or mamba) on PATH to build the environment of conda.yaml, which Orrery does not do yet; create the environment yourself, activate it and use --env-manager local.',
    );
  }
  if (spec.environment?.kind === 'docker_env') {
    throw errors.notImplemented(`This project runs in the Docker image ${spec.environment.value} (docker_env), which needs a Docker backend; Orrery's backends are local and queue.`);
  }
}

/** The experiment named on the command line (created when missing, as MLflow does), else the environment's, else 0. */
export async function resolveExperimentId(options: RunProjectOptions): Promise<string> {
  const env = options.env ?? process.env;
  if (options.experimentName !== undefined && options.experimentId !== undefined) {
    throw errors.invalidParameter('Specify only one of --experiment-name and --experiment-id.');
  }
  const name = options.experimentName ?? (options.experimentId === undefined ? env.MLFLOW_EXPERIMENT_NAME || undefined : undefined);
  if (name !== undefined) {
    const existing = await options.client.getExperimentByName(name);
    if (existing !== null) return existing.experimentId;
    options.report(`'${name}' does not exist. Creating a new experiment`);
    return options.client.createExperiment(name);
  }
  const id = options.experimentId ?? (env.MLFLOW_EXPERIMENT_ID || '0');
  await options.client.getExperiment(id);
  return id;
}

/** Submits one execution and, unless asked not to, streams its output and waits for its end. */
export async function executeOnBackend(
  options: Pick<RunProjectOptions, 'backend' | 'client' | 'wait' | 'output' | 'onSubmitted'>,
  submission: ProjectSubmission,
  prefix?: string,
): Promise<{ executionId: string; status?: ProjectExecutionStatus }> {
  const execution = await options.backend.submit(submission);
  options.onSubmitted?.(execution.id);
  await options.client.setTag(submission.runId, ORRERY_PROJECT_TAGS.executionId, execution.id).catch(() => undefined);
  if (options.wait === false) return { executionId: execution.id };
  for await (const chunk of options.backend.logs(execution.id, { follow: true })) options.output?.(chunk, prefix);
  const status = await options.backend.wait(execution.id);
  // The backend says it ended: a run it could not end itself (a lost worker) must not stay RUNNING.
  const run = await options.client.getRun(submission.runId);
  if (run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED') {
    await options.client.setTerminated(submission.runId, status.state === 'FINISHED' ? 'FINISHED' : status.state === 'KILLED' ? 'KILLED' : 'FAILED');
  }
  return { executionId: execution.id, status };
}

/**
 * `orrery run`: checks the project and its parameters before anything is created (a missing
 * parameter creates no run), creates the tracked run with MLflow's tags and parameters, submits the
 * entry point (or a pipeline) to the backend and, by default, streams its output until it ends.
 */
export async function runProject(options: RunProjectOptions): Promise<ProjectRunResult> {
  const cwd = options.cwd ?? process.cwd();
  const source = await fetchProject(options.uri, { ...(options.version !== undefined ? { version: options.version } : {}), cwd });
  try {
    const spec = loadProjectSpec(source.dir);
    checkEnvironment(spec, options.envManager ?? 'local');
    const pipeline = spec.pipelines.get(options.entryPoint);
    if (pipeline !== undefined) return await runPipeline({ ...options, cwd }, source, spec, pipeline);
    return await runEntryPoint({ ...options, cwd }, source, spec);
  } finally {
    await source.cleanup();
  }
}

/** The submission for an entry point of `source`, without run and experiment. */
export function baseSubmission(options: RunProjectOptions, source: ProjectSource): Omit<ProjectSubmission, 'runId' | 'experimentId' | 'entryPoint' | 'parameters'> {
  return {
    uri: source.uri,
    ...(source.uri !== source.dir && options.version !== undefined ? { version: options.version } : {}),
    trackingUri: absoluteTrackingUri(options.client.trackingUri, options.cwd ?? process.cwd()),
    backendConfig: options.backendConfig,
  };
}

async function runEntryPoint(options: RunProjectOptions, source: ProjectSource, spec: ProjectSpec): Promise<ProjectRunResult> {
  const entryPoint = findEntryPoint(spec, options.entryPoint);
  const resolved = resolveParameters(entryPoint, options.parameters, options.cwd ?? process.cwd());
  const command = entryPointCommand(entryPoint, resolved.values);
  const experimentId = await resolveExperimentId(options);
  const run = await options.client.createRun(experimentId, {
    ...(options.runName !== undefined ? { runName: options.runName } : {}),
    tags: projectRunTags(source, entryPoint.name, options.backend.name),
  });
  const runId = run.info.runId;
  const params = Object.entries(loggedParameters(resolved.values)).map(([key, value]) => ({ key, value }));
  if (params.length > 0) await options.client.logBatch(runId, { params });
  options.report(`=== Running command '${command}' in run with ID '${runId}' === `);
  let result: Awaited<ReturnType<typeof executeOnBackend>>;
  try {
    result = await executeOnBackend(options, {
      ...baseSubmission(options, source),
      entryPoint: entryPoint.name,
      parameters: resolved.values,
      experimentId,
      runId,
      outputs: entryPoint.outputs,
    });
  } catch (error) {
    await options.client.setTerminated(runId, 'FAILED').catch(() => undefined);
    throw error;
  }
  if (result.status === undefined) {
    options.report(`=== Submitted run (ID '${runId}') as execution '${result.executionId}' on backend '${options.backend.name}' ===`);
    return { runId, executionId: result.executionId, exitCode: 0 };
  }
  const succeeded = result.status.state === 'FINISHED';
  options.report(succeeded ? `=== Run (ID '${runId}') succeeded ===` : `=== Run (ID '${runId}') failed ===`);
  return { runId, executionId: result.executionId, status: result.status, exitCode: succeeded ? 0 : result.status.exitCode || 1 };
}
