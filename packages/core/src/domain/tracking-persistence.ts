import type {
  CreateExperimentInput,
  MetricHistoryIntervalInput,
  SearchExperimentsInput,
  SearchRunsInput,
  UpdateRunInput,
} from '../contracts/tracking-store.js';
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
  RunTag,
  ViewType,
} from '../entities/tracking.js';
import type { FilterAst, OrderByTerm } from '../search/ast.js';
import type { TrackingRestore } from './restore-ports.js';

/** A run as the tracking service decided it: id, name and tags resolved, ready to be stored. */
export interface NewRun {
  runId: string;
  experimentId: string;
  userId: string;
  startTime: number;
  runName: string;
  /** One per key (the last given wins), `mlflow.runName` included and equal to `runName`. */
  tags: RunTag[];
}

/** An experiment search whose view, page size, filter and order the service checked and parsed. */
export interface ExperimentQuery extends SearchExperimentsInput {
  viewType: ViewType;
  maxResults: number;
  filterAst: FilterAst;
  orderByTerms: OrderByTerm[];
}

/** A run search whose view, page size, experiment ids, filter and order the service checked and parsed. */
export interface RunQuery extends SearchRunsInput {
  runViewType: ViewType;
  maxResults: number;
  filterAst: FilterAst;
  orderByTerms: OrderByTerm[];
}

/** What a log-batch writes; each list may be empty. Validated by the service. */
export interface RunDataBatch {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/**
 * The persistence port of tracking: what a tracking backend (SQL, Redis, a plugin) implements.
 * The tracking service (`TrackingService`) implements the public `TrackingStore` contract on top
 * of it and holds MLflow's rules: input validation, run naming, reserved tags, the Default
 * experiment's protection, log-model history, events. A port therefore receives input that is
 * already checked (types, lengths, limits, names) and only reads and writes.
 *
 * What stays with the port, because only it can do it atomically:
 * - existence and lifecycle checks inside the write (a write to a deleted run or experiment
 *   throws `runNotActiveError` / `experimentNotActiveError` from core, an unknown id
 *   RESOURCE_DOES_NOT_EXIST), so a rejected call has written nothing;
 * - uniqueness (experiment names: RESOURCE_ALREADY_EXISTS) and param immutability (a differing
 *   value is INVALID_PARAMETER_VALUE);
 * - storing the run name and its `mlflow.runName` tag together (a tag write of `mlflow.runName`
 *   renames the run, a rename rewrites the tag);
 * - page tokens, which encode the port's own cursor.
 */
export interface TrackingPersistence {
  /** Marks the object as a port to be wrapped by `TrackingService` (REST stores are not ports). */
  readonly port: 'tracking';

  /** Inserts an experiment (name unique among all, active or deleted) and returns its id. */
  createExperiment(input: CreateExperimentInput): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(query: ExperimentQuery): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  /** Marks the experiment and its active runs deleted; a no-op when it is deleted. */
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  /** Inserts the run (RUNNING, active) in an active experiment and returns it as stored. */
  createRun(run: NewRun): Promise<Run>;
  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  getRun(runId: string): Promise<Run>;
  searchRuns(query: RunQuery): Promise<Page<Run>>;

  /** Writes metrics, params and tags of an active run in one atomic step (log-metric, log-param and set-tag come here too). */
  logBatch(runId: string, data: RunDataBatch): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;
  /**
   * Appends `model` to the run's `mlflow.log-model.history` tag (see `appendToModelHistory`) in
   * one atomic step: concurrent calls all land, none overwrites another's model.
   */
  appendLoggedModel(runId: string, model: Record<string, unknown>): Promise<void>;

  getMetricHistory(runId: string, metricKey: string, input: { maxResults: number; pageToken?: string }): Promise<Page<Metric>>;
  /** Optional read-ahead of a whole history (see `TrackingStore.streamMetricHistory`). */
  streamMetricHistory?(runId: string, metricKey: string): AsyncIterable<Metric[]>;
  getMetricHistoryBulkInterval(input: MetricHistoryIntervalInput & { maxResults: number }): Promise<RunMetric[]>;

  /** The bulk path that keeps ids and timestamps (`orrery import`, `orrery gc`), when the backend offers it. */
  readonly restore?: TrackingRestore;

  close(): Promise<void>;
}

/** True for a tracking persistence port (which needs a `TrackingService` in front of it). */
export function isTrackingPersistence(value: unknown): value is TrackingPersistence {
  return typeof value === 'object' && value !== null && (value as { port?: unknown }).port === 'tracking';
}
