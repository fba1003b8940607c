import type {
  CreateExperimentInput,
  CreateRunInput,
  LogBatchInput,
  MetricHistoryInput,
  MetricHistoryIntervalInput,
  SearchExperimentsInput,
  SearchRunsInput,
  TrackingStore,
  UpdateRunInput,
} from '../contracts/tracking-store.js';
import type { DatasetInput, Experiment, ExperimentTag, Metric, Page, Param, Run, RunInfo, RunMetric, RunTag } from '../entities/tracking.js';
import { errors } from '../errors/orrery-error.js';
import { parseOrderBy, parseSearchFilter } from '../search/index.js';
import { LIMITS } from '../validation/limits.js';
import {
  validateArtifactLocation,
  validateDatasetInputs,
  validateEntityKey,
  validateExperimentName,
  validateExperimentTag,
  validateLogBatch,
  validateMaxResults,
  validateMetric,
  validateParam,
  validateRunStatus,
  validateRunTag,
  validateViewType,
} from '../validation/validate.js';
import { DomainEvents } from './domain-events.js';
import { parseLoggedModel } from './logged-models.js';
import { generateRunName } from './run-names.js';
import type { TrackingPersistence } from './tracking-persistence.js';

/** The reserved tag that mirrors a run's name. */
export const RUN_NAME_TAG = 'mlflow.runName';
/** Id of the experiment every store starts with. */
export const DEFAULT_EXPERIMENT_ID = '0';
/** Name of the experiment every store starts with. */
export const DEFAULT_EXPERIMENT_NAME = 'Default';

const EXPERIMENT_ID_PATTERN = /^\d+$/;

function checkInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw errors.invalidParameter(`Invalid value ${String(value)} for parameter '${field}': it must be an integer.`);
  }
}

function checkOptionalString(field: string, value: unknown): void {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw errors.invalidParameter(`Invalid ${field} ${String(value)}: it must be a string.`);
  }
}

/**
 * The tracking domain service: MLflow's tracking rules, written once, on top of a persistence
 * port. It implements the public `TrackingStore` contract, so the server, the client and the CLI
 * call it as they called a store. Every method validates its input before the port is touched
 * (a call that throws has written nothing), and every successful write emits exactly one event
 * on `events`, after the port's write has committed.
 */
export class TrackingService implements TrackingStore {
  readonly events: DomainEvents;
  readonly streamMetricHistory?: (runId: string, metricKey: string) => AsyncIterable<Metric[]>;

  constructor(
    /** The port the service reads and writes through. */
    readonly persistence: TrackingPersistence,
    events: DomainEvents = new DomainEvents(),
  ) {
    this.events = events;
    const stream = persistence.streamMetricHistory?.bind(persistence);
    if (stream) {
      // A generator, so that a bad key rejects the first next() as the contract says.
      this.streamMetricHistory = async function* (runId: string, metricKey: string): AsyncGenerator<Metric[]> {
        validateEntityKey('metric', metricKey);
        yield* stream(runId, metricKey);
      };
    }
  }

  // ---- experiments ----

