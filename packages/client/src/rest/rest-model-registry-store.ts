/**
 * A ModelRegistryStore that talks to an MLflow-compatible server (`orrery server`, or MLflow's
 * own) over its REST API 2.0 registry routes, for `http(s)://` registry URIs. It shares the
 * tracking store's transport: credentials, timeouts, retries of idempotent calls only, and
 * `{error_code, message}` answers rebuilt into OrreryError.
 */
import type {
  CreateModelVersionInput,
  ModelRegistryStore,
  ModelStage,
  ModelVersion,
  ModelVersionTag,
  Page,
  RegisteredModel,
  RegisteredModelTag,
  SearchModelVersionsInput,
  SearchRegisteredModelsInput,
  UpdateModelVersionInput,
} from '@orrery/core';
import { MlflowRestApi, pageOf, type Json } from './mlflow-rest-api.js';
import { RestTransport, transportOptionsFromEnv, type RestTransportOptions } from './rest-transport.js';
import { keyValuesToWire, modelVersionFromWire, registeredModelFromWire } from '@orrery/protocol';

export class RestModelRegistryStore implements ModelRegistryStore {
  readonly transport: RestTransport;
  private readonly api: MlflowRestApi;

  /**
   * @param registryUri `http(s)://host[:port][/prefix]`.
   * @param options transport settings; by default read from `ORRERY_*` / `MLFLOW_*` variables
   *   (TRACKING_TOKEN, TRACKING_USERNAME, TRACKING_PASSWORD, HTTP_REQUEST_TIMEOUT, HTTP_REQUEST_MAX_RETRIES).
   */
  constructor(registryUri: string, options: Omit<RestTransportOptions, 'baseUrl'> = transportOptionsFromEnv()) {
    this.transport = new RestTransport({ ...options, baseUrl: registryUri });
    this.api = new MlflowRestApi(this.transport);
  }

  // ---- registered models ----

  async createRegisteredModel(name: string, input: { description?: string; tags?: RegisteredModelTag[] } = {}): Promise<RegisteredModel> {
    const response = await this.api.send('POST', 'registered-models/create', { name, tags: input.tags && keyValuesToWire(input.tags), description: input.description }, false);
    return registeredModelFromWire(response.registered_model as Json);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const response = await this.api.get('registered-models/get', { name });
    return registeredModelFromWire(response.registered_model as Json);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const response = await this.api.send('POST', 'registered-models/rename', { name, new_name: newName }, false);
    return registeredModelFromWire(response.registered_model as Json);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const response = await this.api.send('PATCH', 'registered-models/update', { name, description }, true);
    return registeredModelFromWire(response.registered_model as Json);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.api.send('DELETE', 'registered-models/delete', { name }, false);
  }

  async searchRegisteredModels(input: SearchRegisteredModelsInput): Promise<Page<RegisteredModel>> {
    const response = await this.api.get('registered-models/search', {
      filter: input.filter,
      max_results: input.maxResults,
      order_by: input.orderBy,
      page_token: input.pageToken,
    });
    return pageOf(((response.registered_models as Json[] | undefined) ?? []).map(registeredModelFromWire), response.next_page_token);
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    await this.api.send('POST', 'registered-models/set-tag', { name, key: tag.key, value: tag.value }, true);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.api.send('DELETE', 'registered-models/delete-tag', { name, key }, false);
  }

  // ---- model versions ----

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    const response = await this.api.send(
      'POST',
      'model-versions/create',
      {
        name: input.name,
        source: input.source,
        run_id: input.runId,
        tags: input.tags && keyValuesToWire(input.tags),
        run_link: input.runLink,
        description: input.description,
      },
      false,
    );
    return modelVersionFromWire(response.model_version as Json);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const response = await this.api.get('model-versions/get', { name, version });
    return modelVersionFromWire(response.model_version as Json);
  }

  /**
   * MLflow's update route takes only a description; `status` and `status_message` are an Orrery
   * extension of it (an MLflow server ignores them).
   */
  async updateModelVersion(name: string, version: string, input: UpdateModelVersionInput): Promise<ModelVersion> {
    const response = await this.api.send(
      'PATCH',
      'model-versions/update',
      { name, version, description: input.description, status: input.status, status_message: input.statusMessage },
      true,
    );
    return modelVersionFromWire(response.model_version as Json);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.api.send('DELETE', 'model-versions/delete', { name, version }, false);
  }

  async searchModelVersions(input: SearchModelVersionsInput): Promise<Page<ModelVersion>> {
    const response = await this.api.get('model-versions/search', {
      filter: input.filter,
      max_results: input.maxResults,
      order_by: input.orderBy,
      page_token: input.pageToken,
    });
    return pageOf(((response.model_versions as Json[] | undefined) ?? []).map(modelVersionFromWire), response.next_page_token);
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    await this.api.send('POST', 'model-versions/set-tag', { name, version, key: tag.key, value: tag.value }, true);
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.api.send('DELETE', 'model-versions/delete-tag', { name, version, key }, false);
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const response = await this.api.get('model-versions/get-download-uri', { name, version });
    return String(response.artifact_uri ?? '');
  }

  // ---- stages and aliases ----

  async transitionModelVersionStage(name: string, version: string, stage: ModelStage, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const response = await this.api.send(
      'POST',
      'model-versions/transition-stage',
      { name, version, stage, archive_existing_versions: archiveExistingVersions },
      false,
    );
    return modelVersionFromWire(response.model_version as Json);
  }

  async getLatestVersions(name: string, stages?: ModelStage[]): Promise<ModelVersion[]> {
    const response = await this.api.send('POST', 'registered-models/get-latest-versions', { name, stages }, true);
    return ((response.model_versions as Json[] | undefined) ?? []).map(modelVersionFromWire);
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.api.send('POST', 'registered-models/alias', { name, alias, version }, true);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.api.send('DELETE', 'registered-models/alias', { name, alias }, false);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const response = await this.api.get('registered-models/alias', { name, alias });
    return modelVersionFromWire(response.model_version as Json);
  }

  /** Nothing to release: fetch pools its connections process-wide. */
  async close(): Promise<void> {}
}
