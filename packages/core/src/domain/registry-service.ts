import type {
  CreateModelVersionInput,
  ModelRegistryStore,
  SearchModelVersionsInput,
  SearchRegisteredModelsInput,
  UpdateModelVersionInput,
} from '../contracts/model-registry-store.js';
import type { ModelStage, ModelVersion, ModelVersionTag, RegisteredModel, RegisteredModelTag } from '../entities/registry.js';
import { MODEL_STAGES } from '../entities/registry.js';
import type { Page } from '../entities/tracking.js';
import { errors } from '../errors/orrery-error.js';
import type { OrderByTerm } from '../search/ast.js';
import { parseOrderBy, parseSearchFilter } from '../search/index.js';
import { parseModelVersionReference } from '../uri/model-version-reference.js';
import { LIMITS } from '../validation/limits.js';
import {
  ACTIVE_MODEL_STAGES,
  canonicalModelStage,
  parseModelVersionNumber,
  validateAliasName,
  validateCreateModelVersion,
  validateCreateRegisteredModel,
  validateModelName,
  validateModelVersionStatus,
  validateOptionalString,
  validateRegistryTag,
  validateRegistryTagKey,
} from '../validation/registry-validation.js';
import { validateMaxResults } from '../validation/validate.js';
import { DomainEvents } from './domain-events.js';
import type { ModelRegistryPersistence } from './registry-persistence.js';

/** A registry search may order by each field once. */
function rejectRepeatedOrderFields(terms: readonly OrderByTerm[], orderBy: readonly string[] | undefined): void {
  const seen = new Set<string>();
  for (const term of terms) {
    if (seen.has(term.key)) {
      throw errors.invalidParameter(`order_by contains the field '${term.key}' twice: ${JSON.stringify(orderBy ?? [])}.`);
    }
    seen.add(term.key);
  }
}

/**
 * The model-registry domain service: MLflow's registry rules, written once, on top of a
 * persistence port. It implements the public `ModelRegistryStore` contract. Input is checked
 * before the port is touched, and every successful write emits exactly one event on `events`.
 */
export class ModelRegistryService implements ModelRegistryStore {
  readonly events: DomainEvents;

  constructor(
    /** The port the service reads and writes through. */
    readonly persistence: ModelRegistryPersistence,
    events: DomainEvents = new DomainEvents(),
  ) {
    this.events = events;
  }

  // ---- registered models ----

