import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type ArtifactFileInfo,
  type ArtifactRepository,
  createLogger,
  type DatasetInput,
  defaultArtifactRoot,
  errors,
  type Experiment,
  type LogBatchInput,
  type Logger,
  type Metric,
  type Page,
  type PluginRegistry,
  redactUri,
  resolveTrackingUri,
  type Run,
  type RunInfo,
  type RunStatus,
  type TrackingStore,
  type UpdateRunInput,
  type ViewType,
} from '@orrery/core';
import { discoverDefaultRegistry } from './default-registry.js';
import { toYamlText } from './yaml-text.js';

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
  logger?: Logger;
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
  private readonly logger: Logger;
  private readonly repositories = new Map<string, Promise<ArtifactRepository>>();
  private closed = false;

  private constructor(trackingUri: string, store: TrackingStore, registry: PluginRegistry, logger: Logger) {
    this.trackingUri = trackingUri;
    this.store = store;
    this.registry = registry;
    this.logger = logger;
  }

  /** Resolves the tracking URI, discovers plugins unless a registry is given, and opens the store. */
  static async create(options: OrreryClientOptions = {}): Promise<OrreryClient> {
    const trackingUri = resolveTrackingUri({ explicit: options.trackingUri });
    const registry = options.registry ?? (await discoverDefaultRegistry());
    const logger = options.logger ?? createLogger({ name: 'orrery-client' });
    const store = await registry.openTrackingStore(trackingUri, {
      defaultArtifactRoot: options.defaultArtifactRoot ?? defaultArtifactRoot(),
    });
    logger.debug({ trackingUri: redactUri(trackingUri) }, 'opened tracking store');
    return new OrreryClient(trackingUri, store, registry, logger);
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

  /** Downloads a file or directory into `dstDir`; returns the local path. */
  async downloadArtifacts(runId: string, artifactPath: string, dstDir: string): Promise<string> {
    const repo = await this.repositoryForRun(runId);
    return repo.downloadArtifacts(artifactPath, dstDir);
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

  /** Releases the store and every artifact repository opened. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const repos = [...this.repositories.values()];
    this.repositories.clear();
    for (const pending of repos) {
      try {
        const repo = await pending;
        await repo.close?.();
      } catch (error) {
        this.logger.warn({ err: error }, 'closing an artifact repository failed');
      }
    }
    await this.store.close();
  }

  /** Opens (once per URI) the artifact repository rooted at a run's artifact URI. */
  async artifactRepository(artifactUri: string): Promise<ArtifactRepository> {
    let repo = this.repositories.get(artifactUri);
    if (repo === undefined) {
      repo = this.registry.openArtifactRepository(artifactUri);
      // A failed open is not cached, so a later call can retry.
      repo.catch(() => this.repositories.delete(artifactUri));
      this.repositories.set(artifactUri, repo);
    }
    return repo;
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
