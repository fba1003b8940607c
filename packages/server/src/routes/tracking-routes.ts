/**
 * The tracking routes of MLflow's REST API 2.0 (service.proto), each as: method(s), path below
 * `/api/2.0` (and `/ajax-api/2.0`), and a handler from the request's fields to the response
 * object in MLflow's JSON form.
 */
import {
  LIMITS,
  OrreryError,
  errors,
  joinArtifactPath,
  normalizeArtifactPath,
  type ArtifactRepository,
  type DatasetInput,
  readWholeMetricHistory,
  type Metric,
  type RunStatus,
  type RunTag,
  type TrackingStore,
  type ViewType,
} from '@orrery/core';
import {
  experimentToWire,
  fileInfoToWire,
  metricToWire,
  runInfoToWire,
  runMetricToWire,
  runToWire,
} from '../wire/tracking-wire.js';
import { RUN_STATUS_VALUES, VIEW_TYPE_VALUES, invalidParameter, type RequestReader } from '../wire/request-reader.js';
import { isProxiedArtifactUri, proxiedArtifactPath } from './proxied-artifact-uri.js';
import { type StreamedJson, wholeMetricHistoryJson } from './streamed-json.js';
import type { DeclaredRoute } from './declared-route.js';
import { searchPage, type SearchVisibility } from './visible-search.js';
import {
  Empty,
  Experiment,
  FileInfo,
  Metric as MetricMessage,
  MetricWithRunId,
  RUN_STATUS_NAMES,
  RequestDatasetInput,
  RequestMetric,
  RequestRunTag,
  Run,
  RunInfo,
  VIEW_TYPE_NAMES,
  listOf,
  messageObject,
  requestDouble,
  requestEnum,
  requestInt64,
  requestObject,
  stringField,
} from '../schemas/message-schemas.js';

/** What the tracking handlers work with. */
export interface TrackingRouteContext {
  store: TrackingStore;
  /** The proxy's destination repository; throws when the server does not serve artifacts. */
  artifactDestination(): Promise<ArtifactRepository>;
  /**
   * For a run whose artifact root is not proxied: the repository of the trusted root it lies in
   * (opened once per root and kept while the server runs) and the run root's path inside it.
   */
  openArtifactRoot(uri: string): Promise<{ repository: ArtifactRepository; path: string }>;
  /** With the basic-auth app, for non-admins: searches return only what the caller may read. */
  visibility?: SearchVisibility;
}

export type HttpMethod = 'GET' | 'POST';

/** A tracking route: declared as every route of the JSON API is (GET or POST only, as MLflow's). */
export interface TrackingRoute extends DeclaredRoute<TrackingRouteContext, Record<string, unknown> | StreamedJson> {
  method: HttpMethod;
}

export { LOGGED_MODELS_TAG } from '@orrery/core';
/** MLflow's per-request limit of get-history-bulk (the web UI's chart endpoint). */
const HISTORY_BULK_MAX_RUN_IDS = 100;

const EMPTY = {};

function readTag(item: RequestReader): RunTag {
  return { key: item.string('key', { required: true }), value: item.string('value') ?? '' };
}

/**
 * A metric sent as plain JSON of the right types (what clients send), taken without a reader:
 * the same Metric `readMetric` would build. Anything else (numbers as strings, "NaN", a missing
 * or empty field) is left to `readMetric`, which converts what MLflow accepts and names what it
 * refuses. A log-batch carries up to 1000 of these.
 */
function plainMetric(item: unknown): Metric | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { key, value, timestamp, step } = item as Record<string, unknown>;
  if (typeof key !== 'string' || key === '' || typeof value !== 'number') return undefined;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) return undefined;
  if (step === undefined || step === null) return { key, value, timestamp, step: 0 };
  return typeof step === 'number' && Number.isSafeInteger(step) ? { key, value, timestamp, step } : undefined;
}

