/**
 * Tracking entities to and from MLflow's JSON form (service.proto as printed by MLflow's
 * `message_to_json`): snake_case names, int64 fields as JSON numbers, doubles that are not finite
 * as the strings "NaN", "Infinity" and "-Infinity", and empty repeated fields left out, as
 * protobuf leaves them out. Field order follows the proto field numbers, as MLflow's does.
 *
 * The server writes its responses with the `…ToWire` functions and the REST client writes its
 * requests with them; the REST client reads responses with the `…FromWire` functions, which are
 * tolerant as protobuf readers are (absent repeated fields are empty, int64 values may be strings).
 */
import type {
  ArtifactFileInfo,
  DatasetInput,
  Experiment,
  LifecycleStage,
  Metric,
  Param,
  Run,
  RunInfo,
  RunMetric,
  RunStatus,
  RunTag,
} from '@orrery/core';
import {
  doubleFromWire,
  int64FromWire,
  keyValuesFromWire,
  keyValuesToWire,
  messagesFromWire,
  putList,
  textFromWire,
  wireDouble,
  type WireMessage,
} from './wire-values.js';

// ---- experiments ----

/** MLflow's `Experiment`. */
export function experimentToWire(experiment: Experiment): WireMessage {
  const wire: WireMessage = {
    experiment_id: experiment.experimentId,
    name: experiment.name,
    artifact_location: experiment.artifactLocation,
    lifecycle_stage: experiment.lifecycleStage,
    last_update_time: experiment.lastUpdateTime,
    creation_time: experiment.creationTime,
  };
  putList(wire, 'tags', keyValuesToWire(experiment.tags));
  return wire;
}

export function experimentFromWire(wire: WireMessage): Experiment {
  return {
    experimentId: textFromWire(wire.experiment_id),
    name: textFromWire(wire.name),
    artifactLocation: textFromWire(wire.artifact_location),
    lifecycleStage: textFromWire(wire.lifecycle_stage, 'active') as LifecycleStage,
    creationTime: int64FromWire(wire.creation_time),
    lastUpdateTime: int64FromWire(wire.last_update_time),
    tags: keyValuesFromWire(wire.tags),
  };
}

// ---- metrics, params, tags ----

/** MLflow's `Metric` (also the metric fields of a `log-metric` request). */
export function metricToWire(metric: Metric): WireMessage {
  return { key: metric.key, value: wireDouble(metric.value), timestamp: metric.timestamp, step: metric.step };
}

export function metricFromWire(wire: WireMessage): Metric {
  return {
    key: textFromWire(wire.key),
    value: doubleFromWire(wire.value),
    timestamp: int64FromWire(wire.timestamp),
    step: int64FromWire(wire.step),
  };
}

/** MLflow's `MetricWithRunId`. */
export function runMetricToWire(metric: RunMetric): WireMessage {
  return {
    key: metric.key,
    value: wireDouble(metric.value),
    timestamp: metric.timestamp,
    step: metric.step,
    run_id: metric.runId,
  };
}

export function runMetricFromWire(wire: WireMessage): RunMetric {
  return { ...metricFromWire(wire), runId: textFromWire(wire.run_id) };
}

export function paramToWire(param: Param): WireMessage {
  return { key: param.key, value: param.value };
}

export function runTagToWire(tag: RunTag): WireMessage {
  return { key: tag.key, value: tag.value };
}

// ---- runs ----

/** `run_uuid` is the deprecated twin of `run_id`; MLflow still sends both and old clients read it. */
export function runInfoToWire(info: RunInfo): WireMessage {
  const wire: WireMessage = {
    run_uuid: info.runId,
    experiment_id: info.experimentId,
    run_name: info.runName,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
  };
  if (info.endTime !== null && info.endTime !== undefined) wire.end_time = info.endTime;
  wire.artifact_uri = info.artifactUri;
  wire.lifecycle_stage = info.lifecycleStage;
  wire.run_id = info.runId;
  return wire;
}

