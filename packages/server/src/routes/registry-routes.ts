/**
 * The model registry routes of MLflow's REST API 2.0 (model_registry.proto), declared as the
 * tracking routes are: method, path below `/api/2.0` (and `/ajax-api/2.0`), request and response
 * message schemas, and a handler from the request's fields to the response object in MLflow's
 * JSON form. Responses are serialized with the response schema; the OpenAPI document and the fuzz
 * test read both schemas. Registered inside the same scope as the tracking routes, so they share
 * its JSON parsing, Content-Type check and `--artifacts-only` refusal.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  canonicalModelStage,
  LIMITS,
  OrreryError,
  type ModelRegistryStore,
  type ModelVersionStatus,
  type ModelVersionTag,
  type TrackingStore,
} from '@orrery/core';
import {
  MODEL_VERSION_STATUS_NAMES,
  ModelVersion,
  RegisteredModel,
  RequestRegistryTag,
  requestVersion,
} from '@orrery/protocol';
import { modelVersionToWire, registeredModelToWire } from '../wire/registry-wire.js';
import {
  Empty,
  listOf,
  messageObject,
  requestEnum,
  requestInt64,
  requestObject,
  stringField,
  type JsonSchema,
} from '../schemas/message-schemas.js';
import type { EnumValues, RequestReader } from '../wire/request-reader.js';
import { registerDeclaredRoutes, type ApiHttpMethod, type DeclaredRoute } from './declared-route.js';
import { checkModelVersionSource } from './model-version-source.js';
import { searchPage, type SearchVisibility } from './visible-search.js';

/** What the registry handlers work with. */
export interface RegistryRouteContext {
  /** The registry store; throws NOT_IMPLEMENTED (with the reason) when the server has none. */
  registryStore(): ModelRegistryStore;
  /** The tracking store, to check a local model version source against its run's artifact folder. */
  trackingStore?: TrackingStore;
  /** Whether new versions' sources are checked as MLflow's server checks them (default true). */
  checkSources?: boolean;
  /** With the basic-auth app, for non-admins: searches return only what the caller may read. */
  visibility?: SearchVisibility;
}

export type RegistryHttpMethod = ApiHttpMethod;

/** A registry route: declared as every route of the JSON API is. */
export type RegistryRoute = DeclaredRoute<RegistryRouteContext>;

const EMPTY = {};

/** model_registry.proto's `ModelVersionStatus` enum. */
const MODEL_VERSION_STATUS_VALUES: EnumValues = { PENDING_REGISTRATION: 1, FAILED_REGISTRATION: 2, READY: 3 };

function readTag(item: RequestReader): ModelVersionTag {
  return { key: item.string('key', { required: true }), value: item.string('value') ?? '' };
}

function nameOf(request: RequestReader): string {
  return request.string('name', { required: true });
}

/** A version number; MLflow's clients send a string, some send a JSON integer. */
function versionOf(request: RequestReader): string {
  return request.id('version', { required: true });
}

function searchInput(request: RequestReader, limit: number): { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string } {
  const filter = request.string('filter');
  const maxResults = request.integer('max_results', {
    min: 1,
    max: limit,
    rule: `Hint: max_results must be between 1 and ${limit}.`,
  });
  const orderBy = request.stringList('order_by');
  const pageToken = request.string('page_token');
  return {
    ...(filter ? { filter } : {}),
    ...(maxResults !== undefined ? { maxResults } : {}),
    ...(orderBy.length > 0 ? { orderBy } : {}),
    ...(pageToken ? { pageToken } : {}),
  };
}

async function getLatestVersions(request: RequestReader, context: RegistryRouteContext): Promise<Record<string, unknown>> {
  const name = nameOf(request);
  const stages = request.stringList('stages').map((stage) => canonicalModelStage(stage, 'stages'));
  const versions = await context.registryStore().getLatestVersions(name, stages.length > 0 ? stages : undefined);
  return versions.length > 0 ? { model_versions: versions.map(modelVersionToWire) } : {};
}

