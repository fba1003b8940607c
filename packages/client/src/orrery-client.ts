import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  canonicalModelStage,
  createOrreryContainer,
  disposeContainer,
  OrreryTokens,
  resolve,
  toYamlText,
  type ArtifactRepositoryFactory,
  type DependencyContainer,
  type ModelRegistryStoreProvider,
  type ArtifactFileInfo,
  type ArtifactRepository,
  createLogger,
  type DatasetInput,
  errors,
  type Experiment,
  type LogBatchInput,
  type Logger,
  type Metric,
  type Page,
  type PluginRegistry,
  isOrreryError,
  redactUri,
  resolveTrackingUri,
  type Run,
  type RunInfo,
  type RunStatus,
  type TrackingStore,
  type UpdateRunInput,
  type ViewType,
  type ModelRegistryStore,
  type ModelStage,
  type ModelVersion,
  type ModelVersionStatus,
  type RegisteredModel,
} from '@orrery/core';
import { defaultDiscoverOptions } from './default-registry.js';
import { isModelsUri, isRunsUri, parseModelUri, type ModelsModelUri } from './registry/model-uri.js';
import { resolveArtifactLocation, resolveModelVersion, runsUriToArtifactUri } from './registry/model-uri-resolution.js';
import { lineageOf, runsBehind, type ModelVersionLineage, type RunsBehindSelector } from './registry/model-lineage.js';

/** Tags as MLflow users pass them (a plain object) or as entities (`{ key, value }` items). */
export type TagsInput = Record<string, string> | ReadonlyArray<{ key: string; value: string }>;

/** A param value; numbers and booleans are logged as their string form, as MLflow does. */
export type ParamValue = string | number | boolean;

export interface OrreryClientOptions {
  /** Defaults to `setTrackingUri`'s value, then `ORRERY_TRACKING_URI`, `MLFLOW_TRACKING_URI`, then `./orrery.db`. */
  trackingUri?: string;
  /** Where stores and artifact repositories come from; default: plugins discovered from the working directory. */
  registry?: PluginRegistry;
  /** Where new experiments put their artifacts unless they name a location; default `./orrery-artifacts`. */
  defaultArtifactRoot?: string;
  /**
   * The model registry's URI; default `ORRERY_REGISTRY_URI`, `MLFLOW_REGISTRY_URI`, then the
   * tracking URI. The registry store is opened on the first registry call.
   */
  registryUri?: string;
  logger?: Logger;
  /**
   * An Orrery container to build the client's container under (e.g. the CLI's): its plugin
   * registry and logger are reused, so nothing is discovered twice.
   */
  parent?: DependencyContainer;
}

export interface SearchRegisteredModelsOptions {
  /** `name = / LIKE / ILIKE '...'`, `tags.<key> = '...'`, joined by AND. */
  filter?: string;
  /** Default 100, at most 1000. */
  maxResults?: number;
  /** `name` and `last_updated_timestamp`, each `ASC` or `DESC`. */
  orderBy?: string[];
  pageToken?: string;
}

