/**
 * The tracking messages of MLflow's service.proto (and the artifact `FileInfo`), as JSON Schemas:
 * responses in proto field order, requests with the wider forms the server accepts.
 */
import {
  booleanField,
  doubleField,
  int64Field,
  listOf,
  messageObject,
  requestDouble,
  requestInt64,
  requestObject,
  stringField,
  type JsonSchema,
} from './json-schema.js';

// ---- messages (responses) ----

export const RUN_STATUS_NAMES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export const VIEW_TYPE_NAMES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;

export const ExperimentTag = messageObject('ExperimentTag', { key: stringField(), value: stringField() });
export const Experiment = messageObject('Experiment', {
  experiment_id: stringField(),
  name: stringField(),
  artifact_location: stringField(),
  lifecycle_stage: stringField('`active` or `deleted`.'),
  last_update_time: int64Field('Milliseconds since the epoch.'),
  creation_time: int64Field('Milliseconds since the epoch.'),
  tags: listOf(ExperimentTag),
});
export const Metric = messageObject('Metric', {
  key: stringField(),
  value: doubleField(),
  timestamp: int64Field('Milliseconds since the epoch.'),
  step: int64Field(),
});
export const MetricWithRunId = messageObject('MetricWithRunId', {
  key: stringField(),
  value: doubleField(),
  timestamp: int64Field('Milliseconds since the epoch.'),
  step: int64Field(),
  run_id: stringField(),
});
export const Param = messageObject('Param', { key: stringField(), value: stringField() });
export const RunTag = messageObject('RunTag', { key: stringField(), value: stringField() });
export const RunInfo = messageObject('RunInfo', {
  run_uuid: stringField('Deprecated twin of `run_id`, still sent.'),
  experiment_id: stringField(),
  run_name: stringField(),
  user_id: stringField(),
  status: { type: 'string', enum: RUN_STATUS_NAMES },
  start_time: int64Field('Milliseconds since the epoch.'),
  end_time: int64Field('Milliseconds since the epoch; absent while the run has not ended.'),
  artifact_uri: stringField(),
  lifecycle_stage: stringField('`active` or `deleted`.'),
  run_id: stringField(),
});
export const RunData = messageObject('RunData', { metrics: listOf(Metric), params: listOf(Param), tags: listOf(RunTag) });
export const InputTag = messageObject('InputTag', { key: stringField(), value: stringField() });
export const Dataset = messageObject('Dataset', {
  name: stringField(),
  digest: stringField(),
  source_type: stringField(),
  source: stringField(),
  schema: stringField(),
  profile: stringField(),
});
export const DatasetInput = messageObject('DatasetInput', { tags: listOf(InputTag), dataset: Dataset });
export const RunInputs = messageObject('RunInputs', { dataset_inputs: listOf(DatasetInput) });
export const Run = messageObject('Run', { info: RunInfo, data: RunData, inputs: RunInputs });
export const FileInfo = messageObject('FileInfo', {
  path: stringField('Relative to the listed directory (run artifacts: to the run root).'),
  is_dir: booleanField(),
  file_size: int64Field('Bytes; files only.'),
});
export const ErrorResponse: JsonSchema = {
  type: 'object',
  title: 'ErrorResponse',
  properties: {
    error_code: stringField('One of MLflow\'s error codes, e.g. `INVALID_PARAMETER_VALUE`, `RESOURCE_DOES_NOT_EXIST`.'),
    message: stringField(),
  },
  required: ['error_code', 'message'],
};
/** The answer of calls that return nothing. */
export const Empty = messageObject('Empty', {});

/** Every named tracking message, by name (for the OpenAPI document's `components.schemas`). */
export const TRACKING_MESSAGE_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
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
export const RequestRunTag = requestObject('RunTag', { key: stringField(), value: stringField() }, ['key']);
export const RequestMetric = requestObject(
  'Metric',
  { key: stringField(), value: requestDouble(), timestamp: requestInt64('Milliseconds since the epoch.'), step: requestInt64() },
  ['key', 'value', 'timestamp'],
);
export const RequestDatasetInput = requestObject(
  'DatasetInput',
  {
    tags: listOf(requestObject('InputTag', { key: stringField(), value: stringField() }, ['key', 'value'])),
    dataset: requestObject(
      'Dataset',
      { name: stringField(), digest: stringField(), source_type: stringField(), source: stringField(), schema: stringField(), profile: stringField() },
      ['name', 'digest', 'source_type', 'source'],
    ),
  },
  ['dataset'],
);
