import type { ModelStage, ModelVersionStatus, ModelVersionTag, RegisteredModelTag } from '../entities/registry.js';
import type { CreateModelVersionInput } from '../contracts/model-registry-store.js';
import { LIMITS } from './limits.js';
import { MODEL_STAGES, MODEL_VERSION_STATUSES } from '../entities/registry.js';
import { errors } from '../errors/orrery-error.js';
import { validateEntityKey } from './validate.js';
import { validateNoNulCharacter } from './nul-character.js';

/**
 * Input rules of the model registry, following MLflow's (`mlflow/utils/validation.py` and
 * `model_version_stages.py`). Each function throws INVALID_PARAMETER_VALUE naming the field, the
 * value and the rule, before anything is written.
 *
 * Where Orrery is stricter than MLflow it says so: model names may not contain `/` (MLflow accepts
 * one, but such a model cannot be addressed by a `models:/<name>/<version>` URI) and may not be
 * longer than MLflow's column (256 characters).
 */

function quote(value: string, max = 80): string {
  return value.length > max ? `'${value.slice(0, max)}...' (${value.length} characters)` : `'${value}'`;
}

/** A registered model name: a non-empty string of at most 256 characters without `/`. */
export function validateModelName(name: unknown, field = 'name'): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw errors.invalidParameter(`Missing value for required parameter '${field}': a model name must be a non-empty string.`);
  }
  validateNoNulCharacter(field, name);
  if (name.length > LIMITS.maxModelNameLength) {
    throw errors.invalidParameter(
      `Invalid model name ${quote(name)} for parameter '${field}': at most ${LIMITS.maxModelNameLength} characters are allowed.`,
    );
  }
  if (name.includes('/')) {
    throw errors.invalidParameter(
      `Invalid model name ${quote(name)} for parameter '${field}': it must not contain '/', which would make 'models:/' URIs ambiguous.`,
    );
  }
}

/**
 * A version number as MLflow sends it (a decimal string; a JSON number is accepted too). Returns
 * the number. A non-number is INVALID_PARAMETER_VALUE; a well-formed number that names no
 * version is for the caller to report as RESOURCE_DOES_NOT_EXIST.
 */
export function parseModelVersionNumber(version: unknown, field = 'version'): number {
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string' || !/^[0-9]{1,15}$/.test(text)) {
    throw errors.invalidParameter(
      `Parameter '${field}' must be an integer version number (a decimal string such as '3'), got ${
        typeof version === 'string' ? quote(version) : String(version)
      }.`,
    );
  }
  return Number(text);
}

const CANONICAL_STAGES = new Map<string, ModelStage>(MODEL_STAGES.map((stage) => [stage.toLowerCase(), stage]));

/** A stage, matched case-insensitively as MLflow does (`production` → `Production`). */
export function canonicalModelStage(stage: unknown, field = 'stage'): ModelStage {
  const canonical = typeof stage === 'string' ? CANONICAL_STAGES.get(stage.toLowerCase()) : undefined;
  if (!canonical) {
    throw errors.invalidParameter(
      `Invalid model version stage ${typeof stage === 'string' ? quote(stage) : String(stage)} for parameter '${field}': it must be one of ${MODEL_STAGES.join(', ')} (any letter case).`,
    );
  }
  return canonical;
}

/** The stages `archive_existing_versions` may be used with. */
export const ACTIVE_MODEL_STAGES: readonly ModelStage[] = ['Staging', 'Production'];

export function validateModelVersionStatus(status: unknown): asserts status is ModelVersionStatus {
  if (typeof status !== 'string' || !(MODEL_VERSION_STATUSES as readonly string[]).includes(status)) {
    throw errors.invalidParameter(
      `Invalid model version status ${JSON.stringify(status)}: it must be one of ${MODEL_VERSION_STATUSES.join(', ')}.`,
    );
  }
}

