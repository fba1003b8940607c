/**
 * The MLmodel file at the root of a saved model: which flavors can load it, its signature and
 * input example, and who saved it when. MLflow writes it with PyYAML (keys sorted, the signature's
 * column and tensor specs as JSON strings); this reads what MLflow and Orrery write.
 */
import { OrreryError } from '../errors/orrery-error.js';
import { parseYamlText } from './yaml-text.js';

/** The MLmodel file's name inside a model directory. */
export const MLMODEL_FILE_NAME = 'MLmodel';

/** A model's signature, with the specs MLflow stores as JSON strings already decoded. */
export interface MlmodelSignature {
  /** Column specs (`{type, name, required}`) or tensor specs (`{name, type: 'tensor', 'tensor-spec': {dtype, shape}}`). */
  inputs?: Array<Record<string, unknown>>;
  outputs?: Array<Record<string, unknown>>;
  /** Inference parameters (`{name, type, default, shape}`), MLflow 2.6 and later. */
  params?: Array<Record<string, unknown>>;
}

/** An MLmodel file, read. Fields the file lacks are absent; every key it has is in `raw`. */
export interface MlmodelFile {
  /** Flavor name (`python_function`, `sklearn`, `onnx`, ...) → that flavor's settings. Never empty keys. */
  flavors: Record<string, Record<string, unknown>>;
  /** `artifact_path`: where the model was logged in its run (absent for a model only saved). */
  artifactPath?: string;
  /** `run_id` of the run the model was logged to. */
  runId?: string;
  modelUuid?: string;
  mlflowVersion?: string;
  /** `utc_time_created`, as written (`2026-12-07 20:47:32.864218`). */
  utcTimeCreated?: string;
  /** `model_size_bytes`: the model's files MLflow counted. */
  modelSizeBytes?: number;
  signature?: MlmodelSignature;
  /** `saved_input_example_info`: `{artifact_path, type, format | pandas_orient}`. */
  savedInputExampleInfo?: Record<string, unknown>;
  /** The whole document, as read (signature specs still JSON strings), for keys not named above. */
  raw: Record<string, unknown>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function invalid(source: string, message: string): OrreryError {
  return new OrreryError('INVALID_PARAMETER_VALUE', `${source}: ${message}`);
}

/** A scalar written unquoted may have been read as a number (`mlflow_version: 2.1`): keep it as text. */
function optionalText(document: Record<string, unknown>, key: string, source: string): string | undefined {
  const value = document[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid(source, `'${key}' must be a string, not ${Array.isArray(value) ? 'a list' : typeof value}`);
}

function signatureSpecs(value: unknown, field: string, source: string): Array<Record<string, unknown>> | undefined {
  if (value === undefined || value === null) return undefined;
  let decoded: unknown = value;
  if (typeof value === 'string') {
    try {
      decoded = JSON.parse(value);
    } catch (error) {
      throw invalid(source, `'${field}' must hold a JSON list of specs: ${(error as Error).message}`);
    }
  }
  if (!Array.isArray(decoded) || !decoded.every(isMapping)) {
    throw invalid(source, `'${field}' must be a list of specs (objects with a 'type'), as MLflow writes it`);
  }
  return decoded;
}

function readSignature(value: unknown, source: string): MlmodelSignature | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMapping(value)) throw invalid(source, "'signature' must be a mapping with 'inputs', 'outputs' and 'params'");
  const inputs = signatureSpecs(value.inputs, 'signature.inputs', source);
  const outputs = signatureSpecs(value.outputs, 'signature.outputs', source);
  const params = signatureSpecs(value.params, 'signature.params', source);
  return {
    ...(inputs !== undefined ? { inputs } : {}),
    ...(outputs !== undefined ? { outputs } : {}),
    ...(params !== undefined ? { params } : {}),
  };
}

/**
 * Reads the text of an MLmodel file. `source` names it in errors (e.g. `models:/fraud/1/MLmodel`).
 * Throws INVALID_PARAMETER_VALUE naming the field when the text is not YAML, is not a mapping,
 * has no `flavors` mapping (each flavor's settings a mapping), or has a signature whose specs are
 * not a JSON list of objects.
 */
export function parseMlmodel(text: string, source: string = MLMODEL_FILE_NAME): MlmodelFile {
  const document = parseYamlText(text, source);
  if (!isMapping(document)) throw invalid(source, 'an MLmodel file must be a YAML mapping with a \'flavors\' key');
  const flavors = document.flavors;
  if (!isMapping(flavors)) throw invalid(source, "'flavors' must be a mapping of flavor name to its settings (e.g. 'python_function: {...}')");
  for (const [name, settings] of Object.entries(flavors)) {
    if (!isMapping(settings)) throw invalid(source, `'flavors.${name}' must be a mapping of that flavor's settings`);
  }
  const size = document.model_size_bytes;
  if (size !== undefined && size !== null && (typeof size !== 'number' || !Number.isInteger(size) || size < 0)) {
    throw invalid(source, "'model_size_bytes' must be a whole number of bytes, 0 or more");
  }
  const exampleInfo = document.saved_input_example_info;
  if (exampleInfo !== undefined && exampleInfo !== null && !isMapping(exampleInfo)) {
    throw invalid(source, "'saved_input_example_info' must be a mapping (artifact_path, type, ...)");
  }
  const textOf = (key: string) => optionalText(document, key, source);
  const fields = {
    artifactPath: textOf('artifact_path'),
    runId: textOf('run_id'),
    modelUuid: textOf('model_uuid'),
    mlflowVersion: textOf('mlflow_version'),
    utcTimeCreated: textOf('utc_time_created'),
    modelSizeBytes: typeof size === 'number' ? size : undefined,
    signature: readSignature(document.signature, source),
    savedInputExampleInfo: isMapping(exampleInfo) ? exampleInfo : undefined,
  };
  const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { flavors: flavors as Record<string, Record<string, unknown>>, ...present, raw: document };
}