export interface SearchModelVersionsOptions {
  /** `name`, `run_id` (also `IN (...)`), `source_path`, `version_number`, `tags.<key>`, joined by AND. */
  filter?: string;
  /** Default 10000, at most 200000. */
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateRegisteredModelOptions {
  description?: string;
  tags?: TagsInput;
}

export interface CreateModelVersionOptions {
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: TagsInput;
}

export interface RegisterModelOptions {
  /** Tags of the new version. */
  tags?: TagsInput;
  /** Description of the new version. */
  description?: string;
}

export interface UpdateModelVersionOptions {
  description?: string;
  status?: ModelVersionStatus;
  statusMessage?: string;
}

export interface CreateExperimentOptions {
  artifactLocation?: string;
  tags?: TagsInput;
}

export interface SearchExperimentsOptions {
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateRunOptions {
  runName?: string;
  tags?: TagsInput;
  /** Milliseconds since the epoch; default now. */
  startTime?: number;
  /** Default: the `mlflow.user` tag, else `unknown` (as MLflow's client does). */
  userId?: string;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  runViewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface LogMetricOptions {
  /** Default 0. */
  step?: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
}

/** Turns either tag form into entities, keeping the order given. */
export function toTagList(tags: TagsInput | undefined): Array<{ key: string; value: string }> {
  if (tags === undefined) return [];
  if (Array.isArray(tags)) return tags.map((t: { key: string; value: string }) => ({ key: t.key, value: t.value }));
  return Object.entries(tags as Record<string, string>).map(([key, value]) => ({ key, value }));
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * The low-level tracking client, one method per tracking operation of MLflow's `MlflowClient`.
 * Every call goes straight to the store (no buffering); errors are `OrreryError`s from the store.
 * Artifact operations open the repository serving the run's `artifact_uri` through the plugin
 * registry, once per URI. Call `close()` when done: it releases the store and the repositories.
 */
export class OrreryClient {
  /** The resolved tracking URI this client talks to. */
  readonly trackingUri: string;
  /** The tracking store behind this client. */
  readonly store: TrackingStore;
  /** The plugin registry the store and repositories were opened through. */
  readonly registry: PluginRegistry;
  /** The resolved model registry URI (opened on the first registry call). */
  readonly registryUri: string;
  private readonly logger: Logger;
  /** The DI container holding the stores; it opens the registry store and repositories on demand and closes them. */
  private readonly container: DependencyContainer;
  private readonly openRegistryStore: ModelRegistryStoreProvider;
  private readonly openRepository: ArtifactRepositoryFactory;
  private closed = false;

  private constructor(container: DependencyContainer) {
    const config = resolve(container, OrreryTokens.config);
    this.container = container;
    this.trackingUri = config.trackingUri;
    this.registryUri = config.registryUri;
    this.store = resolve(container, OrreryTokens.trackingStore);
    this.registry = resolve(container, OrreryTokens.pluginRegistry);
    this.logger = resolve(container, OrreryTokens.logger);
    this.openRegistryStore = resolve(container, OrreryTokens.modelRegistryStore);
    this.openRepository = resolve(container, OrreryTokens.artifactRepositoryFactory);
  }

  /**
   * Resolves the tracking and registry URIs, discovers plugins unless a registry is given, and
   * opens the tracking store, in a DI container of its own (see `createOrreryContainer`).
   */
  static async create(options: OrreryClientOptions = {}): Promise<OrreryClient> {
    const container = await createOrreryContainer({
      trackingUri: resolveTrackingUri({ explicit: options.trackingUri }),
      ...(options.registryUri !== undefined ? { registryUri: options.registryUri } : {}),
      ...(options.defaultArtifactRoot !== undefined ? { defaultArtifactRoot: options.defaultArtifactRoot } : {}),
      ...(options.registry !== undefined ? { registry: options.registry } : {}),
      ...(options.parent !== undefined ? { parent: options.parent } : {}),
      plugins: defaultDiscoverOptions(),
      ...(options.logger !== undefined || options.parent === undefined ? { logger: options.logger ?? createLogger({ name: 'orrery-client' }) } : {}),
    });
    const client = new OrreryClient(container);
    client.logger.debug({ trackingUri: redactUri(client.trackingUri) }, 'opened tracking store');
    return client;
  }

  // ---- experiments ----

  /** Creates an experiment and returns its id. */
  async createExperiment(name: string, options: CreateExperimentOptions = {}): Promise<string> {
    return this.store.createExperiment({
      name,
      ...(options.artifactLocation !== undefined ? { artifactLocation: options.artifactLocation } : {}),
      tags: toTagList(options.tags),
    });
  }

  /** Returns the experiment (active or deleted); RESOURCE_DOES_NOT_EXIST if unknown. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.store.getExperiment(experimentId);
  }

  /** Returns the experiment with this exact name, or null. */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    return this.store.getExperimentByName(name);
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    return this.store.searchExperiments(options);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    return this.store.renameExperiment(experimentId, newName);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    return this.store.deleteExperiment(experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    return this.store.restoreExperiment(experimentId);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return this.store.setExperimentTag(experimentId, { key, value });
  }

  // ---- runs ----

  /** Creates a RUNNING run. */
  async createRun(experimentId: string, options: CreateRunOptions = {}): Promise<Run> {
    const tags = toTagList(options.tags);
    const userId = options.userId ?? tags.find((t) => t.key === 'mlflow.user')?.value ?? 'unknown';
    return this.store.createRun({
      experimentId,
      userId,
      startTime: options.startTime ?? Date.now(),
      ...(options.runName !== undefined ? { runName: options.runName } : {}),
      tags,
    });
  }

  /** Returns the run with its latest metrics, params, tags and inputs. */
  async getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  /** Updates status, end time and/or name; returns the new info. */
  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    return this.store.updateRun(runId, input);
  }

  /** Ends a run: sets its status (default FINISHED) and end time (default now). */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED', endTime?: number): Promise<RunInfo> {
    return this.store.updateRun(runId, { status, endTime: endTime ?? Date.now() });
  }

  async deleteRun(runId: string): Promise<void> {
    return this.store.deleteRun(runId);
  }

  async restoreRun(runId: string): Promise<void> {
    return this.store.restoreRun(runId);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    return this.store.searchRuns(options);
  }

  // ---- logging ----

  /** Appends one metric observation (unbuffered; the fluent `logMetric` buffers). */
  async logMetric(runId: string, key: string, value: number, options: LogMetricOptions = {}): Promise<void> {
    return this.store.logMetric(runId, {
      key,
      value,
      timestamp: options.timestamp ?? Date.now(),
      step: options.step ?? 0,
    });
  }

  /** Logs a param; re-logging the same value is accepted, a different one is INVALID_PARAMETER_VALUE. */
  async logParam(runId: string, key: string, value: ParamValue): Promise<void> {
    return this.store.logParam(runId, { key, value: String(value) });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    return this.store.setTag(runId, { key, value: String(value) });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    return this.store.deleteTag(runId, key);
  }

  /** Logs metrics, params and tags in one atomic write (at most 1000 metrics, 100 params, 100 tags). */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    return this.store.logBatch(runId, batch);
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    return this.store.logInputs(runId, datasets);
  }

