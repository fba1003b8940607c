/**
 * The request of each `RestStore` method of MLflow 2.12.2's Python client
 * (`mlflow/store/tracking/rest_store.py`), one method per call: the request message it builds (fields
 * in proto field order, unset ones `undefined`), the route and method from `service.proto`'s rpc
 * options, and the response message it parses. Above it, `mlflow/tracking/_tracking_service/client.py`
 * and `mlflow/tracking/fluent.py` decide which calls are made and with what values; the tests spell
 * those flows out.
 */
import { pyFloat, type PyFloat, type PythonRestClient } from './python-client-wire.js';
import { Responses, type ParsedMessage } from './protobuf-json.js';

export interface PyMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface PyKeyValue {
  key: string;
  value: string;
}

const API = '/api/2.0/mlflow';

/** `Metric.to_proto()`: key, value (double), timestamp, step. */
function metricMessage(m: PyMetric): { key: string; value: PyFloat; timestamp: number; step: number } {
  return { key: m.key, value: pyFloat(m.value), timestamp: m.timestamp, step: m.step };
}

export class PythonRestStore {
  constructor(readonly client: PythonRestClient) {}

  /** `RestStore.get_experiment_by_name`: GET; RESOURCE_DOES_NOT_EXIST becomes `None`. */
  async getExperimentByName(name: string): Promise<ParsedMessage | null> {
    try {
      const response = await this.client.callEndpoint('GET', `${API}/experiments/get-by-name`, { experiment_name: name }, Responses.GetExperimentByName);
      return response.experiment as ParsedMessage;
    } catch (error) {
      if ((error as { errorCode?: string }).errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw error;
    }
  }

  /** `RestStore.create_experiment`: CreateExperiment(name, artifact_location, tags). */
  async createExperiment(name: string, artifactLocation?: string, tags: PyKeyValue[] = []): Promise<string> {
    const response = await this.client.callEndpoint(
      'POST',
      `${API}/experiments/create`,
      { name, artifact_location: artifactLocation, tags },
      Responses.CreateExperiment,
    );
    return response.experiment_id as string;
  }

  /** `RestStore.get_experiment`: GET with `experiment_id=str(id)`. */
  async getExperiment(experimentId: string): Promise<ParsedMessage> {
    const response = await this.client.callEndpoint('GET', `${API}/experiments/get`, { experiment_id: String(experimentId) }, Responses.GetExperiment);
    return response.experiment as ParsedMessage;
  }

  /** `RestStore.create_run`: CreateRun(experiment_id, user_id, run_name, start_time, tags). */
  async createRun(experimentId: string, userId: string, startTime: number, tags: PyKeyValue[], runName?: string): Promise<ParsedMessage> {
    const response = await this.client.callEndpoint(
      'POST',
      `${API}/runs/create`,
      { experiment_id: String(experimentId), user_id: userId, run_name: runName, start_time: startTime, tags },
      Responses.CreateRun,
    );
    return response.run as ParsedMessage;
  }

  /** `RestStore.get_run`: GET with both `run_uuid` and `run_id` (field order: run_uuid = 1, run_id = 2). */
  async getRun(runId: string): Promise<ParsedMessage> {
    const response = await this.client.callEndpoint('GET', `${API}/runs/get`, { run_uuid: runId, run_id: runId }, Responses.GetRun);
    return response.run as ParsedMessage;
  }

  /** `RestStore.update_run_info`: UpdateRun(run_uuid, status, end_time, run_id, run_name); status by enum name. */
  async updateRunInfo(runId: string, status: string, endTime: number | undefined, runName?: string): Promise<ParsedMessage> {
    const response = await this.client.callEndpoint(
      'POST',
      `${API}/runs/update`,
      { run_uuid: runId, status, end_time: endTime, run_id: runId, run_name: runName },
      Responses.UpdateRun,
    );
    return response.run_info as ParsedMessage;
  }

  /** `RestStore.log_metric`: LogMetric(run_uuid, key, value, timestamp, step, run_id). */
  async logMetric(runId: string, metric: PyMetric): Promise<void> {
    await this.client.callEndpoint(
      'POST',
      `${API}/runs/log-metric`,
      { run_uuid: runId, key: metric.key, value: pyFloat(metric.value), timestamp: metric.timestamp, step: metric.step, run_id: runId },
      Responses.Empty,
    );
  }

  /** `RestStore.log_param`: LogParam(run_uuid, key, value, run_id). */
  async logParam(runId: string, param: PyKeyValue): Promise<void> {
    await this.client.callEndpoint('POST', `${API}/runs/log-parameter`, { run_uuid: runId, key: param.key, value: param.value, run_id: runId }, Responses.Empty);
  }

  /** `RestStore.set_tag`: SetTag(run_uuid, key, value, run_id). */
  async setTag(runId: string, tag: PyKeyValue): Promise<void> {
    await this.client.callEndpoint('POST', `${API}/runs/set-tag`, { run_uuid: runId, key: tag.key, value: tag.value, run_id: runId }, Responses.Empty);
  }

  /** `RestStore.log_batch`: LogBatch(run_id, metrics, params, tags); empty lists are left out. */
  async logBatch(runId: string, metrics: PyMetric[], params: PyKeyValue[], tags: PyKeyValue[]): Promise<void> {
    await this.client.callEndpoint(
      'POST',
      `${API}/runs/log-batch`,
      { run_id: runId, metrics: metrics.map(metricMessage), params, tags },
      Responses.Empty,
    );
  }

  /**
   * `RestStore._search_runs`: SearchRuns(experiment_ids, filter, run_view_type, max_results,
   * order_by, page_token); run_view_type by enum name. An empty token means no more pages.
   */
  async searchRuns(
    experimentIds: string[],
    filter: string | undefined,
    runViewType: string,
    maxResults: number,
    orderBy: string[] | undefined,
    pageToken: string | undefined,
  ): Promise<{ runs: ParsedMessage[]; nextPageToken: string | null }> {
    const response = await this.client.callEndpoint(
      'POST',
      `${API}/runs/search`,
      {
        experiment_ids: experimentIds.map(String),
        filter,
        run_view_type: runViewType,
        max_results: maxResults,
        order_by: orderBy,
        page_token: pageToken,
      },
      Responses.SearchRuns,
    );
    return { runs: (response.runs ?? []) as ParsedMessage[], nextPageToken: (response.next_page_token as string | undefined) || null };
  }

  /** `RestStore.get_metric_history`: GET with run_uuid, metric_key, run_id (max_results/page_token unset). */
  async getMetricHistory(runId: string, metricKey: string): Promise<ParsedMessage[]> {
    const response = await this.client.callEndpoint(
      'GET',
      `${API}/metrics/get-history`,
      { run_uuid: runId, metric_key: metricKey, run_id: runId },
      Responses.GetMetricHistory,
    );
    return (response.metrics ?? []) as ParsedMessage[];
  }

  /** `RestStore.record_logged_model`: LogModel(run_id, model_json = Model.to_json()). */
  async recordLoggedModel(runId: string, modelJson: string): Promise<void> {
    await this.client.callEndpoint('POST', `${API}/runs/log-model`, { run_id: runId, model_json: modelJson }, Responses.Empty);
  }

  /**
   * `GET /api/2.0/mlflow/artifacts/list` (ListArtifacts). The 2.12 Python client lists through the
   * artifact repository instead; the MLflow UI and the Java and R clients call this route.
   */
  async listArtifacts(runId: string, artifactPath?: string): Promise<ParsedMessage> {
    return await this.client.callEndpoint('GET', `${API}/artifacts/list`, { run_uuid: runId, path: artifactPath, run_id: runId }, Responses.ListArtifacts);
  }
}
