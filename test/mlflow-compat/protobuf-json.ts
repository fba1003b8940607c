/**
 * Response parsing as MLflow's Python client does it: `mlflow.utils.proto_json_utils.parse_dict`
 * (MLflow 2.12.2) stringifies `experiment_id` fields, then hands the dict to protobuf's
 * `google.protobuf.json_format.ParseDict(..., ignore_unknown_fields=True)`. These are the rules of
 * that parser for the field types MLflow's responses use, written from its documented behaviour:
 * - unknown fields are ignored; `null` leaves a field unset;
 * - a message must be a JSON object, a repeated field a JSON array;
 * - string fields take JSON strings only;
 * - int64/int32 fields take integral JSON numbers or decimal strings (no spaces, no fractions,
 *   no booleans);
 * - double fields take numbers, numeric strings and "NaN", "Infinity", "-Infinity";
 * - bool fields take `true`/`false` only;
 * - enum fields take the value's name or its number.
 * A response the Python client would reject makes `parseMessage` throw, naming the field.
 * The schemas below are MLflow's `service.proto` and `mlflow_artifacts.proto` messages (field
 * names and types only).
 */

export type ScalarType = 'string' | 'int64' | 'int32' | 'double' | 'bool';
export type FieldType = ScalarType | { enum: readonly string[] } | { message: MessageSchema };
export interface FieldSpec {
  type: FieldType;
  repeated?: boolean;
}
export interface MessageSchema {
  name: string;
  fields: Record<string, FieldSpec>;
}

/** What a parsed field holds: numbers for int64 (safe integers in these tests), bigint never. */
export type ParsedValue = string | number | boolean | ParsedMessage | ParsedValue[];
export interface ParsedMessage {
  [field: string]: ParsedValue;
}

export class ProtobufJsonParseError extends Error {}

function fail(path: string, message: string): never {
  throw new ProtobufJsonParseError(`Failed to parse ${path}: ${message}`);
}

function parseScalar(type: ScalarType, value: unknown, path: string): string | number | boolean {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') fail(path, `expected a string, got ${JSON.stringify(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(path, `expected true or false without quotes, got ${JSON.stringify(value)}`);
      return value;
    case 'int64':
    case 'int32': {
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) fail(path, `couldn't parse integer: ${value}`);
        return value;
      }
      if (typeof value === 'string') {
        if (!/^-?\d+$/.test(value)) fail(path, `couldn't parse integer: ${JSON.stringify(value)}`);
        return Number(value);
      }
      return fail(path, `expected an integer, got ${JSON.stringify(value)}`);
    }
    case 'double': {
      if (typeof value === 'number') return value;
      if (typeof value === 'string') {
        if (value === 'NaN') return Number.NaN;
        if (value === 'Infinity') return Number.POSITIVE_INFINITY;
        if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
        const n = Number(value);
        if (value.trim() === '' || Number.isNaN(n)) fail(path, `couldn't parse float: ${JSON.stringify(value)}`);
        return n;
      }
      return fail(path, `expected a number, got ${JSON.stringify(value)}`);
    }
  }
}

function parseField(spec: FieldSpec, value: unknown, path: string): ParsedValue {
  const type = spec.type;
  if (typeof type === 'string') return parseScalar(type, value, path);
  if ('enum' in type) {
    if (typeof value === 'string' && type.enum.includes(value)) return value;
    if (typeof value === 'number' && Number.isInteger(value) && type.enum[value] !== undefined) return type.enum[value]!;
    return fail(path, `invalid enum value ${JSON.stringify(value)}`);
  }
  return parseMessage(type.message, value, path);
}

/** Parses `json` as the message `schema` describes, with ParseDict's rules (see the file comment). */
export function parseMessage(schema: MessageSchema, json: unknown, path = schema.name): ParsedMessage {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(path, `expected an object, got ${JSON.stringify(json)}`);
  const result: ParsedMessage = {};
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const spec = schema.fields[key];
    if (spec === undefined || value === null) continue; // unknown fields ignored; null = unset
    const fieldPath = `${path}.${key}`;
    if (spec.repeated) {
      if (!Array.isArray(value)) fail(fieldPath, `repeated field must be a list, got ${JSON.stringify(value)}`);
      result[key] = value.map((item, i) => parseField(spec, item, `${fieldPath}[${i}]`));
    } else {
      result[key] = parseField(spec, value, fieldPath);
    }
  }
  return result;
}

/**
 * `parse_dict`'s pre-pass `_stringify_all_experiment_ids`: `experiment_id(s)` given as JSON numbers
 * (MLflow ≤ 0.9 servers) become strings before ParseDict sees them; run data is skipped.
 */