function readMetric(item: RequestReader): Metric {
  return {
    key: item.string('key', { required: true }),
    value: item.double('value', { required: true })!,
    timestamp: item.integer('timestamp', { required: true })!,
    step: item.integer('step') ?? 0,
  };
}

function readDatasetInput(item: RequestReader): DatasetInput {
  const tags = item.messageList('tags', (tag) => ({
    key: tag.string('key', { required: true }),
    value: tag.string('value', { required: true }),
  }));
  const dataset = item.message(
    'dataset',
    (d) => {
      const schema = d.string('schema');
      const profile = d.string('profile');
      return {
        name: d.string('name', { required: true }),
        digest: d.string('digest', { required: true }),
        sourceType: d.string('source_type', { required: true }),
        source: d.string('source', { required: true }),
        ...(schema !== undefined ? { schema } : {}),
        ...(profile !== undefined ? { profile } : {}),
      };
    },
    { required: true },
  )!;
  return { tags, dataset };
}

function viewType(request: RequestReader, field: string): ViewType | undefined {
  return request.enumName(field, VIEW_TYPE_VALUES) as ViewType | undefined;
}

/** Every observation of a metric, collected (get-history-bulk sorts each run's whole history). */
async function wholeMetricHistory(store: TrackingStore, runId: string, key: string): Promise<Metric[]> {
  const all: Metric[] = [];
  for await (const batch of readWholeMetricHistory(store, runId, key)) all.push(...batch);
  return all;
}

/**
 * The repository holding an artifact root (a run's, or a model version's storage location) and the
 * root's path inside it: the proxy's destination for proxied roots, else the trusted root it lies
 * in (PERMISSION_DENIED, without contacting it, for any other location).
 */
export async function openArtifactLocation(
  context: Pick<TrackingRouteContext, 'artifactDestination' | 'openArtifactRoot'>,
  rootUri: string,
): Promise<{ repository: ArtifactRepository; path: string }> {
  if (isProxiedArtifactUri(rootUri)) return { repository: await context.artifactDestination(), path: proxiedArtifactPath(rootUri) };
  return context.openArtifactRoot(rootUri);
}

async function listRunArtifacts(request: RequestReader, context: TrackingRouteContext): Promise<Record<string, unknown>> {
  const runId = request.runId();
  const requested = request.string('path');
  const relative = requested === undefined ? '' : normalizeArtifactPath(requested);
  request.string('page_token');
  const run = await context.store.getRun(runId);
  const rootUri = run.info.artifactUri;
  let files: Array<Record<string, unknown>>;
  const { repository, path: base } = await openArtifactLocation(context, rootUri);
  if (isProxiedArtifactUri(rootUri)) {
    const listed = await repository.listArtifacts(joinArtifactPath(base, relative));
    files = listed.map((info) => {
      const basename = info.path.slice(info.path.lastIndexOf('/') + 1);
      return fileInfoToWire(relative === '' ? basename : `${relative}/${basename}`, info);
    });
  } else {
    const target = joinArtifactPath(base, relative);
    // Paths come back relative to the trusted root; the client sees them relative to the run's root.
    const prefix = base === '' ? '' : `${base}/`;
    files = (await repository.listArtifacts(target === '' ? undefined : target)).map((info) =>
      fileInfoToWire(info.path.startsWith(prefix) ? info.path.slice(prefix.length) : info.path, info),
    );
  }
  const response: Record<string, unknown> = { root_uri: rootUri };
  if (files.length > 0) response.files = files;
  return response;
}

async function logModel(request: RequestReader, context: TrackingRouteContext): Promise<Record<string, unknown>> {
  const runId = request.string('run_id', { required: true });
  const modelJson = request.string('model_json', { required: true });
  if (!context.store.logModel) throw errors.notImplemented('This tracking store cannot record logged models.');
  // The service appends to the run's mlflow.log-model.history tag atomically.
  await context.store.logModel(runId, modelJson);
  return EMPTY;
}