/** Registered-model and model-version tags: a tag key (250 characters at most), a value of at most 5000. */
export function validateRegistryTag(tag: RegisteredModelTag | ModelVersionTag, what: 'registered model' | 'model version'): void {
  if (typeof tag !== 'object' || tag === null) {
    throw errors.invalidParameter(`Invalid ${what} tag ${String(tag)}: it must have a key and a value.`);
  }
  validateEntityKey('tag', tag.key);
  if (tag.key.length > LIMITS.maxRegistryTagKeyLength) {
    throw errors.invalidParameter(
      `The ${what} tag key ${quote(tag.key)} is too long: at most ${LIMITS.maxRegistryTagKeyLength} characters are allowed.`,
    );
  }
  if (typeof tag.value !== 'string') {
    throw errors.invalidParameter(`The value of ${what} tag '${tag.key}' must be a string.`);
  }
  validateNoNulCharacter('value', tag.value, `${what} tag '${tag.key}'`);
  if (tag.value.length > LIMITS.maxRegistryTagValueLength) {
    throw errors.invalidParameter(
      `The value of ${what} tag '${tag.key}' is too long: ${tag.value.length} characters, at most ${LIMITS.maxRegistryTagValueLength} are allowed.`,
    );
  }
}

/** A tag key given on its own (to delete a tag). */
export function validateRegistryTagKey(key: unknown): asserts key is string {
  validateEntityKey('tag', key);
}

const ALIAS_PATTERN = /^[\p{L}\p{N}\p{M}_-]+$/u; // Python's Unicode \w plus '-', as MLflow matches it
const VERSION_LIKE_ALIAS = /^[vV][0-9]+$/;

/**
 * An alias name: letters, digits, `_` and `-`, at most 255 characters; `latest` (any case) and
 * `v<digits>` are reserved because `models:/<name>@latest` and version aliases mean something else.
 */
export function validateAliasName(alias: unknown): asserts alias is string {
  if (typeof alias !== 'string' || alias.length === 0) {
    throw errors.invalidParameter(`Missing value for required parameter 'alias': an alias name must be a non-empty string.`);
  }
  if (!ALIAS_PATTERN.test(alias)) {
    throw errors.invalidParameter(
      `Invalid alias name ${quote(alias)}: names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.length > LIMITS.maxAliasLength) {
    throw errors.invalidParameter(
      `Invalid alias name ${quote(alias)}: at most ${LIMITS.maxAliasLength} characters are allowed.`,
    );
  }
  if (alias.toLowerCase() === 'latest') {
    throw errors.invalidParameter(`Invalid alias name ${quote(alias)}: 'latest' (in any letter case) is reserved.`);
  }
  if (VERSION_LIKE_ALIAS.test(alias)) {
    throw errors.invalidParameter(`Invalid alias name ${quote(alias)}: names of the form 'v<number>' are reserved for versions.`);
  }
}

/** An optional free-text field: absent, null or a string. */
export function validateOptionalString(field: string, value: unknown): asserts value is string | undefined | null {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw errors.invalidParameter(`Invalid value ${String(value)} for parameter '${field}': it must be a string.`);
  }
  validateNoNulCharacter(field, value);
}

/** Tags with one entry per key, the last value given winning (as MLflow's stores keep them). */
function lastValuePerKey<T extends { key: string }>(tags: readonly T[]): T[] {
  return [...new Map(tags.map((t) => [t.key, t])).values()];
}

/**
 * Checks a create-registered-model request before anything is written and returns its tags, one
 * per key (the last value given wins).
 */
export function validateCreateRegisteredModel(
  name: unknown,
  input: { description?: string; tags?: RegisteredModelTag[] },
): RegisteredModelTag[] {
  validateModelName(name);
  validateOptionalString('description', input.description);
  const tags = lastValuePerKey(input.tags ?? []);
  tags.forEach((tag) => validateRegistryTag(tag, 'registered model'));
  return tags;
}

/**
 * Checks a create-model-version request before anything is written and returns its tags, one per
 * key (the last value given wins).
 */
export function validateCreateModelVersion(input: CreateModelVersionInput): ModelVersionTag[] {
  validateModelName(input.name);
  if (typeof input.source !== 'string' || input.source.length === 0) {
    throw errors.invalidParameter(`Missing value for required parameter 'source': the URI of the model's files.`);
  }
  validateNoNulCharacter('source', input.source);
  validateOptionalString('run_id', input.runId);
  validateOptionalString('run_link', input.runLink);
  validateOptionalString('description', input.description);
  validateOptionalString('user_id', input.userId);
  const tags = lastValuePerKey(input.tags ?? []);
  tags.forEach((tag) => validateRegistryTag(tag, 'model version'));
  return tags;
}