export function stringifyExperimentIds(json: unknown): void {
  if (Array.isArray(json)) {
    for (const item of json) stringifyExperimentIds(item);
    return;
  }
  if (json === null || typeof json !== 'object') return;
  const record = json as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (key === 'experiment_id' && value !== null && value !== undefined) record[key] = String(value as string | number);
    else if (key === 'experiment_ids' && Array.isArray(value)) record[key] = value.map((v) => String(v as string | number));
    else if (!['params', 'tags', 'metrics'].includes(key)) stringifyExperimentIds(value);
  }
}

/** `parse_dict(js_dict, message)`. */
export function parseDict(schema: MessageSchema, json: unknown): ParsedMessage {
  stringifyExperimentIds(json);
  return parseMessage(schema, json);
}

// ---- MLflow 2.12.2 messages (service.proto, mlflow_artifacts.proto) ----

const RUN_STATUS = ['', 'RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
const str: FieldSpec = { type: 'string' };
const int64: FieldSpec = { type: 'int64' };
const double: FieldSpec = { type: 'double' };
const message = (schema: MessageSchema, repeated = false): FieldSpec => ({ type: { message: schema }, repeated });

export const Metric: MessageSchema = { name: 'Metric', fields: { key: str, value: double, timestamp: int64, step: int64 } };
export const Param: MessageSchema = { name: 'Param', fields: { key: str, value: str } };
export const RunTag: MessageSchema = { name: 'RunTag', fields: { key: str, value: str } };
export const ExperimentTag: MessageSchema = { name: 'ExperimentTag', fields: { key: str, value: str } };
export const InputTag: MessageSchema = { name: 'InputTag', fields: { key: str, value: str } };
export const Dataset: MessageSchema = {
  name: 'Dataset',
  fields: { name: str, digest: str, source_type: str, source: str, schema: str, profile: str },
};
export const DatasetInput: MessageSchema = { name: 'DatasetInput', fields: { tags: message(InputTag, true), dataset: message(Dataset) } };
export const RunInfo: MessageSchema = {
  name: 'RunInfo',
  fields: {
    run_id: str,
    run_uuid: str,
    run_name: str,
    experiment_id: str,
    user_id: str,
    status: { type: { enum: RUN_STATUS } },
    start_time: int64,
    end_time: int64,
    artifact_uri: str,
    lifecycle_stage: str,
  },
};
export const RunData: MessageSchema = {
  name: 'RunData',
  fields: { metrics: message(Metric, true), params: message(Param, true), tags: message(RunTag, true) },
};
export const RunInputs: MessageSchema = { name: 'RunInputs', fields: { dataset_inputs: message(DatasetInput, true) } };
export const Run: MessageSchema = { name: 'Run', fields: { info: message(RunInfo), data: message(RunData), inputs: message(RunInputs) } };
export const Experiment: MessageSchema = {
  name: 'Experiment',
  fields: {
    experiment_id: str,
    name: str,
    artifact_location: str,
    lifecycle_stage: str,
    last_update_time: int64,
    creation_time: int64,
    tags: message(ExperimentTag, true),
  },
};
export const FileInfo: MessageSchema = { name: 'FileInfo', fields: { path: str, is_dir: { type: 'bool' }, file_size: int64 } };

/** Response messages, by the request message they answer. */
export const Responses = {
  CreateExperiment: { name: 'CreateExperiment.Response', fields: { experiment_id: str } },
  GetExperiment: { name: 'GetExperiment.Response', fields: { experiment: message(Experiment) } },
  GetExperimentByName: { name: 'GetExperimentByName.Response', fields: { experiment: message(Experiment) } },
  CreateRun: { name: 'CreateRun.Response', fields: { run: message(Run) } },
  GetRun: { name: 'GetRun.Response', fields: { run: message(Run) } },
  UpdateRun: { name: 'UpdateRun.Response', fields: { run_info: message(RunInfo) } },
  SearchRuns: { name: 'SearchRuns.Response', fields: { runs: message(Run, true), next_page_token: str } },
  GetMetricHistory: { name: 'GetMetricHistory.Response', fields: { metrics: message(Metric, true), next_page_token: str } },
  ListArtifacts: { name: 'ListArtifacts.Response', fields: { root_uri: str, files: message(FileInfo, true), next_page_token: str } },
  /** mlflow_artifacts.proto ListArtifacts.Response */
  ProxyListArtifacts: { name: 'mlflow.artifacts.ListArtifacts.Response', fields: { files: message(FileInfo, true) } },
  /** Responses with no fields (log-metric, log-batch, set-tag, log-model, ...). */
  Empty: { name: 'Response', fields: {} },
} satisfies Record<string, MessageSchema>;
