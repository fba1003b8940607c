import type { Page } from '../entities/tracking.js';
import type {
  ModelStage,
  ModelVersion,
  ModelVersionStatus,
  ModelVersionTag,
  RegisteredModel,
  RegisteredModelTag,
} from '../entities/registry.js';

export interface SearchRegisteredModelsInput {
  /** `name =`, `name LIKE`, `name ILIKE`, `tags.<k> =`, joined by AND. */
  filter?: string;
  /** Default 100, at most 1000. */
  maxResults?: number;
  /** `name`, `last_updated_timestamp` (alias `timestamp`), each ASC or DESC. */
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateModelVersionInput {
  name: string;
  source: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: ModelVersionTag[];
  userId?: string;
}

export interface SearchModelVersionsInput {
  /** `name`, `run_id` (also `IN`), `source_path`, `version_number`, `tags.<k>`, joined by AND. */
  filter?: string;
  /** Default 10000, at most 200000. */
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface UpdateModelVersionInput {
  description?: string;
  status?: ModelVersionStatus;
  statusMessage?: string;
}

/**
 * The model registry: registered models, their numbered versions, stages, aliases and tags.
 * Errors as for TrackingStore: RESOURCE_DOES_NOT_EXIST for an unknown model, version or alias;
 * RESOURCE_ALREADY_EXISTS for a taken name; INVALID_PARAMETER_VALUE for a bad name, stage,
 * version number or tag. Every write is atomic.
 */
export interface ModelRegistryStore {
  /** Creates a registered model with no versions. */
  createRegisteredModel(name: string, input?: { description?: string; tags?: RegisteredModelTag[] }): Promise<RegisteredModel>;
  /** Returns the model with its latest version per stage, tags and aliases. */
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  /** Renames the model; its versions, tags and aliases follow. */
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  /** Replaces the description. */
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel>;
  /** Deletes the model with all its versions, tags and aliases. */
  deleteRegisteredModel(name: string): Promise<void>;
  /** Pages through registered models. */
  searchRegisteredModels(input: SearchRegisteredModelsInput): Promise<Page<RegisteredModel>>;
  /** Sets (creates or overwrites) a registered-model tag. */
  setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void>;
  /** Removes a registered-model tag. */
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;

  /**
   * Creates the next version of a model: numbers start at 1 and rise without gaps, also under
   * concurrent creates. The new version is in stage None with status READY.
   */
  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  /** Returns one version; `version` must be a positive decimal number. */
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** Updates description and/or registration status. */
  updateModelVersion(name: string, version: string, input: UpdateModelVersionInput): Promise<ModelVersion>;
  /** Deletes one version and every alias pointing at it. Numbers are never reused. */
  deleteModelVersion(name: string, version: string): Promise<void>;
  /** Pages through model versions. */
  searchModelVersions(input: SearchModelVersionsInput): Promise<Page<ModelVersion>>;
  /** Sets (creates or overwrites) a model-version tag. */
  setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void>;
  /** Removes a model-version tag. */
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
  /** The `source` URI to download the version's files from. */
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;

  /**
   * Moves a version to a stage. With `archiveExistingVersions`, other versions in the target stage
   * (Staging or Production only) move to Archived in the same atomic write.
   */
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: ModelStage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion>;
  /** The newest version in each of the given stages (every stage when omitted). */
  getLatestVersions(name: string, stages?: ModelStage[]): Promise<ModelVersion[]>;

  /** Points an alias at a version, atomically moving it if it pointed elsewhere. */
  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void>;
  /** Removes an alias. */
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  /** Resolves an alias to its version. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /** Releases connections and files. */
  close(): Promise<void>;
}
