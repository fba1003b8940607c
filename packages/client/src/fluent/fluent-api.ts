/**
 * The fluent API: module-level state like MLflow's `mlflow.*` functions. One process has one
 * tracking URI, one active experiment and one stack of active runs (nested runs sit on top of
 * their parent). Functions that log to "the run" use the run on top of the stack; the async ones
 * start a run when none is active (as MLflow does), `logMetric` does not (it never waits).
 */
import {
  errors,
  type Experiment,
  LIMITS,
  type Page,
  type Run,
  type RunStatus,
  type RunTag,
  type ViewType,
} from '@orrery/core';
import { resolveRunContextTags } from '../context/run-context-tags.js';
import { type LogMetricOptions, type OrreryClient, type ParamValue, type TagsInput, toTagList } from '../orrery-client.js';
import type { MetricBuffer } from '../metric-buffer.js';
import { ActiveRun } from './active-run.js';
import {
  closeCurrentSession,
  type FluentClientOptions,
  type FluentSession,
  fluentLogger,
  getSession,
  releaseSession,
  resolvedUri,
  setConfiguredUri,
  setFluentClientOptions,
} from './fluent-session.js';

/** Reserved tags set by the fluent API. */
export const PARENT_RUN_ID_TAG = 'mlflow.parentRunId';
export const NOTE_TAG = 'mlflow.note.content';

interface StackEntry {
  run: ActiveRun;
  session: FluentSession;
}

const runStack: StackEntry[] = [];
let activeExperimentId: string | undefined;
let lastEndedRunId: string | undefined;
let exitHookInstalled = false;

// The hot path of `logMetric` reads these two instead of walking the stack.
let topRunId: string | undefined;
let topBuffer: MetricBuffer | undefined;

function refreshTop(): void {
  const top = runStack[runStack.length - 1];
  topRunId = top?.run.info.runId;
  topBuffer = top?.session.buffer;
}

// ---- tracking URI and client ----

/**
 * Sets the tracking URI for this process (it beats `ORRERY_TRACKING_URI` and
 * `MLFLOW_TRACKING_URI`). The next call opens a client for it; runs already active keep using
 * the store they were started in. Changing the URI forgets the active experiment (ids belong to
 * one store).
 */
export function setTrackingUri(uri: string): void {
  const before = resolvedUri();
  setConfiguredUri(uri);
  if (resolvedUri() !== before) activeExperimentId = undefined;
}

/** The tracking URI in effect: `setTrackingUri`, else the environment, else `./orrery.db`. */
export function getTrackingUri(): string {
  return resolvedUri();
}

/**
 * Options for the client the fluent API opens (plugin registry, default artifact root, logger).
 * Takes effect on the next call; runs already active keep their client.
 */
export function setClientOptions(options: FluentClientOptions): void {
  setFluentClientOptions(options);
}

/** The low-level client the fluent API uses for the current tracking URI. */
export async function getClient(): Promise<OrreryClient> {
  return (await getSession()).client;
}

// ---- experiments ----

function refuseDeleted(experiment: Experiment): Experiment {
  if (experiment.lifecycleStage === 'deleted') {
    throw errors.invalidState(
      `Cannot set the deleted experiment '${experiment.name}' (id ${experiment.experimentId}) as the active experiment. Restore it first, or choose another name.`,
    );
  }
  return experiment;
}

/**
 * Makes an experiment the active one: new runs go there. With a name, the experiment is created
 * when it does not exist. A deleted experiment is refused (INVALID_STATE).
 */
export async function setExperiment(
  nameOrOptions: string | { experimentName?: string; experimentId?: string },
): Promise<Experiment> {
  const options = typeof nameOrOptions === 'string' ? { experimentName: nameOrOptions } : nameOrOptions;
  const { client } = await getSession();
  let experiment: Experiment;
  if (options.experimentId !== undefined) {
    experiment = await client.getExperiment(options.experimentId);
  } else if (options.experimentName !== undefined) {
    experiment = await experimentByNameOrCreate(client, options.experimentName);
  } else {
    throw errors.invalidParameter('setExperiment needs an experiment name or an experimentId.');
  }
  refuseDeleted(experiment);
  activeExperimentId = experiment.experimentId;
  return experiment;
}