  async createRegisteredModel(name: string, input: { description?: string; tags?: RegisteredModelTag[] } = {}): Promise<RegisteredModel> {
    const tags = validateCreateRegisteredModel(name, input);
    const model = await this.persistence.createRegisteredModel(name, { ...input, tags });
    this.events.emit('registered_model.created', { model });
    return model;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.persistence.getRegisteredModel(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateModelName(newName, 'new_name');
    const model = await this.persistence.renameRegisteredModel(name, newName);
    this.events.emit('registered_model.renamed', { name, newName });
    return model;
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateOptionalString('description', description);
    const model = await this.persistence.updateRegisteredModel(name, description);
    this.events.emit('registered_model.updated', { model });
    return model;
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    validateModelName(name);
    await this.persistence.deleteRegisteredModel(name);
    this.events.emit('registered_model.deleted', { name });
  }

  async searchRegisteredModels(input: SearchRegisteredModelsInput): Promise<Page<RegisteredModel>> {
    const maxResults = validateMaxResults(input.maxResults, LIMITS.searchRegisteredModels);
    const filterAst = parseSearchFilter(input.filter, 'registeredModel');
    const orderByTerms = parseOrderBy(input.orderBy, 'registeredModel');
    rejectRepeatedOrderFields(orderByTerms, input.orderBy);
    return this.persistence.searchRegisteredModels({ ...input, maxResults, filterAst, orderByTerms });
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    validateModelName(name);
    validateRegistryTag(tag, 'registered model');
    await this.persistence.setRegisteredModelTag(name, tag);
    this.events.emit('registered_model.tag_set', { name, tag });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateRegistryTagKey(key);
    await this.persistence.deleteRegisteredModelTag(name, key);
    this.events.emit('registered_model.tag_deleted', { name, key });
  }

  // ---- model versions ----

  /**
   * A `models:/` source is stored with the storage location of the version it names (so that
   * downloads reach the files); one that names no version is refused.
   */
  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    const tags = validateCreateModelVersion(input);
    const reference = parseModelVersionReference(input.source);
    let storageLocation = input.source;
    if (reference) {
      const found = await this.persistence.storageLocationOf(reference);
      if (found === null) {
        throw errors.invalidParameter(`Invalid source '${input.source}': it names no existing model version, so its files cannot be located.`);
      }
      storageLocation = found;
    }
    const version = await this.persistence.createModelVersion({ ...input, tags, storageLocation });
    this.events.emit('model_version.created', { version });
    return version;
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name);
    return this.persistence.getModelVersion(name, parseModelVersionNumber(version));
  }

  async updateModelVersion(name: string, version: string, input: UpdateModelVersionInput): Promise<ModelVersion> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    validateOptionalString('description', input.description);
    if (input.status !== undefined && input.status !== null) validateModelVersionStatus(input.status);
    validateOptionalString('status_message', input.statusMessage);
    const updated = await this.persistence.updateModelVersion(name, number, input);
    this.events.emit('model_version.updated', { version: updated });
    return updated;
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    await this.persistence.deleteModelVersion(name, number);
    this.events.emit('model_version.deleted', { name, version: String(number) });
  }

  async searchModelVersions(input: SearchModelVersionsInput): Promise<Page<ModelVersion>> {
    const maxResults = validateMaxResults(input.maxResults, LIMITS.searchModelVersions);
    const filterAst = parseSearchFilter(input.filter, 'modelVersion');
    const orderByTerms = parseOrderBy(input.orderBy, 'modelVersion');
    rejectRepeatedOrderFields(orderByTerms, input.orderBy);
    return this.persistence.searchModelVersions({ ...input, maxResults, filterAst, orderByTerms });
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    validateRegistryTag(tag, 'model version');
    await this.persistence.setModelVersionTag(name, number, tag);
    this.events.emit('model_version.tag_set', { name, version: String(number), tag });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    validateRegistryTagKey(key);
    await this.persistence.deleteModelVersionTag(name, number, key);
    this.events.emit('model_version.tag_deleted', { name, version: String(number), key });
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    validateModelName(name);
    return this.persistence.getModelVersionDownloadUri(name, parseModelVersionNumber(version));
  }

  // ---- stages ----

  async transitionModelVersionStage(name: string, version: string, stage: ModelStage, archiveExistingVersions: boolean): Promise<ModelVersion> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    const target = canonicalModelStage(stage);
    if (archiveExistingVersions !== undefined && typeof archiveExistingVersions !== 'boolean') {
      throw errors.invalidParameter(
        `Invalid value ${String(archiveExistingVersions)} for parameter 'archive_existing_versions': it must be true or false.`,
      );
    }
    if (archiveExistingVersions && !ACTIVE_MODEL_STAGES.includes(target)) {
      throw errors.invalidParameter(
        `Cannot archive existing model versions when moving to stage '${target}': archive_existing_versions is only allowed for ${ACTIVE_MODEL_STAGES.join(' and ')}.`,
      );
    }
    const archive = archiveExistingVersions === true;
    const moved = await this.persistence.transitionModelVersionStage(name, number, target, archive);
    this.events.emit('model_version.stage_transitioned', { version: moved, stage: target, archiveExistingVersions: archive });
    return moved;
  }

  async getLatestVersions(name: string, stages?: ModelStage[]): Promise<ModelVersion[]> {
    validateModelName(name);
    if (stages !== undefined && stages !== null && !Array.isArray(stages)) {
      throw errors.invalidParameter(`Invalid value ${String(stages)} for parameter 'stages': it must be a list of stages.`);
    }
    const wanted = stages && stages.length > 0 ? new Set(stages.map((s) => canonicalModelStage(s, 'stages'))) : new Set(MODEL_STAGES);
    return (await this.persistence.getLatestVersions(name)).filter((v) => wanted.has(v.currentStage));
  }

  // ---- aliases ----

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    const number = parseModelVersionNumber(version);
    await this.persistence.setRegisteredModelAlias(name, alias, number);
    this.events.emit('model_alias.set', { name, alias, version: String(number) });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    await this.persistence.deleteRegisteredModelAlias(name, alias);
    this.events.emit('model_alias.deleted', { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    validateAliasName(alias);
    return this.persistence.getModelVersionByAlias(name, alias);
  }

  async close(): Promise<void> {
    return this.persistence.close();
  }
}

/** Like `trackingServiceFor`: a registry port gets a service in front; anything else is returned as is. */
export function registryServiceFor(opened: ModelRegistryStore | ModelRegistryPersistence, events?: DomainEvents): ModelRegistryStore {
  return (opened as { port?: unknown }).port === 'modelRegistry'
    ? new ModelRegistryService(opened as ModelRegistryPersistence, events)
    : (opened as ModelRegistryStore);
}
