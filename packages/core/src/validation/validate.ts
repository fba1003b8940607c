import type { DatasetInput, Metric, Param, RunStatus, RunTag, ViewType } from '../entities/tracking.js';
import { RUN_STATUSES, VIEW_TYPES } from '../entities/tracking.js';
import type { ExperimentTag } from '../entities/tracking.js';
import type { LogBatchInput } from '../contracts/tracking-store.js';
import { errors } from '../errors/orrery-error.js';
import { redactUri, uriSecrets } from '../logging/uri-redaction.js';
import { LIMITS } from './limits.js';
import { validateNoNulCharacter } from './nul-character.js';

/**
 * Input rules shared by every store, so that SQLite, PostgreSQL, Redis and the REST client reject
 * exactly the same input with exactly the same message. Each function throws
 * INVALID_PARAMETER_VALUE naming the field and the rule, and returns nothing.
 */

const KEY_PATTERN = /^[/\p{L}\p{N}\p{M}_.\- ]*$/u; // Python's Unicode \w, as MLflow matches it

function quote(value: string, max = 80): string {
  return value.length > max ? `'${value.slice(0, max)}...' (${value.length} characters)` : `'${value}'`;
}

/** True when a `/`-separated name would resolve to a different name as a file path. */
function resolvesElsewhere(name: string): boolean {
  if (name.startsWith('/')) return true;
  const parts = name.split('/');
  return parts.some((part) => part === '' || part === '.' || part === '..');
}