async function experimentByNameOrCreate(client: OrreryClient, name: string): Promise<Experiment> {
  const found = await client.getExperimentByName(name);
  if (found !== null) return found;
  try {
    return await client.getExperiment(await client.createExperiment(name));
  } catch (error) {
    // Another process may have created it between the lookup and the create.
    const raced = await client.getExperimentByName(name);
    if (raced !== null) return raced;
    throw error;
  }
}

function nonEmptyEnv(name: string): string | undefined {
  const value = process.env[name];
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The experiment new runs go to: the one set by `setExperiment`, else `ORRERY_EXPERIMENT_NAME` /
 * `MLFLOW_EXPERIMENT_NAME` (created if missing), else `ORRERY_EXPERIMENT_ID` /
 * `MLFLOW_EXPERIMENT_ID`, else the Default experiment `0`.
 */
async function currentExperimentId(client: OrreryClient): Promise<string> {
  if (activeExperimentId !== undefined) return activeExperimentId;
  const name = nonEmptyEnv('ORRERY_EXPERIMENT_NAME') ?? nonEmptyEnv('MLFLOW_EXPERIMENT_NAME');
  if (name !== undefined) return refuseDeleted(await experimentByNameOrCreate(client, name)).experimentId;
  return nonEmptyEnv('ORRERY_EXPERIMENT_ID') ?? nonEmptyEnv('MLFLOW_EXPERIMENT_ID') ?? '0';
}

// ---- runs ----

export interface StartRunOptions {
  /** Resume this existing run instead of creating one (its status goes back to RUNNING). */
  runId?: string;
  /** Default: the active experiment (see `setExperiment`). */
  experimentId?: string;
  runName?: string;
  /** Start the run inside the active run (it gets the `mlflow.parentRunId` tag). */
  nested?: boolean;
  /** These always win over run-context tags. */
  tags?: TagsInput;
  /** Stored as the `mlflow.note.content` tag (the run's description in the UI). */
  description?: string;
}

function tagRecord(tags: TagsInput | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { key, value } of toTagList(tags)) record[key] = value;
  return record;
}

function alreadyActiveError(runId: string): Error {
  return errors.invalidState(
    `Run with id ${runId} is already active. To start a new run, first end the current run with endRun(). To start a nested run, call startRun({ nested: true }).`,
  );
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('beforeExit', () => {
    const bottom = runStack[0];
    if (bottom === undefined) return;
    bottom.run.end('FINISHED').catch((error: unknown) => {
      bottom.session.logger.error({ err: error, runId: bottom.run.runId }, 'ending the active run at exit failed');
      if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = 1;
    });
  });
}

/**
 * Starts a run (or resumes one with `runId`) and makes it the active run.
 *
 * Tags: the run starts with the tags of every run-context provider the plugin registry lists
 * (built-in first: `mlflow.user`, `mlflow.source.name`, `mlflow.source.type`, the git commit,
 * branch and remote, `orrery.host`; then third-party ones), merged in that order, and then the
 * tags given here, which always win; `nested` adds `mlflow.parentRunId` and `description` adds
 * `mlflow.note.content`. A provider that throws (when created, in `inContext()` or in `tags()`) is
 * logged at warn level with its package name and skipped; it never stops the run.
 *
 * Without `runId`, the first run of a process started with `MLFLOW_RUN_ID` set (by `orrery run`
 * or `mlflow run`) resumes that run, and the variable is removed (as MLflow does).
 *
 * Throws INVALID_STATE when a run is already active and `nested` is not set (as MLflow does).
 * At process exit (`beforeExit`), a run still active is ended FINISHED.
 */
