/**
 * The UI's typed client of MLflow's REST API. Requests go to the server's `ajax-api/2.0` copy of
 * the API, relative to the page, so the app works at `/` and below `--static-prefix` alike.
 * Responses are decoded with `@orrery/protocol`'s codecs, the same functions the server encodes
 * them with.
 */
import {
  errorResponseFromWire,
  experimentFromWire,
  fileInfoFromWire,
  messagesFromWire,
  metricFromWire,
  modelVersionFromWire,
  registeredModelFromWire,
  runFromWire,
  type WireMessage,
} from '@orrery/protocol';
import type { Experiment, Metric, ModelStage, ModelVersion, RegisteredModel, Run, ViewType } from '@orrery/core/browser';
import { ApiError } from './api-error.js';

/** One entry of an artifact listing. */
export type ArtifactFileInfo = ReturnType<typeof fileInfoFromWire>;

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface SearchRunsRequest {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  runViewType?: ViewType;
}

/** A sampled metric series point of `get-history-bulk-interval`. */
export interface SampledMetric extends Metric {
  runId: string;
}

type Query = Record<string, string | number | undefined | Array<string | number>>;

function queryString(query: Query): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

function pageOf<T>(body: WireMessage, field: string, decode: (wire: WireMessage) => T): Page<T> {
  const token = body.next_page_token;
  return {
    items: messagesFromWire(body[field]).map(decode),
    ...(typeof token === 'string' && token !== '' ? { nextPageToken: token } : {}),
  };
}

