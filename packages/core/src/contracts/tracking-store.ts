import type {
  DatasetInput,
  Experiment,
  ExperimentTag,
  Metric,
  Page,
  Param,
  Run,
  RunInfo,
  RunMetric,
  RunStatus,
  RunTag,
  ViewType,
} from '../entities/tracking.js';

export interface CreateExperimentInput {
  /** Unique among all experiments, active or deleted. */
  name: string;
  /** Defaults to `<default artifact root>/<experiment id>`. */
  artifactLocation?: string;
  tags?: ExperimentTag[];
}

export interface SearchExperimentsInput {
  /** MLflow experiment filter: `name`, `tags.<k>`, `creation_time`, `last_update_time`, joined by AND. */
  filter?: string;
  /** Default ACTIVE_ONLY. */
  viewType?: ViewType;
  /** Default 1000, at most 50000. */
  maxResults?: number;
  /** e.g. `["name ASC", "last_update_time DESC"]`; default `creation_time DESC`, then id. */
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateRunInput {
  experimentId: string;
  userId?: string;
  /** Milliseconds since the epoch; defaults to now. */
  startTime?: number;
  /** Defaults to the `mlflow.runName` tag, else a generated name. */
  runName?: string;
  tags?: RunTag[];
}

export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface SearchRunsInput {
  experimentIds: string[];
  /** MLflow run filter grammar (see `parseSearchFilter`). */
  filter?: string;
  /** Default ACTIVE_ONLY. */
  runViewType?: ViewType;
  /** Default 1000, at most 50000. */
  maxResults?: number;
  /** e.g. `["metrics.rmse ASC", "start_time DESC"]`; default `start_time DESC`, then run id. */
  orderBy?: string[];
  pageToken?: string;
}

export interface LogBatchInput {
  /** At most 1000. */
  metrics?: Metric[];
  /** At most 100. */
  params?: Param[];
  /** At most 100. */
  tags?: RunTag[];
}

export interface MetricHistoryInput {
  /** Default and maximum 25000. */
  maxResults?: number;
  pageToken?: string;
}

export interface MetricHistoryIntervalInput {
  /** 1 to 100 run ids. */
  runIds: string[];
  metricKey: string;
  /** Inclusive step range; defaults to each run's full range. */
  startStep?: number;
  endStep?: number;
  /** Points per run, 1 to 2500; default 2500. */
  maxResults?: number;
}

/**
 * Where runs, experiments, params, metrics, tags and dataset inputs live. Every method is async and
 * throws `OrreryError` for anything the caller can act on:
 * - `RESOURCE_DOES_NOT_EXIST` for an unknown experiment or run id;
 * - `INVALID_PARAMETER_VALUE` for input that breaks a rule (the message names the field and the rule);
 * - `INVALID_PARAMETER_VALUE` too for a write to a run or experiment that is deleted (see `runNotActiveError`);
 * - `TEMPORARILY_UNAVAILABLE` when the backing service cannot be reached (callers may retry).
 * Validation happens before any write: a call that throws has written nothing.
 */
export interface TrackingStore {
  // ---- experiments ----

  /** Creates an experiment and returns its id. Throws RESOURCE_ALREADY_EXISTS when the name is taken. */
  createExperiment(input: CreateExperimentInput): Promise<string>;
  /** Returns the experiment, active or deleted. */
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Returns the experiment with this exact name, active or deleted, or null. */
  getExperimentByName(name: string): Promise<Experiment | null>;
  /** Pages through experiments matching the filter. */
  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>>;
  /** Renames an active experiment. Throws RESOURCE_ALREADY_EXISTS when the new name is taken. */
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  /**
   * Marks the experiment and its active runs deleted; a no-op for a deleted experiment. The Default
   * experiment (id 0) cannot be deleted: INVALID_PARAMETER_VALUE.
   */
  deleteExperiment(experimentId: string): Promise<void>;
  /** Restores a deleted experiment and the runs deleted with it (runs deleted before stay deleted). */
  restoreExperiment(experimentId: string): Promise<void>;
  /** Sets (creates or overwrites) one experiment tag. */
  setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void>;
  /** Removes one experiment tag; throws RESOURCE_DOES_NOT_EXIST if absent. */
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  // ---- runs ----

