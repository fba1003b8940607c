/**
 * Parsing of the URIs that name a model's files, as MLflow writes them:
 * - `runs:/<run_id>/<path>`: a path inside a run's artifacts;
 * - `models:/<name>/<version>`: a registered model version;
 * - `models:/<name>/<stage>`: the newest version in a stage (stage names are case-insensitive);
 * - `models:/<name>/latest`: the newest version in any stage;
 * - `models:/<name>@<alias>`: the version an alias points at.
 * A `models:/` URI may go on with a path inside the version's files (`models:/m/1/MLmodel`).
 */
import { MODEL_STAGES, OrreryError, normalizeArtifactPath, type ModelStage } from '@orrery/core';

/** A `runs:/` URI: a run and a path inside its artifacts (`''` for the whole root). */
export interface RunsModelUri {
  scheme: 'runs';
  runId: string;
  artifactPath: string;
}

/** How a `models:/` URI picks a version. */
export type ModelVersionSelector =
  | { kind: 'version'; version: string }
  | { kind: 'stage'; stage: ModelStage }
  | { kind: 'latest' }
  | { kind: 'alias'; alias: string };

/** A `models:/` URI: a registered model, a version selector, and a path inside the version's files. */
export interface ModelsModelUri {
  scheme: 'models';
  name: string;
  selector: ModelVersionSelector;
  /** Path inside the version's files; `''` for all of them. */
  path: string;
}

export type ParsedModelUri = RunsModelUri | ModelsModelUri;

function invalid(uri: string, rule: string): OrreryError {
  return new OrreryError('INVALID_PARAMETER_VALUE', `Invalid model URI '${uri}': ${rule}.`);
}

/** Whether a string is a `runs:/` URI (it may still be malformed). */
export function isRunsUri(uri: string): boolean {
  return /^runs:/i.test(uri);
}

/** Whether a string is a `models:/` URI (it may still be malformed). */
export function isModelsUri(uri: string): boolean {
  return /^models:/i.test(uri);
}

/** The part after `scheme:/`, refusing `scheme://authority` forms (profiles of other registries). */
function body(uri: string, scheme: string): string {
  const rest = uri.slice(scheme.length + 1);
  if (!rest.startsWith('/') || rest.startsWith('//')) {
    throw invalid(uri, `expected ${scheme}:/<...> with a single slash after the scheme`);
  }
  const text = rest.slice(1);
  if (/[?#]/.test(text)) throw invalid(uri, 'model URIs take no query or fragment');
  return text;
}

/** Validates a path inside the artifacts, turning the generic error into one that names the URI. */
function innerPath(uri: string, path: string): string {
  try {
    return normalizeArtifactPath(path);
  } catch (error) {
    throw invalid(uri, `its path '${path}' is not a safe relative path (${(error as Error).message})`);
  }
}

function parseRunsUri(uri: string): RunsModelUri {
  const text = body(uri, 'runs');
  const slash = text.indexOf('/');
  const runId = slash < 0 ? text : text.slice(0, slash);
  if (runId === '') throw invalid(uri, 'expected runs:/<run_id>/<path>, and the run id is missing');
  if (!/^[\w-]+$/.test(runId)) throw invalid(uri, `the run id '${runId}' may only hold letters, digits, '_' and '-'`);
  return { scheme: 'runs', runId, artifactPath: innerPath(uri, slash < 0 ? '' : text.slice(slash + 1)) };
}

function parseModelsUri(uri: string): ModelsModelUri {
  const text = body(uri, 'models');
  const firstSlash = text.indexOf('/');
  const head = firstSlash < 0 ? text : text.slice(0, firstSlash);
  const at = head.indexOf('@');
  if (at >= 0) {
    const name = head.slice(0, at);
    const alias = head.slice(at + 1);
    if (name === '') throw invalid(uri, 'expected models:/<name>@<alias>, and the model name is missing');
    if (alias === '') throw invalid(uri, 'expected models:/<name>@<alias>, and the alias is missing');
    const rest = firstSlash < 0 ? '' : text.slice(firstSlash + 1);
    return { scheme: 'models', name, selector: { kind: 'alias', alias }, path: innerPath(uri, rest) };
  }
  if (head === '') throw invalid(uri, 'expected models:/<name>/<version|stage|latest> or models:/<name>@<alias>, and the model name is missing');
  const afterName = firstSlash < 0 ? '' : text.slice(firstSlash + 1);
  const nextSlash = afterName.indexOf('/');
  const which = (nextSlash < 0 ? afterName : afterName.slice(0, nextSlash)).trim();
  const rest = nextSlash < 0 ? '' : afterName.slice(nextSlash + 1);
  if (which === '') {
    throw invalid(uri, `expected models:/${head}/<version|stage|latest> or models:/${head}@<alias>, and the version or stage is missing`);
  }
  let selector: ModelVersionSelector;
  if (/^\d+$/.test(which)) {
    if (/^0+$/.test(which)) throw invalid(uri, 'version numbers start at 1');
    selector = { kind: 'version', version: String(Number(which)) };
  } else if (which.toLowerCase() === 'latest') {
    selector = { kind: 'latest' };
  } else {
    const stage = MODEL_STAGES.find((known) => known.toLowerCase() === which.toLowerCase());
    if (stage === undefined) {
      throw invalid(uri, `'${which}' is neither a version number, 'latest', nor a stage (${MODEL_STAGES.join(', ')})`);
    }
    selector = { kind: 'stage', stage };
  }
  return { scheme: 'models', name: head, selector, path: innerPath(uri, rest) };
}

/**
 * Parses a `runs:/` or `models:/` URI. Throws INVALID_PARAMETER_VALUE with the URI and what is
 * wrong with it for anything else.
 */
export function parseModelUri(uri: string): ParsedModelUri {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw new OrreryError('INVALID_PARAMETER_VALUE', 'Invalid model URI: it is empty; expected runs:/<run_id>/<path> or models:/<name>/<version|stage|latest> or models:/<name>@<alias>.');
  }
  if (isRunsUri(uri)) return parseRunsUri(uri);
  if (isModelsUri(uri)) return parseModelsUri(uri);
  throw invalid(uri, 'expected runs:/<run_id>/<path>, models:/<name>/<version|stage|latest> or models:/<name>@<alias>');
}

/** The URI of a model version, `models:/<name>/<version>`. */
export function modelVersionUri(name: string, version: string): string {
  return `models:/${name}/${version}`;
}