export class OrreryApi {
  /**
   * @param root URL of the server's UI root, ending in `/` (default: the page's directory).
   * @param authorization the `Authorization` header to send, when the user signed in.
   */
  constructor(
    readonly root: string = '',
    private readonly authorization: () => string | undefined = () => undefined,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  /** Whether calls carry credentials (the user signed in). */
  get signedIn(): boolean {
    return this.authorization() !== undefined;
  }

  private headers(json: boolean): Record<string, string> {
    // Tells the server not to answer 401 with WWW-Authenticate: the app asks with its own form.
    const headers: Record<string, string> = { 'x-orrery-ui': '1' };
    if (json) headers['content-type'] = 'application/json';
    const auth = this.authorization();
    if (auth !== undefined) headers.authorization = auth;
    return headers;
  }

  /** Sends one call and returns its JSON answer; a refusal becomes an ApiError with the server's message. */
  async call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: WireMessage): Promise<WireMessage> {
    const useQuery = method === 'GET' || method === 'DELETE';
    const url = `${this.root}ajax-api/2.0/${path}${useQuery && body !== undefined ? queryString(body as Query) : ''}`;
    const response = await this.fetchImpl(url, {
      method,
      headers: this.headers(!useQuery),
      ...(useQuery || body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return this.read(response);
  }

  private async read(response: Response): Promise<WireMessage> {
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = errorResponseFromWire(parsed);
      throw new ApiError(response.status, error?.errorCode ?? 'INTERNAL_ERROR', error?.message ?? (text.slice(0, 500) || response.statusText));
    }
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) throw new ApiError(response.status, 'INTERNAL_ERROR', 'The server answered with something other than JSON.');
    return parsed as WireMessage;
  }

  // ---- experiments ----

  async searchExperiments(options: { filter?: string; viewType?: ViewType; maxResults?: number; pageToken?: string; orderBy?: string[] } = {}): Promise<Page<Experiment>> {
    const body = await this.call('POST', 'mlflow/experiments/search', {
      max_results: options.maxResults ?? 1000,
      view_type: options.viewType ?? 'ACTIVE_ONLY',
      ...(options.filter ? { filter: options.filter } : {}),
      ...(options.pageToken ? { page_token: options.pageToken } : {}),
      ...(options.orderBy ? { order_by: options.orderBy } : {}),
    });
    return pageOf(body, 'experiments', experimentFromWire);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const body = await this.call('GET', 'mlflow/experiments/get', { experiment_id: experimentId });
    return experimentFromWire(body.experiment as WireMessage);
  }

  async createExperiment(name: string): Promise<string> {
    const body = await this.call('POST', 'mlflow/experiments/create', { name });
    return String(body.experiment_id);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.call('POST', 'mlflow/experiments/update', { experiment_id: experimentId, new_name: newName });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.call('POST', 'mlflow/experiments/delete', { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.call('POST', 'mlflow/experiments/restore', { experiment_id: experimentId });
  }

  // ---- runs ----

  async searchRuns(request: SearchRunsRequest): Promise<Page<Run>> {
    const body = await this.call('POST', 'mlflow/runs/search', {
      experiment_ids: request.experimentIds,
      max_results: request.maxResults ?? 100,
      run_view_type: request.runViewType ?? 'ACTIVE_ONLY',
      ...(request.filter ? { filter: request.filter } : {}),
      ...(request.orderBy && request.orderBy.length > 0 ? { order_by: request.orderBy } : {}),
      ...(request.pageToken ? { page_token: request.pageToken } : {}),
    });
    return pageOf(body, 'runs', runFromWire);
  }

  async getRun(runId: string): Promise<Run> {
    const body = await this.call('GET', 'mlflow/runs/get', { run_id: runId });
    return runFromWire(body.run as WireMessage);
  }

  async setRunTag(runId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'mlflow/runs/set-tag', { run_id: runId, key, value });
  }

  async deleteRunTag(runId: string, key: string): Promise<void> {
    await this.call('POST', 'mlflow/runs/delete-tag', { run_id: runId, key });
  }

  /** A sample of a metric's history over runs (at most `maxResults` points per run, ends kept). */
  async sampledMetricHistory(runIds: string[], metricKey: string, maxResults = 100): Promise<SampledMetric[]> {
    const body = await this.call('GET', 'mlflow/metrics/get-history-bulk-interval', { run_ids: runIds, metric_key: metricKey, max_results: maxResults });
    return messagesFromWire(body.metrics).map((wire) => ({ ...metricFromWire(wire), runId: String(wire.run_id ?? '') }));
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactFileInfo[]> {
    const body = await this.call('GET', 'mlflow/artifacts/list', { run_id: runId, ...(path ? { path } : {}) });
    return messagesFromWire(body.files).map(fileInfoFromWire);
  }

  /** MLflow's `get-artifact` route (a download, as an attachment). */
  artifactUrl(runId: string, path: string): string {
    return `${this.root}get-artifact${queryString({ path, run_uuid: runId })}`;
  }

  modelVersionArtifactUrl(name: string, version: string, path: string): string {
    return `${this.root}model-versions/get-artifact${queryString({ path, name, version })}`;
  }

  /** Fetches a file (with the user's credentials, which an `<img src>` could not send). */
  async fetchFile(url: string): Promise<Blob> {
    const response = await this.fetchImpl(url, { headers: this.headers(false) });
    if (!response.ok) await this.read(response);
    return response.blob();
  }

  // ---- registry ----

  async searchRegisteredModels(options: { filter?: string; maxResults?: number; pageToken?: string } = {}): Promise<Page<RegisteredModel>> {
    const body = await this.call('GET', 'mlflow/registered-models/search', {
      max_results: options.maxResults ?? 100,
      filter: options.filter || undefined,
      page_token: options.pageToken,
    });
    return pageOf(body, 'registered_models', registeredModelFromWire);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const body = await this.call('GET', 'mlflow/registered-models/get', { name });
    return registeredModelFromWire(body.registered_model as WireMessage);
  }

  async searchModelVersions(name: string, pageToken?: string): Promise<Page<ModelVersion>> {
    const body = await this.call('GET', 'mlflow/model-versions/search', {
      filter: `name = '${name.replace(/'/g, "\\'")}'`,
      max_results: 1000,
      order_by: ['version_number DESC'],
      page_token: pageToken,
    });
    return pageOf(body, 'model_versions', modelVersionFromWire);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const body = await this.call('GET', 'mlflow/model-versions/get', { name, version });
    return modelVersionFromWire(body.model_version as WireMessage);
  }

  async transitionStage(name: string, version: string, stage: ModelStage, archiveExistingVersions: boolean): Promise<void> {
    await this.call('POST', 'mlflow/model-versions/transition-stage', { name, version, stage, archive_existing_versions: archiveExistingVersions });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'mlflow/registered-models/alias', { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'mlflow/registered-models/alias', { name, alias });
  }

  async setModelTag(name: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'mlflow/registered-models/set-tag', { name, key, value });
  }

  async deleteModelTag(name: string, key: string): Promise<void> {
    await this.call('DELETE', 'mlflow/registered-models/delete-tag', { name, key });
  }

  async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'mlflow/model-versions/set-tag', { name, version, key, value });
  }

  async deleteVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.call('DELETE', 'mlflow/model-versions/delete-tag', { name, version, key });
  }
}