  /** Creates a RUNNING run in an active experiment. The `mlflow.runName` tag and `runName` are kept in step. */
  createRun(input: CreateRunInput): Promise<Run>;
  /** Updates status, end time and/or name of an active run and returns the new info. */
  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo>;
  /** Marks the run deleted (soft delete; its data stays readable by id). */
  deleteRun(runId: string): Promise<void>;
  /** Restores a deleted run. */
  restoreRun(runId: string): Promise<void>;
  /** Returns the run with its latest metrics, params, tags and dataset inputs, active or deleted. */
  getRun(runId: string): Promise<Run>;
  /** Pages through runs of the given experiments that match the filter, in `orderBy` order. */
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;

  // ---- logging ----

  /** Appends one metric observation. */
  logMetric(runId: string, metric: Metric): Promise<void>;
  /** Logs a param. Re-logging the same value is accepted; a different value is INVALID_PARAMETER_VALUE. */
  logParam(runId: string, param: Param): Promise<void>;
  /** Sets (creates or overwrites) one run tag. */
  setTag(runId: string, tag: RunTag): Promise<void>;
  /** Removes one run tag; throws RESOURCE_DOES_NOT_EXIST if absent. */
  deleteTag(runId: string, key: string): Promise<void>;
  /**
   * Logs metrics, params and tags in one atomic write: either everything lands or nothing does
   * (an invalid item or a conflicting param value rejects the whole batch).
   */
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  /** Records dataset inputs of a run; a dataset is identified by (name, digest) within the experiment. Atomic. */
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;
  /**
   * Records a logged model: `modelJson` (MLflow's log-model `model_json`, a JSON object with
   * `artifact_path`, `flavors`, `utc_time_created` and `run_id`) is appended to the active run's
   * `mlflow.log-model.history` tag. Atomic: concurrent calls on one run all land. Malformed JSON or
   * a missing field is INVALID_PARAMETER_VALUE. Optional for stores written before it existed.
   */
  logModel?(runId: string, modelJson: string): Promise<void>;

  // ---- reading ----

  /** Pages through every observation of one metric, ordered by step, then timestamp, then value. */
  getMetricHistory(runId: string, metricKey: string, input?: MetricHistoryInput): Promise<Page<Metric>>;
  /**
   * Optional: every observation of one metric, in `getMetricHistory`'s order, as consecutive
   * non-empty batches. Stores implement it when they can read ahead (fetch the next batch while
   * the caller handles this one); callers use `readWholeMetricHistory`, which falls back to paging
   * `getMetricHistory`. A missing run or an invalid key rejects the first `next()` with the same
   * errors as `getMetricHistory`.
   */
  streamMetricHistory?(runId: string, metricKey: string): AsyncIterable<Metric[]>;
  /**
   * Sampled history for charts: per run, every observation in the requested step range when there
   * are at most `maxResults`; otherwise at most `maxResults` points whose steps are spread evenly
   * over the step axis (`stepSampleTargets`: per target, the first observation at the first step
   * at or after it), the first and last step in range always included. Ordered by run id, then
   * step, then timestamp.
   */
  getMetricHistoryBulkInterval(input: MetricHistoryIntervalInput): Promise<RunMetric[]>;

  /** Releases connections and files. The store is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Every observation of one metric, in history order, as batches: the store's own
 * `streamMetricHistory` when it has one, else `getMetricHistory` page after page.
 */
export async function* readWholeMetricHistory(store: TrackingStore, runId: string, metricKey: string): AsyncGenerator<Metric[]> {
  if (store.streamMetricHistory) {
    yield* store.streamMetricHistory(runId, metricKey);
    return;
  }
  let pageToken: string | undefined;
  do {
    const page = await store.getMetricHistory(runId, metricKey, pageToken === undefined ? {} : { pageToken });
    if (page.items.length > 0) yield page.items;
    pageToken = page.nextPageToken || undefined;
  } while (pageToken !== undefined);
}