export async function startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
  const before = runStack[runStack.length - 1];
  if (before !== undefined && !options.nested) throw alreadyActiveError(before.run.runId);
  const session = await getSession();
  const parent = runStack[runStack.length - 1];
  if (parent !== undefined && !options.nested) throw alreadyActiveError(parent.run.runId);

  const userTags = tagRecord(options.tags);
  if (options.description !== undefined) userTags[NOTE_TAG] = options.description;
  if (parent !== undefined) userTags[PARENT_RUN_ID_TAG] = parent.run.runId;

  // As MLflow does: a process started for a run (`orrery run`, `mlflow run`) resumes it on its
  // first startRun, and the variable is consumed so later runs of the process are new ones.
  let runId = options.runId;
  if (runId === undefined && parent === undefined && nonEmptyEnv('MLFLOW_RUN_ID') !== undefined) {
    runId = nonEmptyEnv('MLFLOW_RUN_ID');
    delete process.env.MLFLOW_RUN_ID;
  }
  const run =
    runId !== undefined
      ? await resumeRun(session.client, runId, options, userTags)
      : await createRun(session, options, userTags);

  const active = new ActiveRun(run, endActiveRun);
  runStack.push({ run: active, session });
  session.activeRuns += 1;
  refreshTop();
  installExitHook();
  return active;
}

async function createRun(
  session: FluentSession,
  options: StartRunOptions,
  userTags: Record<string, string>,
): Promise<Run> {
  const experimentId = options.experimentId ?? (await currentExperimentId(session.client));
  let sources: Awaited<ReturnType<FluentSession['contextSources']>> = [];
  try {
    sources = await session.contextSources();
  } catch (error) {
    session.logger.warn({ err: error }, 'loading run-context providers failed; the run starts without context tags');
  }
  const tags = await resolveRunContextTags(sources, userTags, session.logger);
  return session.client.createRun(experimentId, {
    ...(options.runName !== undefined ? { runName: options.runName } : {}),
    tags,
  });
}

async function resumeRun(
  client: OrreryClient,
  runId: string,
  options: StartRunOptions,
  userTags: Record<string, string>,
): Promise<Run> {
  if (runStack.some((entry) => entry.run.runId === runId)) throw alreadyActiveError(runId);
  const existing = await client.getRun(runId);
  if (existing.info.lifecycleStage === 'deleted') {
    throw errors.invalidState(`Cannot resume run '${runId}': it is deleted. Restore it first.`);
  }
  if (options.experimentId !== undefined && options.experimentId !== existing.info.experimentId) {
    throw errors.invalidParameter(
      `Cannot resume run '${runId}' in experiment '${options.experimentId}': it belongs to experiment '${existing.info.experimentId}'.`,
    );
  }
  await client.updateRun(runId, {
    status: 'RUNNING',
    ...(options.runName !== undefined ? { runName: options.runName } : {}),
  });
  await logTagList(client, runId, Object.entries(userTags).map(([key, value]) => ({ key, value })));
  return client.getRun(runId);
}

