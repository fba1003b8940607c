/**
 * A TrackingStore that talks to an MLflow-compatible tracking server (`orrery server`, or
 * MLflow's own) over its REST API 2.0, for `http(s)://` tracking URIs.
 */
import {
  LIMITS,
  errors,
  isOrreryError,
  type CreateExperimentInput,
  type CreateRunInput,
  type DatasetInput,
  type Experiment,
  type ExperimentTag,
  type LogBatchInput,
  type Metric,
  type MetricHistoryInput,
  type MetricHistoryIntervalInput,
  type Page,
  type Param,
  type Run,
  type RunInfo,
  type RunMetric,
  type RunTag,
  type SearchExperimentsInput,
  type SearchRunsInput,
  type TrackingStore,
  type UpdateRunInput,
} from '@orrery/core';
import { MlflowRestApi, pageOf, type Json } from './mlflow-rest-api.js';
import { RestTransport, transportOptionsFromEnv, type RestTransportOptions } from './rest-transport.js';
import {
  datasetInputToWire,
  experimentFromWire,
  keyValuesToWire,
  metricFromWire,
  metricToWire,
  paramToWire,
  runFromWire,
  runInfoFromWire,
  runMetricFromWire,
  runTagToWire,
} from '@orrery/protocol';

/**
 * Checks the JavaScript types of a metric before it goes on the wire: the JSON mapping would
 * carry a string value such as "1" as a valid double, so a caller's type mistake must be caught
 * here. (Key and value rules are the server's to enforce.)
 */
function checkedMetric(metric: Metric): Metric {
  if (typeof metric.value !== 'number') {
    throw errors.invalidParameter(`Invalid value ${String(metric.value)} for metric '${metric.key}': it must be a number (NaN and ±Infinity are allowed).`);
  }
  for (const field of ['timestamp', 'step'] as const) {
    if (typeof metric[field] !== 'number' || !Number.isSafeInteger(metric[field])) {
      throw errors.invalidParameter(`Invalid value ${String(metric[field])} for parameter '${field}' of metric '${metric.key}': it must be an integer.`);
    }
  }
  return metric;
}

export class RestTrackingStore implements TrackingStore {
  readonly transport: RestTransport;
  private readonly api: MlflowRestApi;

  /**
   * @param trackingUri `http(s)://host[:port][/prefix]`.
   * @param options transport settings; by default read from `ORRERY_*` / `MLFLOW_*` variables
   *   (TRACKING_TOKEN, TRACKING_USERNAME, TRACKING_PASSWORD, HTTP_REQUEST_TIMEOUT, HTTP_REQUEST_MAX_RETRIES).
   */
  constructor(trackingUri: string, options: Omit<RestTransportOptions, 'baseUrl'> = transportOptionsFromEnv()) {
    this.transport = new RestTransport({ ...options, baseUrl: trackingUri });
    this.api = new MlflowRestApi(this.transport);
  }

  // ---- experiments ----

  async createExperiment(input: CreateExperimentInput): Promise<string> {
    const response = await this.api.send(
      'POST',
      'experiments/create',
      { name: input.name, artifact_location: input.artifactLocation, tags: input.tags && keyValuesToWire(input.tags) },
      false,
    );
    return String(response.experiment_id);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const response = await this.api.get('experiments/get', { experiment_id: experimentId });
    return experimentFromWire(response.experiment as Json);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const response = await this.api.get('experiments/get-by-name', { experiment_name: name });
      return experimentFromWire(response.experiment as Json);
    } catch (error) {
      if (isOrreryError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw error;
    }
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    const response = await this.api.send(
      'POST',
      'experiments/search',
      {
        max_results: input.maxResults,
        page_token: input.pageToken,
        filter: input.filter,
        order_by: input.orderBy,
        view_type: input.viewType,
      },
      true,
    );
    return pageOf(((response.experiments as Json[] | undefined) ?? []).map(experimentFromWire), response.next_page_token);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.api.send('POST', 'experiments/update', { experiment_id: experimentId, new_name: newName }, true);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.api.send('POST', 'experiments/delete', { experiment_id: experimentId }, false);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.api.send('POST', 'experiments/restore', { experiment_id: experimentId }, false);
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    await this.api.send('POST', 'experiments/set-experiment-tag', { experiment_id: experimentId, key: tag.key, value: tag.value }, true);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.api.send('POST', 'experiments/delete-experiment-tag', { experiment_id: experimentId, key }, false);
  }