const REGISTERED_MODEL_RESPONSE = messageObject('RegisteredModelResponse', { registered_model: RegisteredModel });
const MODEL_VERSION_RESPONSE = messageObject('ModelVersionResponse', { model_version: ModelVersion });
const MODEL_VERSIONS_RESPONSE = messageObject('ModelVersionsResponse', { model_versions: listOf(ModelVersion) });
const GET_LATEST_VERSIONS_REQUEST = requestObject(
  'GetLatestVersions',
  { name: stringField(), stages: listOf(stringField(), '`None`, `Staging`, `Production`, `Archived`; all stages when absent.') },
  ['name'],
);

/** The request naming one model version. */
function versionKeyRequest(title: string): JsonSchema {
  return requestObject(title, { name: stringField(), version: requestVersion() }, ['name', 'version']);
}

/** The request of a registry search (registered models or model versions). */
function searchRequest(title: string, maxResults: number, filterExample: string): JsonSchema {
  return requestObject(title, {
    filter: stringField(`A filter in MLflow's registry search grammar, ${filterExample}`),
    max_results: requestInt64(undefined, { minimum: 1, maximum: maxResults }),
    order_by: listOf(stringField(), 'e.g. `name ASC`; repeat the query parameter.'),
    page_token: stringField(),
  });
}