/** Pops `target` and every run nested above it, flushing metrics and ending each with `status`. */
async function endActiveRun(target: ActiveRun, status: RunStatus): Promise<void> {
  const index = runStack.findIndex((entry) => entry.run === target);
  if (index < 0) return;
  let failure: unknown;
  while (runStack.length > index) {
    const entry = runStack.pop()!;
    refreshTop();
    entry.run.markEnded();
    lastEndedRunId = entry.run.runId;
    try {
      await entry.session.buffer.flush();
    } catch (error) {
      failure ??= error;
    }
    try {
      await entry.session.client.setTerminated(entry.run.runId, status);
    } catch (error) {
      failure ??= error;
    }
    try {
      await releaseSession(entry.session);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

/**
 * Ends the active run (the innermost nested one): flushes its buffered metrics, then sets its
 * status (default FINISHED) and end time. Does nothing when no run is active. A failed metric
 * flush is thrown after the run has been ended.
 */
export async function endRun(status: RunStatus = 'FINISHED'): Promise<void> {
  const top = runStack[runStack.length - 1];
  if (top === undefined) return;
  await endActiveRun(top.run, status);
}

/**
 * Runs `fn` inside a new run: the run ends FINISHED when `fn` resolves, FAILED when it throws
 * (the error is rethrown). Returns what `fn` returns.
 */
export async function withRun<T>(fn: (run: ActiveRun) => T | Promise<T>, options: StartRunOptions = {}): Promise<T> {
  const run = await startRun(options);
  let result: T;
  try {
    result = await fn(run);
  } catch (error) {
    if (!run.isEnded) {
      try {
        await run.end('FAILED');
      } catch (endError) {
        fluentLogger().error({ err: endError, runId: run.runId }, 'ending the failed run failed');
      }
    }
    throw error;
  }
  await run.end('FINISHED');
  return result;
}

/** The innermost active run, or null. */
export function activeRun(): ActiveRun | null {
  return runStack[runStack.length - 1]?.run ?? null;
}

/** The active run, else the run that ended last in this process, read from the store; or null. */
export async function lastActiveRun(): Promise<Run | null> {
  const top = runStack[runStack.length - 1];
  if (top !== undefined) return top.session.client.getRun(top.run.runId);
  if (lastEndedRunId === undefined) return null;
  return (await getSession()).client.getRun(lastEndedRunId);
}

/** Reads a run from the current tracking store. */
export async function getRun(runId: string): Promise<Run> {
  return (await getSession()).client.getRun(runId);
}

/** The active run; starts one (in the active experiment) when none is. */
async function runForLogging(): Promise<StackEntry> {
  if (runStack.length === 0) await startRun();
  return runStack[runStack.length - 1]!;
}

// ---- logging ----

/**
 * Queues one metric observation for the active run and returns at once: no I/O, no promise.
 * Metrics are sent in the background in batches of up to 1000 (see `MetricBuffer`); `flush()`
 * and `endRun()` wait for them. Throws INVALID_PARAMETER_VALUE for a bad key, value, step or
 * timestamp, INVALID_STATE when no run is active (it cannot start one without waiting), and the
 * pending error of a failed background send.
 */
export function logMetric(key: string, value: number, options?: LogMetricOptions): void {
  if (topBuffer === undefined || topRunId === undefined) {
    throw errors.invalidState(`Cannot log metric '${key}': no run is active. Call startRun() first.`);
  }
  topBuffer.add(topRunId, key, value, options?.step, options?.timestamp);
}

/** `logMetric` for each entry, with the same step and timestamp. */
export function logMetrics(metrics: Readonly<Record<string, number>>, options?: LogMetricOptions): void {
  if (topBuffer === undefined || topRunId === undefined) {
    throw errors.invalidState('Cannot log metrics: no run is active. Call startRun() first.');
  }
  // One timestamp for the whole record, as one observation of several metrics.
  const timestamp = options?.timestamp ?? Date.now();
  for (const key in metrics) {
    if (Object.prototype.hasOwnProperty.call(metrics, key)) {
      topBuffer.add(topRunId, key, metrics[key]!, options?.step, timestamp);
    }
  }
}

/** Waits until every metric logged so far is stored; throws the error of a failed send. */
export async function flush(): Promise<void> {
  const buffers = new Set(runStack.map((entry) => entry.session.buffer));
  let failure: unknown;
  for (const buffer of buffers) {
    try {
      await buffer.flush();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

export async function logParam(key: string, value: ParamValue): Promise<void> {
  const { run, session } = await runForLogging();
  await session.client.logParam(run.runId, key, value);
}

/** Logs several params (in batches of 100, each atomic). */
export async function logParams(params: Readonly<Record<string, ParamValue>>): Promise<void> {
  const { run, session } = await runForLogging();
  const list = Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
  for (let i = 0; i < list.length; i += LIMITS.batch.maxParams) {
    await session.client.logBatch(run.runId, { params: list.slice(i, i + LIMITS.batch.maxParams) });
  }
}

export async function setTag(key: string, value: string): Promise<void> {
  const { run, session } = await runForLogging();
  await session.client.setTag(run.runId, key, value);
}

async function logTagList(client: OrreryClient, runId: string, tags: RunTag[]): Promise<void> {
  for (let i = 0; i < tags.length; i += LIMITS.batch.maxTags) {
    await client.logBatch(runId, { tags: tags.slice(i, i + LIMITS.batch.maxTags) });
  }
}

/** Sets several tags (in batches of 100, each atomic). */
export async function setTags(tags: TagsInput): Promise<void> {
  const { run, session } = await runForLogging();
  await logTagList(
    session.client,
    run.runId,
    toTagList(tags).map(({ key, value }) => ({ key, value: String(value) })),
  );
}

export async function deleteTag(key: string): Promise<void> {
  const { run, session } = await runForLogging();
  await session.client.deleteTag(run.runId, key);
}

/** Uploads a local file to the active run's artifacts, under `artifactPath` if given. */
export async function logArtifact(localPath: string, artifactPath?: string): Promise<void> {
  const { run, session } = await runForLogging();
  await session.client.logArtifact(run.runId, localPath, artifactPath);
}

/** Uploads a local directory's contents to the active run's artifacts. */
export async function logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
  const { run, session } = await runForLogging();
  await session.client.logArtifacts(run.runId, localDir, artifactPath);
}

/** Stores text as an artifact file of the active run, e.g. `logText(report, 'eval/report.md')`. */
export async function logText(text: string, artifactFile: string): Promise<void> {
  const { run, session } = await runForLogging();
  await session.client.logText(run.runId, text, artifactFile);
}

/** Stores an object as JSON (or YAML for `.yaml`/`.yml`) artifact file of the active run. */
export async function logDict(obj: unknown, artifactFile: string): Promise<void> {
  const { run, session } = await runForLogging();
  await session.client.logDict(run.runId, obj, artifactFile);
}

export interface FluentSearchRunsOptions {
  /** Default: the active experiment. */
  experimentIds?: string[];
  /** Resolved to ids; unknown names are ignored (as MLflow does). */
  experimentNames?: string[];
  filter?: string;
  runViewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Searches runs; without experiment ids or names, in the active experiment. */
export async function searchRuns(options: FluentSearchRunsOptions = {}): Promise<Page<Run>> {
  const { client } = await getSession();
  const { experimentIds, experimentNames, ...rest } = options;
  let ids = experimentIds ?? [];
  if (experimentNames !== undefined) {
    for (const name of experimentNames) {
      const experiment = await client.getExperimentByName(name);
      if (experiment !== null) ids = [...ids, experiment.experimentId];
    }
  }
  if (experimentIds === undefined && experimentNames === undefined) ids = [await currentExperimentId(client)];
  if (ids.length === 0) return { items: [] };
  return client.searchRuns({ ...rest, experimentIds: ids });
}

/**
 * Ends every active run FINISHED, flushes metrics and closes the fluent client, then forgets the
 * active experiment and the last run. The next call opens a new client. Use it before a process
 * ends by `process.exit()` or when a test needs the store file closed.
 */
export async function shutdown(): Promise<void> {
  let failure: unknown;
  const bottom = runStack[0];
  if (bottom !== undefined) {
    try {
      await bottom.run.end('FINISHED');
    } catch (error) {
      failure = error;
    }
  }
  try {
    await closeCurrentSession();
  } catch (error) {
    failure ??= error;
  }
  activeExperimentId = undefined;
  lastEndedRunId = undefined;
  if (failure !== undefined) throw failure;
}