  async createExperiment(input: CreateExperimentInput): Promise<string> {
    validateExperimentName(input.name);
    const tags = input.tags ?? [];
    tags.forEach(validateExperimentTag);
    validateArtifactLocation(input.artifactLocation);
    const experimentId = await this.persistence.createExperiment({ ...input, tags });
    this.events.emit('experiment.created', { experimentId, name: input.name });
    return experimentId;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.persistence.getExperiment(experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    if (typeof name !== 'string') throw errors.invalidParameter(`Invalid experiment name ${String(name)}: it must be a string.`);
    return this.persistence.getExperimentByName(name);
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    const viewType = input.viewType ?? 'ACTIVE_ONLY';
    validateViewType(viewType);
    const maxResults = validateMaxResults(input.maxResults, LIMITS.searchExperiments);
    const filterAst = parseSearchFilter(input.filter, 'experiment');
    const orderByTerms = parseOrderBy(input.orderBy, 'experiment');
    return this.persistence.searchExperiments({ ...input, viewType, maxResults, filterAst, orderByTerms });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    await this.persistence.renameExperiment(experimentId, newName);
    this.events.emit('experiment.renamed', { experimentId, newName });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    if (experimentId === DEFAULT_EXPERIMENT_ID) {
      throw errors.invalidParameter(`The Default experiment (id ${DEFAULT_EXPERIMENT_ID}) cannot be deleted.`);
    }
    await this.persistence.deleteExperiment(experimentId);
    this.events.emit('experiment.deleted', { experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.persistence.restoreExperiment(experimentId);
    this.events.emit('experiment.restored', { experimentId });
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    validateExperimentTag(tag);
    await this.persistence.setExperimentTag(experimentId, tag);
    this.events.emit('experiment.tag_set', { experimentId, tag });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.persistence.deleteExperimentTag(experimentId, key);
    this.events.emit('experiment.tag_deleted', { experimentId, key });
  }

  // ---- runs ----

  /**
   * The run's name is `runName`, else the last `mlflow.runName` tag, else a generated one; both
   * given with different values is an error. The stored tags hold the name as `mlflow.runName`.
   */
  async createRun(input: CreateRunInput): Promise<Run> {
    const tags = input.tags ?? [];
    tags.forEach(validateRunTag);
    if (input.startTime !== undefined && input.startTime !== null) checkInteger('start_time', input.startTime);
    checkOptionalString('user_id', input.userId);
    checkOptionalString('run_name', input.runName);
    const nameTag = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG)?.value;
    const givenName = input.runName ? input.runName : undefined;
    if (givenName !== undefined && nameTag !== undefined && nameTag !== givenName) {
      throw errors.invalidParameter(
        `Both run_name '${givenName}' and the '${RUN_NAME_TAG}' tag '${nameTag}' were given with different values; give one, or the same value in both.`,
      );
    }
    const runName = givenName ?? (nameTag ? nameTag : generateRunName());
    const lastValues = new Map(tags.filter((t) => t.key !== RUN_NAME_TAG).map((t) => [t.key, t.value]));
    lastValues.set(RUN_NAME_TAG, runName);
    const run = await this.persistence.createRun({
      runId: globalThis.crypto.randomUUID().replace(/-/g, ''),
      experimentId: input.experimentId,
      userId: input.userId ?? '',
      startTime: input.startTime ?? Date.now(),
      runName,
      tags: [...lastValues].map(([key, value]) => ({ key, value })),
    });
    this.events.emit('run.created', { run });
    return run;
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    if (input.status !== undefined && input.status !== null) validateRunStatus(input.status);
    if (input.endTime !== undefined && input.endTime !== null) checkInteger('end_time', input.endTime);
    checkOptionalString('run_name', input.runName);
    const info = await this.persistence.updateRun(runId, input);
    this.events.emit('run.updated', { runId, info });
    return info;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.persistence.deleteRun(runId);
    this.events.emit('run.deleted', { runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.persistence.restoreRun(runId);
    this.events.emit('run.restored', { runId });
  }

  async getRun(runId: string): Promise<Run> {
    return this.persistence.getRun(runId);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const runViewType = input.runViewType ?? 'ACTIVE_ONLY';
    validateViewType(runViewType);
    const maxResults = validateMaxResults(input.maxResults, LIMITS.searchRuns);
    if (!Array.isArray(input.experimentIds)) {
      throw errors.invalidParameter(`Invalid experiment_ids: it must be a list of experiment ids.`);
    }
    for (const id of input.experimentIds) {
      if (typeof id !== 'string' || !EXPERIMENT_ID_PATTERN.test(id)) {
        throw errors.invalidParameter(`Invalid experiment id '${String(id)}' in experiment_ids: ids are integers.`);
      }
    }
    const filterAst = parseSearchFilter(input.filter, 'run');
    const orderByTerms = parseOrderBy(input.orderBy, 'run');
    return this.persistence.searchRuns({ ...input, runViewType, maxResults, filterAst, orderByTerms });
  }

  // ---- logging ----

  async logMetric(runId: string, metric: Metric): Promise<void> {
    validateMetric(metric);
    await this.persistence.logBatch(runId, { metrics: [metric], params: [], tags: [] });
    this.events.emit('metric.logged', { runId, metrics: [metric] });
  }

  async logParam(runId: string, param: Param): Promise<void> {
    validateParam(param);
    await this.persistence.logBatch(runId, { metrics: [], params: [param], tags: [] });
    this.events.emit('run.param_logged', { runId, param });
  }

  async setTag(runId: string, tag: RunTag): Promise<void> {
    validateRunTag(tag);
    await this.persistence.logBatch(runId, { metrics: [], params: [], tags: [tag] });
    this.events.emit('run.tag_set', { runId, tag });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.persistence.deleteTag(runId, key);
    this.events.emit('run.tag_deleted', { runId, key });
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    validateLogBatch(batch);
    const data = { metrics: batch.metrics ?? [], params: batch.params ?? [], tags: batch.tags ?? [] };
    await this.persistence.logBatch(runId, data);
    if (data.params.length === 0 && data.tags.length === 0) this.events.emit('metric.logged', { runId, metrics: data.metrics });
    else this.events.emit('run.batch_logged', { runId, ...data });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    if (!Array.isArray(datasets)) throw errors.invalidParameter(`Invalid datasets: it must be a list of dataset inputs.`);
    validateDatasetInputs(datasets);
    await this.persistence.logInputs(runId, datasets);
    this.events.emit('run.inputs_logged', { runId, datasets });
  }

  /**
   * Records a logged model (`model_json`, MLflow's log-model request) in the run's
   * `mlflow.log-model.history` tag. Atomic: concurrent calls on one run all land.
   */
  async logModel(runId: string, modelJson: string): Promise<void> {
    const model = parseLoggedModel(modelJson);
    await this.persistence.appendLoggedModel(runId, model);
    this.events.emit('run.model_logged', { runId, model });
  }

  // ---- reading ----

  async getMetricHistory(runId: string, metricKey: string, input: MetricHistoryInput = {}): Promise<Page<Metric>> {
    validateEntityKey('metric', metricKey);
    const maxResults = validateMaxResults(input.maxResults, LIMITS.metricHistory);
    return this.persistence.getMetricHistory(runId, metricKey, { ...input, maxResults });
  }

  async getMetricHistoryBulkInterval(input: MetricHistoryIntervalInput): Promise<RunMetric[]> {
    const runIds = input.runIds;
    const { maxRunIds } = LIMITS.metricHistoryInterval;
    if (!Array.isArray(runIds) || runIds.length === 0 || runIds.length > maxRunIds) {
      throw errors.invalidParameter(
        `Invalid run_ids: between 1 and ${maxRunIds} run ids are required, got ${Array.isArray(runIds) ? runIds.length : String(runIds)}.`,
      );
    }
    validateEntityKey('metric', input.metricKey);
    const maxResults = validateMaxResults(input.maxResults, LIMITS.metricHistoryInterval);
    for (const [field, value] of [['start_step', input.startStep], ['end_step', input.endStep]] as const) {
      if (value !== undefined && value !== null) checkInteger(field, value);
    }
    if (input.startStep !== undefined && input.endStep !== undefined && input.startStep > input.endStep) {
      throw errors.invalidParameter(`Invalid step range: start_step ${input.startStep} is greater than end_step ${input.endStep}.`);
    }
    return this.persistence.getMetricHistoryBulkInterval({ ...input, maxResults });
  }

  async close(): Promise<void> {
    return this.persistence.close();
  }
}

/**
 * The public store for whatever a plugin opened: a persistence port gets a `TrackingService` in
 * front of it; anything else (a service already, a REST store that talks to a server applying
 * the rules) is returned as is.
 */
export function trackingServiceFor(opened: TrackingStore | TrackingPersistence, events?: DomainEvents): TrackingStore {
  return (opened as { port?: unknown }).port === 'tracking' ? new TrackingService(opened as TrackingPersistence, events) : (opened as TrackingStore);
}