async function metricHistoryBulk(request: RequestReader, context: TrackingRouteContext): Promise<Record<string, unknown>> {
  const runIds = request.stringList('run_id');
  if (runIds.length === 0) {
    throw errors.invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
  }
  if (runIds.length > HISTORY_BULK_MAX_RUN_IDS) {
    throw errors.invalidParameter(
      `GetMetricHistoryBulk request cannot specify more than ${HISTORY_BULK_MAX_RUN_IDS} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
  const metricKey = request.string('metric_key');
  if (metricKey === undefined) throw errors.invalidParameter('GetMetricHistoryBulk request must specify a metric_key.');
  const limit = LIMITS.metricHistory.maxResults;
  const maxResults = Math.min(request.integer('max_results', { min: 1 }) ?? limit, limit);
  const metrics: Array<Record<string, unknown>> = [];
  for (const runId of [...runIds].sort()) {
    if (metrics.length >= maxResults) break;
    const history = (await wholeMetricHistory(context.store, runId, metricKey)).sort(
      (a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value,
    );
    for (const metric of history) metrics.push(runMetricToWire({ ...metric, runId }));
  }
  return { metrics: metrics.slice(0, maxResults) };
}

const SEARCH_EXPERIMENTS_REQUEST = requestObject('SearchExperiments', {
  max_results: requestInt64(undefined, { minimum: 1, maximum: LIMITS.searchExperiments.maxResults }),
  page_token: stringField(),
  filter: stringField('A filter in MLflow\'s search grammar, e.g. `name LIKE \'exp%\'`.'),
  order_by: listOf(stringField(), 'e.g. `name ASC`; repeat the query parameter.'),
  view_type: requestEnum(VIEW_TYPE_NAMES),
});

const SEARCH_RUNS_REQUEST = requestObject('SearchRuns', {
  experiment_ids: listOf(stringField()),
  filter: stringField('A filter in MLflow\'s search grammar, e.g. `metrics.rmse < 1 and params.model = \'tree\'`.'),
  run_view_type: requestEnum(VIEW_TYPE_NAMES),
  max_results: requestInt64(undefined, { minimum: 1, maximum: LIMITS.searchRuns.maxResults }),
  order_by: listOf(stringField()),
  page_token: stringField(),
});