  // ---- runs ----

  async createRun(input: CreateRunInput): Promise<Run> {
    const response = await this.api.send(
      'POST',
      'runs/create',
      {
        experiment_id: input.experimentId,
        user_id: input.userId,
        run_name: input.runName,
        start_time: input.startTime,
        tags: input.tags && keyValuesToWire(input.tags),
      },
      false,
    );
    return runFromWire(response.run as Json);
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    const response = await this.api.send(
      'POST',
      'runs/update',
      { run_id: runId, run_uuid: runId, status: input.status, end_time: input.endTime, run_name: input.runName },
      true,
    );
    return runInfoFromWire(response.run_info as Json);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.api.send('POST', 'runs/delete', { run_id: runId }, false);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.api.send('POST', 'runs/restore', { run_id: runId }, false);
  }

  async getRun(runId: string): Promise<Run> {
    const response = await this.api.get('runs/get', { run_id: runId });
    return runFromWire(response.run as Json);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const response = await this.api.send(
      'POST',
      'runs/search',
      {
        experiment_ids: input.experimentIds,
        filter: input.filter,
        run_view_type: input.runViewType,
        max_results: input.maxResults,
        order_by: input.orderBy,
        page_token: input.pageToken,
      },
      true,
    );
    return pageOf(((response.runs as Json[] | undefined) ?? []).map(runFromWire), response.next_page_token);
  }

  // ---- logging ----

  async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.api.send('POST', 'runs/log-metric', { run_id: runId, run_uuid: runId, ...metricToWire(checkedMetric(metric)) }, false);
  }

  async logParam(runId: string, param: Param): Promise<void> {
    await this.api.send('POST', 'runs/log-parameter', { run_id: runId, run_uuid: runId, key: param.key, value: param.value }, true);
  }

  async setTag(runId: string, tag: RunTag): Promise<void> {
    await this.api.send('POST', 'runs/set-tag', { run_id: runId, run_uuid: runId, key: tag.key, value: tag.value }, true);
  }

  /** The server appends the model to the run's history atomically; not retried (a retry could append twice). */
  async logModel(runId: string, modelJson: string): Promise<void> {
    await this.api.send('POST', 'runs/log-model', { run_id: runId, model_json: modelJson }, false);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.api.send('POST', 'runs/delete-tag', { run_id: runId, key }, false);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    await this.api.send(
      'POST',
      'runs/log-batch',
      {
        run_id: runId,
        metrics: (batch.metrics ?? []).map((metric) => metricToWire(checkedMetric(metric))),
        params: (batch.params ?? []).map(paramToWire),
        tags: (batch.tags ?? []).map(runTagToWire),
      },
      false,
    );
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.api.send('POST', 'runs/log-inputs', { run_id: runId, datasets: datasets.map(datasetInputToWire) }, false);
  }

  // ---- reading ----

  async getMetricHistory(runId: string, metricKey: string, input: MetricHistoryInput = {}): Promise<Page<Metric>> {
    const response = await this.api.get('metrics/get-history', {
      run_id: runId,
      metric_key: metricKey,
      max_results: input.maxResults ?? LIMITS.metricHistory.defaultMaxResults,
      page_token: input.pageToken,
    });
    return pageOf(((response.metrics as Json[] | undefined) ?? []).map(metricFromWire), response.next_page_token);
  }

  async getMetricHistoryBulkInterval(input: MetricHistoryIntervalInput): Promise<RunMetric[]> {
    const response = await this.api.get('metrics/get-history-bulk-interval', {
      run_ids: input.runIds,
      metric_key: input.metricKey,
      start_step: input.startStep,
      end_step: input.endStep,
      max_results: input.maxResults,
    });
    return ((response.metrics as Json[] | undefined) ?? []).map(runMetricFromWire);
  }

  /** Nothing to release: fetch pools its connections process-wide. */
  async close(): Promise<void> {}
}
