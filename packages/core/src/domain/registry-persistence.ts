import type {
  CreateModelVersionInput,
  SearchModelVersionsInput,
  SearchRegisteredModelsInput,
  UpdateModelVersionInput,
} from '../contracts/model-registry-store.js';
import type { ModelStage, ModelVersion, ModelVersionTag, RegisteredModel, RegisteredModelTag } from '../entities/registry.js';
import type { Page } from '../entities/tracking.js';
import type { FilterAst, OrderByTerm } from '../search/ast.js';
import type { ModelVersionReference } from '../uri/model-version-reference.js';
import type { RegistryRestore } from './restore-ports.js';

/** A registry search whose page size, filter and order the service checked and parsed. */
export interface RegisteredModelQuery extends SearchRegisteredModelsInput {
  maxResults: number;
  filterAst: FilterAst;
  orderByTerms: OrderByTerm[];
}

/** A model-version search whose page size, filter and order the service checked and parsed. */
export interface ModelVersionQuery extends SearchModelVersionsInput {
  maxResults: number;
  filterAst: FilterAst;
  orderByTerms: OrderByTerm[];
}

/** A model version as the registry service decided it: tags one per key, storage location resolved. */
export interface NewModelVersion extends CreateModelVersionInput {
  tags: ModelVersionTag[];
  storageLocation: string;
}

/**
 * The persistence port of the model registry: what a registry backend implements. The registry
 * service (`ModelRegistryService`) implements the public `ModelRegistryStore` contract on top of
 * it with MLflow's rules (names, version numbers given as text, stages and their canonical
 * spelling, tag and alias rules, the stage filter of get-latest-versions, events). Inputs arrive
 * checked; versions arrive as numbers.
 *
 * The port keeps what only it can do atomically: existence checks inside the write (an unknown
 * model is RESOURCE_DOES_NOT_EXIST `Registered Model with name=<name> not found.`, an unknown
 * version `Model Version (name=<name>, version=<n>) not found.`), name uniqueness
 * (RESOURCE_ALREADY_EXISTS), gap-free version numbers under concurrent creates, and moving or
 * archiving versions in one step. Every write is atomic.
 */
export interface ModelRegistryPersistence {
  /** Marks the object as a port to be wrapped by `ModelRegistryService` (REST stores are not ports). */
  readonly port: 'modelRegistry';

  createRegisteredModel(name: string, input: { description?: string; tags: RegisteredModelTag[] }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(query: RegisteredModelQuery): Promise<Page<RegisteredModel>>;
  setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;

  /** The storage location of the version a `models:/` reference names, or null when it names none. */
  storageLocationOf(reference: ModelVersionReference): Promise<string | null>;
  /** Inserts the model's next version (stage None, status READY). */
  createModelVersion(input: NewModelVersion): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion>;
  updateModelVersion(name: string, version: number, input: UpdateModelVersionInput): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: number): Promise<void>;
  searchModelVersions(query: ModelVersionQuery): Promise<Page<ModelVersion>>;
  setModelVersionTag(name: string, version: number, tag: ModelVersionTag): Promise<void>;
  deleteModelVersionTag(name: string, version: number, key: string): Promise<void>;
  /** The version's storage location. */
  getModelVersionDownloadUri(name: string, version: number): Promise<string>;

  /** Moves a version to `stage` (canonical), archiving the others in that stage when asked, in one step. */
  transitionModelVersionStage(name: string, version: number, stage: ModelStage, archiveExistingVersions: boolean): Promise<ModelVersion>;
  /** The newest version in each stage that has one, in stage order (None, Staging, Production, Archived). */
  getLatestVersions(name: string): Promise<ModelVersion[]>;

  setRegisteredModelAlias(name: string, alias: string, version: number): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  /** The version the alias points at; RESOURCE_DOES_NOT_EXIST naming the alias when it points nowhere. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /** The bulk path that keeps names, version numbers and timestamps (`orrery import`), when the backend offers it. */
  readonly restore?: RegistryRestore;

  close(): Promise<void>;
}