  /** Every observation of one metric, following all pages. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const all: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.store.getMetricHistory(runId, key, pageToken !== undefined ? { pageToken } : {});
      all.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined && pageToken !== '');
    return all;
  }

  // ---- artifacts ----

  /** Uploads one local file to `<artifactPath>/<basename>` in the run's artifact root. */
  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const repo = await this.repositoryForRun(runId);
    await repo.logArtifact(localPath, artifactPath);
  }

  /** Uploads a local directory's contents under `artifactPath` in the run's artifact root. */
  async logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void> {
    const repo = await this.repositoryForRun(runId);
    await repo.logArtifacts(localDir, artifactPath);
  }

  /** Lists the direct children of `path` (the root when omitted). */
  async listArtifacts(runId: string, artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const repo = await this.repositoryForRun(runId);
    return repo.listArtifacts(artifactPath);
  }

  /**
   * Downloads files into `dstDir` and returns the local path, in one of two forms:
   * - `downloadArtifacts(runId, artifactPath, dstDir)`: a file or directory of a run's artifacts,
   *   to `<dstDir>/<artifactPath>`;
   * - `downloadArtifacts(uri, dstDir)`: what a URI names. `runs:/<run_id>/<path>` lands in
   *   `<dstDir>/<last segment of path>`; `models:/<name>/<version>`, `models:/<name>/<stage>`
   *   (the newest version in that stage), `models:/<name>/latest` and `models:/<name>@<alias>`
   *   put the version's files directly in `<dstDir>` (as MLflow does); any other URI is an
   *   artifact location whose whole content is downloaded into `<dstDir>`.
   */
  async downloadArtifacts(uri: string, dstDir: string): Promise<string>;
  async downloadArtifacts(runId: string, artifactPath: string, dstDir: string): Promise<string>;
  async downloadArtifacts(first: string, second: string, third?: string): Promise<string> {
    if (third !== undefined) {
      const repo = await this.repositoryForRun(first);
      return repo.downloadArtifacts(second, third);
    }
    const location = await resolveArtifactLocation(first, { trackingStore: this.store, registryStore: () => this.modelRegistry() });
    const repo = await this.artifactRepository(location.rootUri);
    return repo.downloadArtifacts(location.path, second);
  }

  /** Stores `text` (UTF-8) as the artifact file `artifactFile`, e.g. `notes/summary.txt`. */
  async logText(runId: string, text: string, artifactFile: string): Promise<void> {
    await this.logFileContent(runId, artifactFile, text);
  }

  /**
   * Stores a JSON-compatible object as the artifact file `artifactFile`: YAML when the name ends in
   * `.yaml` or `.yml`, JSON (indented) otherwise.
   */
  async logDict(runId: string, obj: unknown, artifactFile: string): Promise<void> {
    const text = YAML_FILE.test(artifactFile) ? toYamlText(obj) : `${JSON.stringify(obj, null, 2)}\n`;
    await this.logFileContent(runId, artifactFile, text);
  }

  // ---- model registry ----

