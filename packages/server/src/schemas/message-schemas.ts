/**
 * One JSON Schema per MLflow message (service.proto, mlflow_artifacts.proto), written once and used
 * three ways: Fastify serializes responses with them (fast-json-stringify), the OpenAPI document is
 * built from them, and the fuzz test derives wrong-typed requests from the request schemas.
 *
 * Response schemas list properties in proto field order (the order MLflow prints them) and declare
 * nothing `required`: fast-json-stringify omits an absent property, which is how protobuf's JSON
 * mapping leaves out unset and empty fields. Doubles are `number | string` because NaN and
 * ±Infinity travel as strings; int64 values are JSON numbers.
 *
 * Request schemas describe what the server accepts, which is wider than what it sends: int64 as a
 * number or a decimal string, doubles also as the three special strings, enums by name or number.
 * Requests are checked by `RequestReader` (MLflow's wording and coercions), not by a schema
 * validator, so these schemas document the accepted forms rather than enforce them.
 */

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) these schemas are written in. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | Array<'string' | 'number' | 'integer'>;
  title?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

// ---- primitives ----

/** A string field. */
export const stringField = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
const string = stringField;
const int64 = (description?: string): JsonSchema => ({ type: 'integer', format: 'int64', ...(description ? { description } : {}) });
const boolean = (description?: string): JsonSchema => ({ type: 'boolean', ...(description ? { description } : {}) });
/** A double as protobuf's JSON mapping prints it: a number, or "NaN", "Infinity", "-Infinity". */
const double = (description?: string): JsonSchema => ({
  type: ['number', 'string'],
  format: 'double',
  description: `${description ? `${description} ` : ''}Not-finite values are the strings "NaN", "Infinity" and "-Infinity".`,
});
/** A message: properties in proto field order, none required (absent fields are omitted). */
export const messageObject = (title: string, properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  title,
  ...(description ? { description } : {}),
  properties,
});
/** A repeated field. */
export const listOf = (items: JsonSchema, description?: string): JsonSchema => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});

// Request primitives: the wider forms the server accepts.

/** An int64 in a request: a JSON number or a decimal string. `format` lets tools find the kind. */
export const requestInt64 = (description?: string, bounds: { minimum?: number; maximum?: number } = {}): JsonSchema => ({
  anyOf: [
    { type: 'integer', ...bounds },
    { type: 'string', pattern: '^[+-]?\\d+$' },
  ],
  format: 'int64',
  ...(description ? { description } : {}),
});
/** A double in a request: a number, a decimal string, or "NaN", "Infinity", "-Infinity". */
export const requestDouble = (description?: string): JsonSchema => ({
  anyOf: [{ type: 'number' }, { type: 'string', pattern: '^(NaN|-?Infinity|[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)$' }],
  format: 'double',
  ...(description ? { description } : {}),
});
/** An enum in a request: its name or its proto number. */
export const requestEnum = (names: readonly string[], description?: string): JsonSchema => ({
  anyOf: [{ type: 'string', enum: names }, { type: 'integer', minimum: 1, maximum: names.length }],
  format: 'enum',
  ...(description ? { description } : {}),
});
/** A request message: `required` names fields a request must carry (non-empty for strings). */
export const requestObject = (title: string, properties: Record<string, JsonSchema>, required: string[] = [], description?: string): JsonSchema => ({
  type: 'object',
  title,
  ...(description ? { description } : {}),
  properties,
  ...(required.length > 0 ? { required } : {}),
});

// ---- messages (responses) ----

export const RUN_STATUS_NAMES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export const VIEW_TYPE_NAMES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;

export const ExperimentTag = messageObject('ExperimentTag', { key: string(), value: string() });
export const Experiment = messageObject('Experiment', {
  experiment_id: string(),
  name: string(),
  artifact_location: string(),
  lifecycle_stage: string('`active` or `deleted`.'),
  last_update_time: int64('Milliseconds since the epoch.'),
  creation_time: int64('Milliseconds since the epoch.'),
  tags: listOf(ExperimentTag),
});
export const Metric = messageObject('Metric', {
  key: string(),
  value: double(),
  timestamp: int64('Milliseconds since the epoch.'),
  step: int64(),
});
export const MetricWithRunId = messageObject('MetricWithRunId', {
  key: string(),
  value: double(),
  timestamp: int64('Milliseconds since the epoch.'),
  step: int64(),
  run_id: string(),
});
export const Param = messageObject('Param', { key: string(), value: string() });
export const RunTag = messageObject('RunTag', { key: string(), value: string() });
export const RunInfo = messageObject('RunInfo', {
  run_uuid: string('Deprecated twin of `run_id`, still sent.'),
  experiment_id: string(),
  run_name: string(),
  user_id: string(),
  status: { type: 'string', enum: RUN_STATUS_NAMES },
  start_time: int64('Milliseconds since the epoch.'),
  end_time: int64('Milliseconds since the epoch; absent while the run has not ended.'),
  artifact_uri: string(),
  lifecycle_stage: string('`active` or `deleted`.'),
  run_id: string(),
});
export const RunData = messageObject('RunData', { metrics: listOf(Metric), params: listOf(Param), tags: listOf(RunTag) });
export const InputTag = messageObject('InputTag', { key: string(), value: string() });
export const Dataset = messageObject('Dataset', {
  name: string(),
  digest: string(),
  source_type: string(),
  source: string(),
  schema: string(),
  profile: string(),
});
export const DatasetInput = messageObject('DatasetInput', { tags: listOf(InputTag), dataset: Dataset });
export const RunInputs = messageObject('RunInputs', { dataset_inputs: listOf(DatasetInput) });
export const Run = messageObject('Run', { info: RunInfo, data: RunData, inputs: RunInputs });
export const FileInfo = messageObject('FileInfo', {
  path: string('Relative to the listed directory (run artifacts: to the run root).'),
  is_dir: boolean(),
  file_size: int64('Bytes; files only.'),
});
export const ErrorResponse: JsonSchema = {
  type: 'object',
  title: 'ErrorResponse',
  properties: {
    error_code: string('One of MLflow\'s error codes, e.g. `INVALID_PARAMETER_VALUE`, `RESOURCE_DOES_NOT_EXIST`.'),
    message: string(),
  },
  required: ['error_code', 'message'],
};
/** The answer of calls that return nothing. */
export const Empty = messageObject('Empty', {});

/** Every named message, for the OpenAPI document's `components.schemas`. */
export const MESSAGE_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Experiment,
  ExperimentTag,
  Metric,
  MetricWithRunId,
  Param,
  RunTag,
  RunInfo,
  RunData,
  InputTag,
  Dataset,
  DatasetInput,
  RunInputs,
  Run,
  FileInfo,
  ErrorResponse,
  Empty,
};

/** Request parts shared by several calls. */
export const RequestRunTag = requestObject('RunTag', { key: string(), value: string() }, ['key']);
export const RequestMetric = requestObject(
  'Metric',
  { key: string(), value: requestDouble(), timestamp: requestInt64('Milliseconds since the epoch.'), step: requestInt64() },
  ['key', 'value', 'timestamp'],
);
export const RequestDatasetInput = requestObject(
  'DatasetInput',
  {
    tags: listOf(requestObject('InputTag', { key: string(), value: string() }, ['key', 'value'])),
    dataset: requestObject(
      'Dataset',
      { name: string(), digest: string(), source_type: string(), source: string(), schema: string(), profile: string() },
      ['name', 'digest', 'source_type', 'source'],
    ),
  },
  ['dataset'],
);