/** Metric, param and tag keys: 1 to 250 characters of letters, digits, `_ - . / space`, no `..`. */
export function validateEntityKey(kind: 'metric' | 'param' | 'tag', key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw errors.invalidParameter(`Missing value for required parameter 'key' of the ${kind}.`);
  }
  validateNoNulCharacter('key', key, `a ${kind}`);
  if (key.length > LIMITS.maxEntityKeyLength) {
    throw errors.invalidParameter(
      `The ${kind} key ${quote(key)} is too long: at most ${LIMITS.maxEntityKeyLength} characters are allowed.`,
    );
  }
  if (!KEY_PATTERN.test(key)) {
    throw errors.invalidParameter(
      `Invalid ${kind} key ${quote(key)}: names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  if (resolvesElsewhere(key)) {
    throw errors.invalidParameter(
      `Invalid ${kind} key ${quote(key)}: names are treated as file paths in places and must not start with '/' or contain empty, '.' or '..' segments.`,
    );
  }
}

function validateValueLength(what: string, key: string, value: unknown, max: number): asserts value is string {
  if (typeof value !== 'string') {
    throw errors.invalidParameter(`The value of ${what} '${key}' must be a string.`);
  }
  validateNoNulCharacter('value', value, `${what} '${key}'`);
  if (value.length > max) {
    throw errors.invalidParameter(
      `The value of ${what} '${key}' is too long: ${value.length} characters, at most ${max} are allowed.`,
    );
  }
}

function validateInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw errors.invalidParameter(`Invalid value ${String(value)} for parameter '${field}': it must be an integer.`);
  }
}

export function validateMetric(metric: Metric): void {
  validateEntityKey('metric', metric.key);
  validateMetricObservation(metric);
}

/** A metric's value, timestamp and step (its key checked apart). */
function validateMetricObservation(metric: Metric): void {
  if (typeof metric.value !== 'number') {
    throw errors.invalidParameter(
      `Invalid value ${String(metric.value)} for metric '${metric.key}': it must be a number (NaN and ±Infinity are allowed).`,
    );
  }
  validateInteger('timestamp', metric.timestamp);
  validateInteger('step', metric.step);
}

export function validateParam(param: Param): void {
  validateEntityKey('param', param.key);
  validateValueLength('param', param.key, param.value, LIMITS.maxParamValueLength);
}

export function validateRunTag(tag: RunTag): void {
  validateEntityKey('tag', tag.key);
  validateValueLength('tag', tag.key, tag.value, LIMITS.maxRunTagValueLength);
}

export function validateExperimentTag(tag: ExperimentTag): void {
  validateEntityKey('tag', tag.key);
  validateValueLength('experiment tag', tag.key, tag.value, LIMITS.maxExperimentTagValueLength);
}

export function validateExperimentName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw errors.invalidParameter(`Invalid experiment name ${JSON.stringify(name)}: it must be a non-empty string.`);
  }
  validateNoNulCharacter('name', name);
  if (name.length > LIMITS.maxExperimentNameLength) {
    throw errors.invalidParameter(
      `The experiment name ${quote(name)} is too long: at most ${LIMITS.maxExperimentNameLength} characters are allowed.`,
    );
  }
}

/** Where each artifact plugin reads credentials from, for the message refusing them in a URI. */
const CREDENTIAL_SOURCES: Record<string, string> = {
  ftp: 'the FTP plugin reads ORRERY_FTP_USER and ORRERY_FTP_PASSWORD',
  sftp: 'the SFTP plugin reads a key from ORRERY_SFTP_KEY_PATH or the SSH agent (SSH_AUTH_SOCK), or a password from ORRERY_SFTP_PASSWORD',
  azure:
    'the Azure Blob plugin reads AZURE_STORAGE_CONNECTION_STRING (a SAS goes in it as SharedAccessSignature=...) or AZURE_STORAGE_ACCESS_KEY',
};

function credentialSourceFor(uri: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'ftp' || scheme === 'ftps') return CREDENTIAL_SOURCES.ftp!;
  if (scheme === 'sftp') return CREDENTIAL_SOURCES.sftp!;
  if (scheme === 'wasbs' || (scheme === 'https' && /^https:\/\/[^/?#]*\.blob\./i.test(uri))) return CREDENTIAL_SOURCES.azure!;
  return `the artifact plugin serving ${scheme === undefined ? 'this location' : `'${scheme}:' URIs`} reads its credentials from the environment (see docs/artifacts.md)`;
}

/**
 * Refuses an artifact URI that carries a credential (a password in its user info, or a query
 * parameter such as a SAS `sig`, a token or a key), for URIs that users get to see: an
 * experiment's artifact location is returned by get-experiment and copied into every run's
 * artifact_uri, so a password in it would reach everyone who can read the experiment. A user name
 * alone is allowed. The message shows the URI masked and says where the credential goes instead.
 *
 * @param field how the caller names the value (`artifact_location`, `--default-artifact-root`).
 * @param advice appended to the message, for the caller's own alternative.
 */
export function validateArtifactUriWithoutSecret(field: string, uri: string, advice?: string): void {
  const secrets = uriSecrets(uri);
  if (secrets.length === 0) return;
  throw errors.invalidParameter(
    `Invalid ${field} ${quote(redactUri(uri), 200)}: it carries a credential (${secrets.join(', ')}), ` +
      "and artifact locations are shown to everyone who can read an experiment or its runs (each run's artifact_uri starts with one). " +
      `Give the URI without it and set the credential in the environment of the processes that read and write the artifacts: ${credentialSourceFor(uri)}.` +
      (advice === undefined ? '' : ` ${advice}`),
  );
}

/**
 * An experiment's `artifact_location` as given to create-experiment: absent, or a string that
 * carries no credential (see `validateArtifactUriWithoutSecret`).
 */
export function validateArtifactLocation(location: unknown): asserts location is string | undefined {
  if (location === undefined) return;
  if (typeof location !== 'string') {
    throw errors.invalidParameter(`Invalid artifact_location ${String(location)}: it must be a string.`);
  }
  validateNoNulCharacter('artifact_location', location);
  validateArtifactUriWithoutSecret('artifact_location', location);
}

export function validateRunStatus(status: unknown): asserts status is RunStatus {
  if (typeof status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw errors.invalidParameter(
      `Invalid run status ${JSON.stringify(status)}: it must be one of ${RUN_STATUSES.join(', ')}.`,
    );
  }
}

export function validateViewType(viewType: unknown): asserts viewType is ViewType {
  if (typeof viewType !== 'string' || !VIEW_TYPES.includes(viewType as ViewType)) {
    throw errors.invalidParameter(
      `Invalid view type ${JSON.stringify(viewType)}: it must be one of ${VIEW_TYPES.join(', ')}.`,
    );
  }
}

/** `max_results`-style paging sizes: an integer from 1 to `max`. Returns the default when absent. */
export function validateMaxResults(value: unknown, limits: { defaultMaxResults: number; maxResults: number }): number {
  if (value === undefined || value === null) return limits.defaultMaxResults;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > limits.maxResults) {
    throw errors.invalidParameter(
      `Invalid value ${String(value)} for parameter 'max_results': it must be an integer from 1 to ${limits.maxResults}.`,
    );
  }
  return value;
}

/**
 * Checks a whole batch before anything is written: counts, every item, and params repeated within
 * the batch with different values.
 */
export function validateLogBatch(batch: LogBatchInput): void {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  const { maxMetrics, maxParams, maxTags, maxEntities } = LIMITS.batch;
  if (metrics.length > maxMetrics) {
    throw errors.invalidParameter(
      `A batch logging request can contain at most ${maxMetrics} metrics. Got ${metrics.length} metrics. Split them across several requests.`,
    );
  }
  if (params.length > maxParams) {
    throw errors.invalidParameter(
      `A batch logging request can contain at most ${maxParams} params. Got ${params.length} params. Split them across several requests.`,
    );
  }
  if (tags.length > maxTags) {
    throw errors.invalidParameter(
      `A batch logging request can contain at most ${maxTags} tags. Got ${tags.length} tags. Split them across several requests.`,
    );
  }
  const total = metrics.length + params.length + tags.length;
  if (total > maxEntities) {
    throw errors.invalidParameter(
      `A batch logging request can contain at most ${maxEntities} metrics, params and tags in all. Got ${total}.`,
    );
  }
  // A batch repeats a few keys many times (1000 metrics over 10 keys): check each key once.
  const validKeys = new Set<string>();
  for (const metric of metrics) {
    if (!validKeys.has(metric.key)) {
      validateEntityKey('metric', metric.key);
      validKeys.add(metric.key);
    }
    validateMetricObservation(metric);
  }
  params.forEach(validateParam);
  tags.forEach(validateRunTag);
  const seen = new Map<string, string>();
  for (const param of params) {
    const earlier = seen.get(param.key);
    if (earlier !== undefined && earlier !== param.value) {
      throw errors.invalidParameter(
        `Duplicate param key '${param.key}' in the batch with different values ('${earlier}' and '${param.value}').`,
      );
    }
    seen.set(param.key, param.value);
  }
}

export function validateDatasetInputs(inputs: DatasetInput[]): void {
  for (const input of inputs) {
    const d = input.dataset;
    if (!d || typeof d.name !== 'string' || d.name.length === 0) {
      throw errors.invalidParameter(`Missing value for required parameter 'dataset.name'.`);
    }
    if (typeof d.digest !== 'string' || d.digest.length === 0) {
      throw errors.invalidParameter(`Missing value for required parameter 'dataset.digest' of dataset '${d.name}'.`);
    }
    const checks: Array<[string, unknown, number]> = [
      ['name', d.name, LIMITS.maxDatasetNameLength],
      ['digest', d.digest, LIMITS.maxDatasetDigestLength],
      ['source', d.source, LIMITS.maxDatasetSourceLength],
      ['schema', d.schema ?? '', LIMITS.maxDatasetSchemaLength],
      ['profile', d.profile ?? '', LIMITS.maxDatasetProfileLength],
    ];
    for (const [field, value, max] of checks) {
      validateNoNulCharacter(`dataset.${field}`, value);
      if (typeof value !== 'string' || value.length > max) {
        throw errors.invalidParameter(
          `Dataset '${d.name}' field '${field}' must be a string of at most ${max} characters.`,
        );
      }
    }
    if (typeof d.sourceType !== 'string' || d.sourceType.length === 0) {
      throw errors.invalidParameter(`Missing value for required parameter 'dataset.source_type' of dataset '${d.name}'.`);
    }
    validateNoNulCharacter('dataset.source_type', d.sourceType);
    for (const tag of input.tags ?? []) {
      validateNoNulCharacter('value', tag.value, `input tag '${String(tag.key)}'`);
      if (typeof tag.key !== 'string' || tag.key.length === 0 || tag.key.length > LIMITS.maxInputTagKeyLength) {
        throw errors.invalidParameter(
          `Input tag keys must be 1 to ${LIMITS.maxInputTagKeyLength} characters (dataset '${d.name}').`,
        );
      }
      if (typeof tag.value !== 'string' || tag.value.length > LIMITS.maxInputTagValueLength) {
        throw errors.invalidParameter(
          `Input tag '${tag.key}' value must be a string of at most ${LIMITS.maxInputTagValueLength} characters.`,
        );
      }
    }
  }
}