export const TRACKING_ROUTES: TrackingRoute[] = [
  // ---- experiments ----
  {
    method: 'POST',
    path: '/mlflow/experiments/create',
    summary: 'Create an experiment.',
    request: requestObject('CreateExperiment', { name: stringField(), artifact_location: stringField(), tags: listOf(RequestRunTag) }, ['name']),
    response: messageObject('CreateExperimentResponse', { experiment_id: stringField() }),
    async handle(request, { store }) {
      const name = request.string('name', { required: true });
      const artifactLocation = request.string('artifact_location');
      const tags = request.messageList('tags', readTag);
      if (artifactLocation !== undefined && artifactLocation.includes('#')) {
        throw errors.invalidParameter("'artifact_location' URL can't include fragments or params.");
      }
      const experimentId = await store.createExperiment({
        name,
        ...(artifactLocation ? { artifactLocation } : {}),
        ...(tags.length > 0 ? { tags } : {}),
      });
      return { experiment_id: experimentId };
    },
  },
  {
    method: 'GET',
    path: '/mlflow/experiments/get',
    summary: 'Get an experiment by id.',
    request: requestObject('GetExperiment', { experiment_id: stringField() }, ['experiment_id']),
    response: messageObject('GetExperimentResponse', { experiment: Experiment }),
    async handle(request, { store }) {
      const experiment = await store.getExperiment(request.id('experiment_id', { required: true }));
      return { experiment: experimentToWire(experiment) };
    },
  },
  {
    method: 'GET',
    path: '/mlflow/experiments/get-by-name',
    summary: 'Get an experiment by name.',
    request: requestObject('GetExperimentByName', { experiment_name: stringField() }, ['experiment_name']),
    response: messageObject('GetExperimentByNameResponse', { experiment: Experiment }),
    async handle(request, { store }) {
      const name = request.string('experiment_name', { required: true });
      const experiment = await store.getExperimentByName(name);
      if (experiment === null) {
        throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
      }
      return { experiment: experimentToWire(experiment) };
    },
  },
  ...(['GET', 'POST'] as const).map(
    (method): TrackingRoute => ({
      method,
      path: '/mlflow/experiments/search',
      summary: 'Search experiments.',
      request: SEARCH_EXPERIMENTS_REQUEST,
      response: messageObject('SearchExperimentsResponse', { experiments: listOf(Experiment), next_page_token: stringField() }),
      async handle(request, { store, visibility }) {
        const maxResults = request.integer('max_results', {
          min: 1,
          max: LIMITS.searchExperiments.maxResults,
          rule: `Hint: max_results must be between 1 and ${LIMITS.searchExperiments.maxResults}.`,
        });
        const filter = request.string('filter');
        const pageToken = request.string('page_token');
        const orderBy = request.stringList('order_by');
        const view = viewType(request, 'view_type');
        const search = (token: string | undefined, max: number | undefined) =>
          store.searchExperiments({
            ...(filter ? { filter } : {}),
            ...(view ? { viewType: view } : {}),
            ...(max !== undefined ? { maxResults: max } : {}),
            ...(orderBy.length > 0 ? { orderBy } : {}),
            ...(token ? { pageToken: token } : {}),
          });
        const page = await searchPage({
          maxResults,
          defaultMaxResults: LIMITS.searchExperiments.defaultMaxResults,
          pageToken: pageToken || undefined,
          fetch: search,
          visible: visibility && ((experiment: { experimentId: string }) => visibility.experiment(experiment.experimentId)),
        });
        const response: Record<string, unknown> = {};
        if (page.items.length > 0) response.experiments = page.items.map(experimentToWire);
        if (page.nextPageToken) response.next_page_token = page.nextPageToken;
        return response;
      },
    }),
  ),
  {
    method: 'POST',
    path: '/mlflow/experiments/delete',
    summary: 'Mark an experiment deleted.',
    request: requestObject('DeleteExperiment', { experiment_id: stringField() }, ['experiment_id']),
    response: Empty,
    async handle(request, { store }) {
      await store.deleteExperiment(request.id('experiment_id', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/experiments/restore',
    summary: 'Restore a deleted experiment.',
    request: requestObject('RestoreExperiment', { experiment_id: stringField() }, ['experiment_id']),
    response: Empty,
    async handle(request, { store }) {
      await store.restoreExperiment(request.id('experiment_id', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/experiments/update',
    summary: 'Rename an experiment.',
    request: requestObject('UpdateExperiment', { experiment_id: stringField(), new_name: stringField() }, ['experiment_id', 'new_name']),
    response: Empty,
    async handle(request, { store }) {
      const experimentId = request.id('experiment_id', { required: true });
      const newName = request.string('new_name', { required: true });
      await store.renameExperiment(experimentId, newName);
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/experiments/set-experiment-tag',
    summary: 'Set a tag on an experiment.',
    request: requestObject('SetExperimentTag', { experiment_id: stringField(), key: stringField(), value: stringField() }, ['experiment_id', 'key']),
    response: Empty,
    async handle(request, { store }) {
      const experimentId = request.id('experiment_id', { required: true });
      const key = request.string('key', { required: true });
      const value = request.string('value') ?? '';
      await store.setExperimentTag(experimentId, { key, value });
      return EMPTY;
    },
  },
  {
    // Not in MLflow 2.12 (added in later 2.x); Orrery serves it so the REST store is complete.
    method: 'POST',
    path: '/mlflow/experiments/delete-experiment-tag',
    summary: 'Delete a tag of an experiment (Orrery extension).',
    request: requestObject('DeleteExperimentTag', { experiment_id: stringField(), key: stringField() }, ['experiment_id', 'key']),
    response: Empty,
    async handle(request, { store }) {
      const experimentId = request.id('experiment_id', { required: true });
      await store.deleteExperimentTag(experimentId, request.string('key', { required: true }));
      return EMPTY;
    },
  },

  // ---- runs ----
  {
    method: 'POST',
    path: '/mlflow/runs/create',
    summary: 'Create a run.',
    request: requestObject('CreateRun', { experiment_id: stringField(), user_id: stringField(), run_name: stringField(), start_time: requestInt64(), tags: listOf(RequestRunTag) }),
    response: messageObject('CreateRunResponse', { run: Run }),
    async handle(request, { store }) {
      const experimentId = request.id('experiment_id');
      const userId = request.string('user_id');
      const runName = request.string('run_name');
      const startTime = request.integer('start_time');
      const tags = request.messageList('tags', readTag);
      const run = await store.createRun({
        // MLflow falls back to the Default experiment when a client names none.
        experimentId: experimentId === undefined || experimentId === '' ? '0' : experimentId,
        ...(userId !== undefined ? { userId } : {}),
        ...(runName ? { runName } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
        ...(tags.length > 0 ? { tags } : {}),
      });
      return { run: runToWire(run) };
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/update',
    summary: "Update a run's status, end time or name.",
    request: requestObject('UpdateRun', { run_id: stringField(), run_uuid: stringField('Deprecated twin of run_id.'), status: requestEnum(RUN_STATUS_NAMES), end_time: requestInt64(), run_name: stringField() }, ['run_id']),
    response: messageObject('UpdateRunResponse', { run_info: RunInfo }),
    async handle(request, { store }) {
      const runId = request.runId();
      const status = request.enumName('status', RUN_STATUS_VALUES) as RunStatus | undefined;
      const endTime = request.integer('end_time');
      const runName = request.string('run_name');
      const info = await store.updateRun(runId, {
        ...(status !== undefined ? { status } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        ...(runName ? { runName } : {}),
      });
      return { run_info: runInfoToWire(info) };
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/delete',
    summary: 'Mark a run deleted.',
    request: requestObject('DeleteRun', { run_id: stringField() }, ['run_id']),
    response: Empty,
    async handle(request, { store }) {
      await store.deleteRun(request.string('run_id', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/restore',
    summary: 'Restore a deleted run.',
    request: requestObject('RestoreRun', { run_id: stringField() }, ['run_id']),
    response: Empty,
    async handle(request, { store }) {
      await store.restoreRun(request.string('run_id', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'GET',
    path: '/mlflow/runs/get',
    summary: 'Get a run.',
    request: requestObject('GetRun', { run_id: stringField(), run_uuid: stringField('Deprecated twin of run_id.') }, ['run_id']),
    response: messageObject('GetRunResponse', { run: Run }),
    async handle(request, { store }) {
      return { run: runToWire(await store.getRun(request.runId())) };
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/search',
    summary: 'Search runs.',
    request: SEARCH_RUNS_REQUEST,
    response: messageObject('SearchRunsResponse', { runs: listOf(Run), next_page_token: stringField() }),
    async handle(request, { store, visibility }) {
      // Unlike MLflow, runs of experiments the caller may not read are never returned.
      const experimentIds = request.stringList('experiment_ids').filter((id) => visibility?.experiment(id) ?? true);
      const filter = request.string('filter');
      const view = viewType(request, 'run_view_type');
      const maxResults = request.integer('max_results', { min: 1, max: LIMITS.searchRuns.maxResults });
      const orderBy = request.stringList('order_by');
      const pageToken = request.string('page_token');
      const page = await store.searchRuns({
        experimentIds,
        ...(filter ? { filter } : {}),
        ...(view ? { runViewType: view } : {}),
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(orderBy.length > 0 ? { orderBy } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      const response: Record<string, unknown> = {};
      if (page.items.length > 0) response.runs = page.items.map(runToWire);
      if (page.nextPageToken) response.next_page_token = page.nextPageToken;
      return response;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/log-metric',
    summary: 'Log one metric value.',
    request: requestObject('LogMetric', { run_id: stringField(), run_uuid: stringField('Deprecated twin of run_id.'), key: stringField(), value: requestDouble(), timestamp: requestInt64(), step: requestInt64() }, ['run_id', 'key', 'value', 'timestamp']),
    response: Empty,
    async handle(request, { store }) {
      const runId = request.runId();
      await store.logMetric(runId, readMetric(request));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/log-parameter',
    summary: 'Log a param.',
    request: requestObject('LogParam', { run_id: stringField(), run_uuid: stringField('Deprecated twin of run_id.'), key: stringField(), value: stringField() }, ['run_id', 'key']),
    response: Empty,
    async handle(request, { store }) {
      const runId = request.runId();
      await store.logParam(runId, readTag(request));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/set-tag',
    summary: 'Set a tag on a run.',
    request: requestObject('SetTag', { run_id: stringField(), run_uuid: stringField('Deprecated twin of run_id.'), key: stringField(), value: stringField() }, ['run_id', 'key']),
    response: Empty,
    async handle(request, { store }) {
      const runId = request.runId();
      await store.setTag(runId, readTag(request));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/delete-tag',
    summary: 'Delete a tag of a run.',
    request: requestObject('DeleteTag', { run_id: stringField(), key: stringField() }, ['run_id', 'key']),
    response: Empty,
    async handle(request, { store }) {
      const runId = request.string('run_id', { required: true });
      await store.deleteTag(runId, request.string('key', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/log-batch',
    summary: 'Log metrics, params and tags in one call (body at most 1 MB).',
    request: requestObject('LogBatch', { run_id: stringField(), metrics: listOf(RequestMetric), params: listOf(RequestRunTag), tags: listOf(RequestRunTag) }, ['run_id']),
    response: Empty,
    bodyLimit: LIMITS.batch.maxRequestBytes,
    async handle(request, { store }) {
      const runId = request.string('run_id', { required: true });
      const metrics = request.messageList('metrics', readMetric, { plain: plainMetric });
      const params = request.messageList('params', readTag);
      const tags = request.messageList('tags', readTag);
      await store.logBatch(runId, { metrics, params, tags });
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/log-inputs',
    summary: 'Log dataset inputs.',
    request: requestObject('LogInputs', { run_id: stringField(), datasets: listOf(RequestDatasetInput) }, ['run_id', 'datasets']),
    response: Empty,
    async handle(request, { store }) {
      const runId = request.string('run_id', { required: true });
      const datasets = request.messageList('datasets', readDatasetInput, { required: true });
      await store.logInputs(runId, datasets);
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/runs/log-model',
    summary: "Record a logged model in the run's mlflow.log-model.history tag.",
    request: requestObject('LogModel', { run_id: stringField(), model_json: stringField('JSON object with artifact_path, flavors, utc_time_created and run_id.') }, ['run_id', 'model_json']),
    response: Empty,
    handle: logModel,
  },

  // ---- metrics ----
  {
    method: 'GET',
    path: '/mlflow/metrics/get-history',
    summary: "Get a metric's history.",
    request: requestObject('GetMetricHistory', { run_id: stringField(), run_uuid: stringField('Deprecated twin of run_id.'), metric_key: stringField(), page_token: stringField(), max_results: requestInt64(undefined, { minimum: 1, maximum: LIMITS.metricHistory.maxResults }) }, ['run_id', 'metric_key']),
    response: messageObject('GetMetricHistoryResponse', { metrics: listOf(MetricMessage), next_page_token: stringField() }),
    async handle(request, { store }) {
      const runId = request.runId();
      const metricKey = request.string('metric_key', { required: true });
      const limit = LIMITS.metricHistory.maxResults;
      const maxResults = request.integer('max_results', { min: 1, max: limit, rule: `Hint: max_results must be between 1 and ${limit}.` });
      const pageToken = request.string('page_token');
      const response: Record<string, unknown> = {};
      if (maxResults === undefined && !pageToken) return wholeMetricHistoryJson(store, runId, metricKey);
      const page = await store.getMetricHistory(runId, metricKey, {
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      if (page.items.length > 0) response.metrics = page.items.map(metricToWire);
      if (page.nextPageToken) response.next_page_token = page.nextPageToken;
      return response;
    },
  },
  {
    method: 'GET',
    path: '/mlflow/metrics/get-history-bulk',
    summary: "Get a metric's history for several runs (the web UI's call).",
    request: requestObject('GetMetricHistoryBulk', { run_id: listOf(stringField(), 'Repeat the parameter, at most 100.'), metric_key: stringField(), max_results: requestInt64(undefined, { minimum: 1 }) }, ['run_id', 'metric_key']),
    response: messageObject('GetMetricHistoryBulkResponse', { metrics: listOf(MetricWithRunId) }),
    handle: metricHistoryBulk,
  },
  {
    method: 'GET',
    path: '/mlflow/metrics/get-history-bulk-interval',
    summary: 'Get sampled metric histories of several runs.',
    request: requestObject('GetMetricHistoryBulkInterval', { run_ids: listOf(stringField(), 'Repeat the parameter, at most 100.'), metric_key: stringField(), start_step: requestInt64(), end_step: requestInt64(), max_results: requestInt64(undefined, { minimum: 1, maximum: LIMITS.metricHistoryInterval.maxResults }) }, ['run_ids', 'metric_key']),
    response: messageObject('GetMetricHistoryBulkIntervalResponse', { metrics: listOf(MetricWithRunId) }),
    async handle(request, { store }) {
      const limits = LIMITS.metricHistoryInterval;
      const runIds = request.stringList('run_ids', { required: true });
      if (runIds.length === 0) throw invalidParameter('run_ids', runIds, 'Hint: at least one run id is required.');
      if (runIds.length > limits.maxRunIds) {
        throw errors.invalidParameter(
          `GetMetricHistoryBulkInterval request must specify at most ${limits.maxRunIds} run_ids. Received ${runIds.length} run_ids.`,
        );
      }
      const metricKey = request.string('metric_key', { required: true });
      const startStep = request.integer('start_step');
      const endStep = request.integer('end_step');
      const maxResults = request.integer('max_results', {
        min: 1,
        max: limits.maxResults,
        rule: `max_results must be between 1 and ${limits.maxResults}.`,
      });
      if ((startStep === undefined) !== (endStep === undefined)) {
        throw errors.invalidParameter('If either start step or end step are specified, both must be specified.');
      }
      if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
        throw errors.invalidParameter(
          `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
        );
      }
      const metrics = await store.getMetricHistoryBulkInterval({
        runIds,
        metricKey,
        ...(startStep !== undefined ? { startStep } : {}),
        ...(endStep !== undefined ? { endStep } : {}),
        ...(maxResults !== undefined ? { maxResults } : {}),
      });
      return metrics.length > 0 ? { metrics: metrics.map(runMetricToWire) } : {};
    },
  },

  // ---- artifacts ----
  {
    method: 'GET',
    path: '/mlflow/artifacts/list',
    summary: "List a run's artifacts.",
    request: requestObject('ListArtifacts', { run_id: stringField(), run_uuid: stringField('Deprecated twin of run_id.'), path: stringField(), page_token: stringField() }, ['run_id']),
    response: messageObject('ListArtifactsResponse', { root_uri: stringField(), files: listOf(FileInfo), next_page_token: stringField() }),
    handle: listRunArtifacts,
  },
];