  /** The model registry store at `registryUri`, opened on first use through the plugin registry. */
  async modelRegistry(): Promise<ModelRegistryStore> {
    return this.openRegistryStore();
  }

  /** Creates a registered model with no versions; RESOURCE_ALREADY_EXISTS if the name is taken. */
  async createRegisteredModel(name: string, options: CreateRegisteredModelOptions = {}): Promise<RegisteredModel> {
    return (await this.modelRegistry()).createRegisteredModel(name, {
      ...(options.description !== undefined ? { description: options.description } : {}),
      tags: toTagList(options.tags),
    });
  }

  /** The model with its newest version per stage, tags and aliases. */
  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return (await this.modelRegistry()).getRegisteredModel(name);
  }

  /** Renames a model; its versions, tags and aliases follow. */
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return (await this.modelRegistry()).renameRegisteredModel(name, newName);
  }

  /** Replaces a model's description. */
  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return (await this.modelRegistry()).updateRegisteredModel(name, description);
  }

  /** Deletes a model with all its versions, tags and aliases. */
  async deleteRegisteredModel(name: string): Promise<void> {
    return (await this.modelRegistry()).deleteRegisteredModel(name);
  }

  /** One page of registered models. */
  async searchRegisteredModels(options: SearchRegisteredModelsOptions = {}): Promise<Page<RegisteredModel>> {
    return (await this.modelRegistry()).searchRegisteredModels(options);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    return (await this.modelRegistry()).setRegisteredModelTag(name, { key, value: String(value) });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    return (await this.modelRegistry()).deleteRegisteredModelTag(name, key);
  }

  /**
   * Creates the next version of a registered model from a source URI, stored as given (use
   * `registerModel` to have `runs:/` and `models:/` URIs resolved first).
   */
  async createModelVersion(name: string, source: string, options: CreateModelVersionOptions = {}): Promise<ModelVersion> {
    return (await this.modelRegistry()).createModelVersion({
      name,
      source,
      ...(options.runId !== undefined ? { runId: options.runId } : {}),
      ...(options.runLink !== undefined ? { runLink: options.runLink } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      tags: toTagList(options.tags),
    });
  }

  /**
   * Registers the model at `modelUri` as a new version of `name`, creating the registered model
   * first when it does not exist. As MLflow's `register_model`: a `runs:/<run_id>/<path>` URI
   * becomes the source `<run's artifact_uri>/<path>` with `run_id` set; a `models:/` URI becomes
   * the source of the version it names (and that version's run id); any other URI is the source
   * as given.
   */
  async registerModel(modelUri: string, name: string, options: RegisterModelOptions = {}): Promise<ModelVersion> {
    const registry = await this.modelRegistry();
    let source = modelUri;
    let runId: string | undefined;
    if (isRunsUri(modelUri)) {
      const parsed = parseModelUri(modelUri);
      if (parsed.scheme === 'runs') {
        source = await runsUriToArtifactUri(this.store, parsed.runId, parsed.artifactPath);
        runId = parsed.runId;
      }
    } else if (isModelsUri(modelUri)) {
      const parsed = parseModelUri(modelUri) as ModelsModelUri;
      const from = await resolveModelVersion(registry, parsed);
      const fromSource = await registry.getModelVersionDownloadUri(from.name, from.version);
      source = parsed.path === '' ? fromSource : `${fromSource.replace(/\/+$/, '')}/${parsed.path}`;
      runId = from.runId;
    }
    try {
      await registry.createRegisteredModel(name);
    } catch (error) {
      if (!isOrreryError(error) || error.code !== 'RESOURCE_ALREADY_EXISTS') throw error;
      this.logger.debug({ name }, 'registered model exists; creating a new version of it');
    }
    return registry.createModelVersion({
      name,
      source,
      ...(runId !== undefined ? { runId } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      tags: toTagList(options.tags),
    });
  }

  /** One version; `version` is a positive decimal number (as a string or a number). */
  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return (await this.modelRegistry()).getModelVersion(name, String(version));
  }

  /** Updates a version's description (and, for stores that register asynchronously, its status). */
  async updateModelVersion(name: string, version: string | number, options: UpdateModelVersionOptions): Promise<ModelVersion> {
    return (await this.modelRegistry()).updateModelVersion(name, String(version), options);
  }

  /** Deletes one version and the aliases pointing at it; its number is never reused. */
  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    return (await this.modelRegistry()).deleteModelVersion(name, String(version));
  }

  /** One page of model versions. */
  async searchModelVersions(options: SearchModelVersionsOptions = {}): Promise<Page<ModelVersion>> {
    return (await this.modelRegistry()).searchModelVersions(options);
  }

  async setModelVersionTag(name: string, version: string | number, key: string, value: string): Promise<void> {
    return (await this.modelRegistry()).setModelVersionTag(name, String(version), { key, value: String(value) });
  }

  async deleteModelVersionTag(name: string, version: string | number, key: string): Promise<void> {
    return (await this.modelRegistry()).deleteModelVersionTag(name, String(version), key);
  }

  /** The URI to download a version's files from. */
  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    return (await this.modelRegistry()).getModelVersionDownloadUri(name, String(version));
  }

  /**
   * Moves a version to a stage (`None`, `Staging`, `Production`, `Archived`; any letter case).
   * With `archiveExistingVersions`, the versions already in Staging or Production move to
   * Archived in the same write.
   */
  async transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: ModelStage | string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    return (await this.modelRegistry()).transitionModelVersionStage(name, String(version), canonicalModelStage(stage), archiveExistingVersions);
  }

  /** The newest version in each of the given stages (every stage when omitted). */
  async getLatestVersions(name: string, stages?: Array<ModelStage | string>): Promise<ModelVersion[]> {
    return (await this.modelRegistry()).getLatestVersions(name, stages?.map((stage) => canonicalModelStage(stage, 'stages')));
  }

  /** Points an alias at a version, moving it atomically if it pointed elsewhere. */
  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    return (await this.modelRegistry()).setRegisteredModelAlias(name, alias, String(version));
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    return (await this.modelRegistry()).deleteRegisteredModelAlias(name, alias);
  }

  /** The version an alias points at. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (await this.modelRegistry()).getModelVersionByAlias(name, alias);
  }

  /**
   * A version with the run that produced it: the run's params, latest metrics, experiment id and
   * name, and the web UI link `#/experiments/<id>/runs/<run_id>`. A version without a run id, or
   * whose run this tracking store does not hold, comes back with `runUnavailable` saying why.
   */
  async describeModelVersionLineage(name: string, version: string | number): Promise<ModelVersionLineage> {
    const found = await (await this.modelRegistry()).getModelVersion(name, String(version));
    return lineageOf(found, this.store, this.trackingUri);
  }

  /**
   * Which runs produced the versions a model serves now: the version under `{ alias }`, or every
   * version now in `{ stage }` (newest first), each with its run.
   */
  async runsBehind(name: string, selector: RunsBehindSelector): Promise<ModelVersionLineage[]> {
    return runsBehind(await this.modelRegistry(), this.store, this.trackingUri, name, selector);
  }

  /** Releases the stores and every artifact repository opened. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await disposeContainer(this.container);
  }

  /** Opens (once per URI) the artifact repository rooted at a run's artifact URI. */
  async artifactRepository(artifactUri: string): Promise<ArtifactRepository> {
    return this.openRepository(artifactUri);
  }

  private async repositoryForRun(runId: string): Promise<ArtifactRepository> {
    const run = await this.store.getRun(runId);
    if (!run.info.artifactUri) {
      throw errors.invalidState(`Run '${runId}' has no artifact URI, so it cannot store artifacts.`);
    }
    return this.artifactRepository(run.info.artifactUri);
  }

  /**
   * Writes a small text file through `logArtifact`, so every repository stores it exactly as it
   * stores an uploaded file (same path rules, same overwrite behaviour).
   */
  private async logFileContent(runId: string, artifactFile: string, content: string): Promise<void> {
    const slash = artifactFile.lastIndexOf('/');
    const fileName = artifactFile.slice(slash + 1);
    const dir = slash >= 0 ? artifactFile.slice(0, slash) : undefined;
    // The directory part is checked by the repository; the file name becomes a local file name
    // here first, so it is checked before it touches the disk.
    if (artifactFile.startsWith('/') || fileName === '' || fileName === '.' || fileName === '..' || /[\\\0]/.test(fileName)) {
      throw errors.invalidParameter(
        `Invalid artifact file '${artifactFile}': it must be a relative path ending with a file name, without backslashes or NUL bytes.`,
      );
    }
    const repo = await this.repositoryForRun(runId);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'orrery-artifact-'));
    try {
      const local = path.join(tmp, fileName);
      await writeFile(local, content, 'utf8');
      await repo.logArtifact(local, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