export function runInfoFromWire(wire: WireMessage): RunInfo {
  return {
    runId: textFromWire(wire.run_id ?? wire.run_uuid),
    runName: textFromWire(wire.run_name),
    experimentId: textFromWire(wire.experiment_id),
    userId: textFromWire(wire.user_id),
    status: textFromWire(wire.status, 'RUNNING') as RunStatus,
    startTime: int64FromWire(wire.start_time),
    endTime: wire.end_time === undefined || wire.end_time === null ? null : int64FromWire(wire.end_time),
    artifactUri: textFromWire(wire.artifact_uri),
    lifecycleStage: textFromWire(wire.lifecycle_stage, 'active') as LifecycleStage,
  };
}

/**
 * MLflow's `DatasetInput`, in responses and in `log-inputs` requests alike: an unset schema or
 * profile is left out, and so is an empty tag list.
 */
export function datasetInputToWire(input: DatasetInput): WireMessage {
  const dataset: WireMessage = {
    name: input.dataset.name,
    digest: input.dataset.digest,
    source_type: input.dataset.sourceType,
    source: input.dataset.source,
  };
  if (input.dataset.schema !== undefined && input.dataset.schema !== null) dataset.schema = input.dataset.schema;
  if (input.dataset.profile !== undefined && input.dataset.profile !== null) dataset.profile = input.dataset.profile;
  const wire: WireMessage = {};
  putList(wire, 'tags', keyValuesToWire(input.tags));
  wire.dataset = dataset;
  return wire;
}

export function datasetInputFromWire(wire: WireMessage): DatasetInput {
  const dataset = (wire.dataset ?? {}) as WireMessage;
  return {
    tags: keyValuesFromWire(wire.tags),
    dataset: {
      name: textFromWire(dataset.name),
      digest: textFromWire(dataset.digest),
      sourceType: textFromWire(dataset.source_type),
      source: textFromWire(dataset.source),
      ...(typeof dataset.schema === 'string' ? { schema: dataset.schema } : {}),
      ...(typeof dataset.profile === 'string' ? { profile: dataset.profile } : {}),
    },
  };
}

/** A run always carries `info`, `data` and `inputs`, even empty (`"data": {}`), as MLflow's does. */
export function runToWire(run: Run): WireMessage {
  const data: WireMessage = {};
  putList(data, 'metrics', run.data.metrics.map(metricToWire));
  putList(data, 'params', run.data.params.map(paramToWire));
  putList(data, 'tags', run.data.tags.map(runTagToWire));
  const inputs: WireMessage = {};
  putList(inputs, 'dataset_inputs', (run.inputs?.datasetInputs ?? []).map(datasetInputToWire));
  return { info: runInfoToWire(run.info), data, inputs };
}

export function runFromWire(wire: WireMessage): Run {
  const data = (wire.data ?? {}) as WireMessage;
  const inputs = (wire.inputs ?? {}) as WireMessage;
  return {
    info: runInfoFromWire((wire.info ?? {}) as WireMessage),
    data: {
      metrics: messagesFromWire(data.metrics).map(metricFromWire),
      params: keyValuesFromWire(data.params),
      tags: keyValuesFromWire(data.tags),
    },
    inputs: { datasetInputs: messagesFromWire(inputs.dataset_inputs).map(datasetInputFromWire) },
  };
}

// ---- artifacts ----

/** MLflow's `FileInfo`: `is_dir` always present (clients index it), `file_size` only for files. */
export function fileInfoToWire(path: string, info: ArtifactFileInfo): WireMessage {
  const wire: WireMessage = { path, is_dir: info.isDir };
  if (!info.isDir && info.fileSize !== undefined && info.fileSize !== null) wire.file_size = info.fileSize;
  return wire;
}

/** A `FileInfo` read back; `path` as the message has it (the caller resolves it against the listed folder). */
export function fileInfoFromWire(wire: WireMessage): ArtifactFileInfo {
  const info: ArtifactFileInfo = { path: textFromWire(wire.path), isDir: wire.is_dir === true };
  if (!info.isDir && wire.file_size !== undefined && wire.file_size !== null) info.fileSize = int64FromWire(wire.file_size);
  return info;
}
