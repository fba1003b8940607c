/**
 * Tracking entities in MLflow's JSON form (service.proto as printed by MLflow's `message_to_json`):
 * snake_case names, int64 fields as JSON numbers, doubles that are not finite as the strings
 * "NaN", "Infinity" and "-Infinity" (protobuf's JSON mapping), and empty repeated fields left out,
 * as protobuf leaves them out. Field order follows the proto field numbers, as MLflow's does.
 */
import type {
  DatasetInput,
  Experiment,
  Metric,
  Param,
  Run,
  RunInfo,
  RunMetric,
  RunTag,
} from '@orrery/core';
import type { ArtifactFileInfo } from '@orrery/core';

type Json = Record<string, unknown>;

/** A double in protobuf's JSON mapping: numbers stay numbers, NaN and ±Infinity become strings. */
export function wireDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

function keyValues(items: ReadonlyArray<{ key: string; value: string }>): Json[] {
  return items.map((item) => ({ key: item.key, value: item.value }));
}

/** Sets `target[name]` only for a non-empty list, as protobuf omits empty repeated fields. */
function putList(target: Json, name: string, list: unknown[]): void {
  if (list.length > 0) target[name] = list;
}

export function experimentToWire(experiment: Experiment): Json {
  const wire: Json = {
    experiment_id: experiment.experimentId,
    name: experiment.name,
    artifact_location: experiment.artifactLocation,
    lifecycle_stage: experiment.lifecycleStage,
    last_update_time: experiment.lastUpdateTime,
    creation_time: experiment.creationTime,
  };
  putList(wire, 'tags', keyValues(experiment.tags));
  return wire;
}

export function metricToWire(metric: Metric): Json {
  return { key: metric.key, value: wireDouble(metric.value), timestamp: metric.timestamp, step: metric.step };
}

/** MLflow's `MetricWithRunId`. */
export function runMetricToWire(metric: RunMetric): Json {
  return {
    key: metric.key,
    value: wireDouble(metric.value),
    timestamp: metric.timestamp,
    step: metric.step,
    run_id: metric.runId,
  };
}

export function paramToWire(param: Param): Json {
  return { key: param.key, value: param.value };
}

export function runTagToWire(tag: RunTag): Json {
  return { key: tag.key, value: tag.value };
}

/** `run_uuid` is the deprecated twin of `run_id`; MLflow still sends both and old clients read it. */
export function runInfoToWire(info: RunInfo): Json {
  const wire: Json = {
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

export function datasetInputToWire(input: DatasetInput): Json {
  const dataset: Json = {
    name: input.dataset.name,
    digest: input.dataset.digest,
    source_type: input.dataset.sourceType,
    source: input.dataset.source,
  };
  if (input.dataset.schema !== undefined && input.dataset.schema !== null) dataset.schema = input.dataset.schema;
  if (input.dataset.profile !== undefined && input.dataset.profile !== null) dataset.profile = input.dataset.profile;
  const wire: Json = {};
  putList(wire, 'tags', keyValues(input.tags));
  wire.dataset = dataset;
  return wire;
}

/** A run always carries `info`, `data` and `inputs`, even empty (`"data": {}`), as MLflow's does. */
export function runToWire(run: Run): Json {
  const data: Json = {};
  putList(data, 'metrics', run.data.metrics.map(metricToWire));
  putList(data, 'params', run.data.params.map(paramToWire));
  putList(data, 'tags', run.data.tags.map(runTagToWire));
  const inputs: Json = {};
  putList(inputs, 'dataset_inputs', (run.inputs?.datasetInputs ?? []).map(datasetInputToWire));
  return { info: runInfoToWire(run.info), data, inputs };
}

/** MLflow's `FileInfo`: `is_dir` always present (clients index it), `file_size` only for files. */
export function fileInfoToWire(path: string, info: ArtifactFileInfo): Json {
  const wire: Json = { path, is_dir: info.isDir };
  if (!info.isDir && info.fileSize !== undefined && info.fileSize !== null) wire.file_size = info.fileSize;
  return wire;
}