export const REGISTRY_ROUTES: RegistryRoute[] = [
  // ---- registered models ----
  {
    method: 'POST',
    path: '/mlflow/registered-models/create',
    summary: 'Create a registered model.',
    request: requestObject('CreateRegisteredModel', { name: stringField(), tags: listOf(RequestRegistryTag), description: stringField() }, ['name']),
    response: REGISTERED_MODEL_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      const tags = request.messageList('tags', readTag);
      const description = request.string('description');
      const model = await context.registryStore().createRegisteredModel(name, {
        ...(description !== undefined ? { description } : {}),
        ...(tags.length > 0 ? { tags } : {}),
      });
      return { registered_model: registeredModelToWire(model) };
    },
  },
  {
    method: 'GET',
    path: '/mlflow/registered-models/get',
    summary: 'Get a registered model with its latest versions.',
    request: requestObject('GetRegisteredModel', { name: stringField() }, ['name']),
    response: REGISTERED_MODEL_RESPONSE,
    async handle(request, context) {
      return { registered_model: registeredModelToWire(await context.registryStore().getRegisteredModel(nameOf(request))) };
    },
  },
  {
    method: 'POST',
    path: '/mlflow/registered-models/rename',
    summary: 'Rename a registered model (its versions follow).',
    request: requestObject('RenameRegisteredModel', { name: stringField(), new_name: stringField() }, ['name', 'new_name']),
    response: REGISTERED_MODEL_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      const newName = request.string('new_name', { required: true });
      return { registered_model: registeredModelToWire(await context.registryStore().renameRegisteredModel(name, newName)) };
    },
  },
  {
    method: 'PATCH',
    path: '/mlflow/registered-models/update',
    summary: 'Set a registered model\'s description (absent clears it).',
    request: requestObject('UpdateRegisteredModel', { name: stringField(), description: stringField() }, ['name']),
    response: REGISTERED_MODEL_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      // An absent description clears it, as MLflow's proto default (the empty string) does.
      const description = request.string('description') ?? '';
      return { registered_model: registeredModelToWire(await context.registryStore().updateRegisteredModel(name, description)) };
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/registered-models/delete',
    summary: 'Delete a registered model and its versions.',
    request: requestObject('DeleteRegisteredModel', { name: stringField() }, ['name']),
    response: Empty,
    async handle(request, context) {
      await context.registryStore().deleteRegisteredModel(nameOf(request));
      return EMPTY;
    },
  },
  {
    method: 'GET',
    path: '/mlflow/registered-models/search',
    summary: 'Search registered models.',
    request: searchRequest('SearchRegisteredModels', LIMITS.searchRegisteredModels.maxResults, 'e.g. `name LIKE \'fraud%\'`.'),
    response: messageObject('SearchRegisteredModelsResponse', { registered_models: listOf(RegisteredModel), next_page_token: stringField() }),
    async handle(request, context) {
      const input = searchInput(request, LIMITS.searchRegisteredModels.maxResults);
      const store = context.registryStore();
      const visibility = context.visibility;
      const page = await searchPage({
        maxResults: input.maxResults,
        defaultMaxResults: LIMITS.searchRegisteredModels.defaultMaxResults,
        pageToken: input.pageToken,
        fetch: (pageToken, maxResults) =>
          store.searchRegisteredModels({ ...input, ...(maxResults !== undefined ? { maxResults } : {}), ...(pageToken !== undefined ? { pageToken } : {}) }),
        visible: visibility && ((model) => visibility.registeredModel(model.name)),
      });
      const response: Record<string, unknown> = {};
      if (page.items.length > 0) response.registered_models = page.items.map(registeredModelToWire);
      if (page.nextPageToken) response.next_page_token = page.nextPageToken;
      return response;
    },
  },
  {
    method: 'GET',
    path: '/mlflow/registered-models/get-latest-versions',
    summary: 'The latest version of a registered model in each stage (or in the stages named).',
    request: GET_LATEST_VERSIONS_REQUEST,
    response: MODEL_VERSIONS_RESPONSE,
    handle: getLatestVersions,
  },
  {
    method: 'POST',
    path: '/mlflow/registered-models/get-latest-versions',
    summary: 'The latest version of a registered model in each stage (or in the stages named).',
    request: GET_LATEST_VERSIONS_REQUEST,
    response: MODEL_VERSIONS_RESPONSE,
    handle: getLatestVersions,
  },
  {
    method: 'POST',
    path: '/mlflow/registered-models/set-tag',
    summary: 'Set a tag on a registered model.',
    request: requestObject('SetRegisteredModelTag', { name: stringField(), key: stringField(), value: stringField() }, ['name', 'key']),
    response: Empty,
    async handle(request, context) {
      const name = nameOf(request);
      const key = request.string('key', { required: true });
      await context.registryStore().setRegisteredModelTag(name, { key, value: request.string('value') ?? '' });
      return EMPTY;
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/registered-models/delete-tag',
    summary: 'Delete a tag of a registered model.',
    request: requestObject('DeleteRegisteredModelTag', { name: stringField(), key: stringField() }, ['name', 'key']),
    response: Empty,
    async handle(request, context) {
      const name = nameOf(request);
      await context.registryStore().deleteRegisteredModelTag(name, request.string('key', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/registered-models/alias',
    summary: 'Point an alias of a registered model at a version.',
    request: requestObject('SetRegisteredModelAlias', { name: stringField(), alias: stringField(), version: requestVersion() }, ['name', 'alias', 'version']),
    response: Empty,
    async handle(request, context) {
      const name = nameOf(request);
      const alias = request.string('alias', { required: true });
      const version = versionOf(request);
      await context.registryStore().setRegisteredModelAlias(name, alias, version);
      return EMPTY;
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/registered-models/alias',
    summary: 'Delete an alias of a registered model.',
    request: requestObject('DeleteRegisteredModelAlias', { name: stringField(), alias: stringField() }, ['name', 'alias']),
    response: Empty,
    async handle(request, context) {
      const name = nameOf(request);
      await context.registryStore().deleteRegisteredModelAlias(name, request.string('alias', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'GET',
    path: '/mlflow/registered-models/alias',
    summary: 'Get the model version an alias points at.',
    request: requestObject('GetModelVersionByAlias', { name: stringField(), alias: stringField() }, ['name', 'alias']),
    response: MODEL_VERSION_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      const version = await context.registryStore().getModelVersionByAlias(name, request.string('alias', { required: true }));
      return { model_version: modelVersionToWire(version) };
    },
  },

  // ---- model versions ----
  {
    method: 'POST',
    path: '/mlflow/model-versions/create',
    summary: 'Create a model version.',
    request: requestObject('CreateModelVersion', { name: stringField(), source: stringField(), run_id: stringField(), tags: listOf(RequestRegistryTag), run_link: stringField(), description: stringField() }, ['name', 'source']),
    response: MODEL_VERSION_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      const source = request.string('source', { required: true });
      const runId = request.string('run_id');
      const runLink = request.string('run_link');
      const description = request.string('description');
      const tags = request.messageList('tags', readTag);
      if (context.checkSources ?? true) await checkModelVersionSource(source, runId, context.trackingStore);
      const version = await context.registryStore().createModelVersion({
        name,
        source,
        ...(runId ? { runId } : {}),
        ...(runLink ? { runLink } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(tags.length > 0 ? { tags } : {}),
      });
      return { model_version: modelVersionToWire(version) };
    },
  },
  {
    method: 'GET',
    path: '/mlflow/model-versions/get',
    summary: 'Get a model version.',
    request: versionKeyRequest('GetModelVersion'),
    response: MODEL_VERSION_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      return { model_version: modelVersionToWire(await context.registryStore().getModelVersion(name, versionOf(request))) };
    },
  },
  {
    method: 'PATCH',
    path: '/mlflow/model-versions/update',
    summary: 'Update a model version\'s description (and, an Orrery extension, its registration status).',
    request: requestObject('UpdateModelVersion', { name: stringField(), version: requestVersion(), description: stringField(), status: requestEnum(MODEL_VERSION_STATUS_NAMES, 'Orrery extension: the registration status.'), status_message: stringField('Orrery extension.') }, ['name', 'version']),
    response: MODEL_VERSION_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      const version = versionOf(request);
      const description = request.string('description');
      // Orrery extension: the registration status, for stores that register asynchronously.
      const status = request.enumName('status', MODEL_VERSION_STATUS_VALUES) as ModelVersionStatus | undefined;
      const statusMessage = request.string('status_message');
      const updated = await context.registryStore().updateModelVersion(name, version, {
        ...(description !== undefined ? { description } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(statusMessage !== undefined ? { statusMessage } : {}),
      });
      return { model_version: modelVersionToWire(updated) };
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/model-versions/delete',
    summary: 'Delete a model version.',
    request: versionKeyRequest('DeleteModelVersion'),
    response: Empty,
    async handle(request, context) {
      const name = nameOf(request);
      await context.registryStore().deleteModelVersion(name, versionOf(request));
      return EMPTY;
    },
  },
  {
    method: 'GET',
    path: '/mlflow/model-versions/search',
    summary: 'Search model versions.',
    request: searchRequest('SearchModelVersions', LIMITS.searchModelVersions.maxResults, 'e.g. `name = \'fraud\'` or `run_id = \'…\'`.'),
    response: messageObject('SearchModelVersionsResponse', { model_versions: listOf(ModelVersion), next_page_token: stringField() }),
    async handle(request, context) {
      const input = searchInput(request, LIMITS.searchModelVersions.maxResults);
      const store = context.registryStore();
      const visibility = context.visibility;
      const page = await searchPage({
        maxResults: input.maxResults,
        defaultMaxResults: LIMITS.searchModelVersions.defaultMaxResults,
        pageToken: input.pageToken,
        fetch: (pageToken, maxResults) =>
          store.searchModelVersions({ ...input, ...(maxResults !== undefined ? { maxResults } : {}), ...(pageToken !== undefined ? { pageToken } : {}) }),
        visible: visibility && ((version) => visibility.registeredModel(version.name)),
      });
      const response: Record<string, unknown> = {};
      if (page.items.length > 0) response.model_versions = page.items.map(modelVersionToWire);
      if (page.nextPageToken) response.next_page_token = page.nextPageToken;
      return response;
    },
  },
  {
    method: 'POST',
    path: '/mlflow/model-versions/set-tag',
    summary: 'Set a tag on a model version.',
    request: requestObject('SetModelVersionTag', { name: stringField(), version: requestVersion(), key: stringField(), value: stringField() }, ['name', 'version', 'key']),
    response: Empty,
    async handle(request, context) {
      const name = nameOf(request);
      const version = versionOf(request);
      const key = request.string('key', { required: true });
      await context.registryStore().setModelVersionTag(name, version, { key, value: request.string('value') ?? '' });
      return EMPTY;
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/model-versions/delete-tag',
    summary: 'Delete a tag of a model version.',
    request: requestObject('DeleteModelVersionTag', { name: stringField(), version: requestVersion(), key: stringField() }, ['name', 'version', 'key']),
    response: Empty,
    async handle(request, context) {
      const name = nameOf(request);
      const version = versionOf(request);
      await context.registryStore().deleteModelVersionTag(name, version, request.string('key', { required: true }));
      return EMPTY;
    },
  },
  {
    method: 'GET',
    path: '/mlflow/model-versions/get-download-uri',
    summary: 'Where a model version\'s files can be downloaded from.',
    request: versionKeyRequest('GetModelVersionDownloadUri'),
    response: messageObject('GetModelVersionDownloadUriResponse', { artifact_uri: stringField() }),
    async handle(request, context) {
      const name = nameOf(request);
      return { artifact_uri: await context.registryStore().getModelVersionDownloadUri(name, versionOf(request)) };
    },
  },
  {
    method: 'POST',
    path: '/mlflow/model-versions/transition-stage',
    summary: 'Move a model version to another stage.',
    request: requestObject('TransitionModelVersionStage', { name: stringField(), version: requestVersion(), stage: stringField('`None`, `Staging`, `Production` or `Archived` (any case).'), archive_existing_versions: { type: 'boolean' } }, ['name', 'version', 'stage']),
    response: MODEL_VERSION_RESPONSE,
    async handle(request, context) {
      const name = nameOf(request);
      const version = versionOf(request);
      const stage = canonicalModelStage(request.string('stage', { required: true }));
      const archiveExisting = request.bool('archive_existing_versions') ?? false;
      const updated = await context.registryStore().transitionModelVersionStage(name, version, stage, archiveExisting);
      return { model_version: modelVersionToWire(updated) };
    },
  },
];

/** The server options the registry routes read (a subset of `CreateServerOptions`). */
export interface RegistryServerOptions {
  trackingStore?: TrackingStore;
  modelRegistryStore?: ModelRegistryStore;
  modelRegistryUnavailable?: string;
  checkModelVersionSources?: boolean;
}

/** Builds the registry routes' context from the server's options. */
export function registryRouteContext(options: RegistryServerOptions): RegistryRouteContext {
  const store = options.modelRegistryStore;
  return {
    registryStore() {
      if (store === undefined) {
        throw new OrreryError(
          'NOT_IMPLEMENTED',
          options.modelRegistryUnavailable ?? 'This server has no model registry store: start it with --registry-store-uri.',
        );
      }
      return store;
    },
    ...(options.trackingStore !== undefined ? { trackingStore: options.trackingStore } : {}),
    checkSources: options.checkModelVersionSources ?? true,
  };
}

/** Adds every registry route under `prefix` to a scope that already parses JSON bodies. */
export function registerRegistryRoutes(
  scope: FastifyInstance,
  prefix: string,
  context: RegistryRouteContext,
  /** The auth layer's filter of the request's searches, when auth is on. */
  searchVisibilityOf?: (request: FastifyRequest) => SearchVisibility | undefined,
): void {
  registerDeclaredRoutes(scope, prefix, REGISTRY_ROUTES, (request) => {
    const visibility = searchVisibilityOf?.(request);
    return visibility === undefined ? context : { ...context, visibility };
  });
}
