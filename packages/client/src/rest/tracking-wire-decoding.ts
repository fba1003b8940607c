/**
 * MLflow's JSON (service.proto) back into core entities. Tolerant as protobuf readers are:
 * absent repeated fields are empty, int64 values may be numbers or strings, doubles may be the
 * strings "NaN", "Infinity" and "-Infinity".
 */
import type {
  DatasetInput,
  Experiment,
  LifecycleStage,
  Metric,
  Run,
  RunInfo,
  RunMetric,
  RunStatus,
} from '@orrery/core';

type Json = Record<string, unknown>;

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? fallback : String(value);
}

/** An int64 field (number or decimal string). */
export function int64(value: unknown, fallback = 0): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return fallback;
}

/** A double field in protobuf's JSON mapping. */
export function double(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

/** A double as protobuf's JSON mapping writes it (what MLflow's clients send). */
export function wireDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

function keyValues(value: unknown): Array<{ key: string; value: string }> {
  return list(value).map((item) => ({ key: text(item.key), value: text(item.value) }));
}

export function experimentFromWire(wire: Json): Experiment {
  return {
    experimentId: text(wire.experiment_id),
    name: text(wire.name),
    artifactLocation: text(wire.artifact_location),
    lifecycleStage: text(wire.lifecycle_stage, 'active') as LifecycleStage,
    creationTime: int64(wire.creation_time),
    lastUpdateTime: int64(wire.last_update_time),
    tags: keyValues(wire.tags),
  };
}

export function metricFromWire(wire: Json): Metric {
  return { key: text(wire.key), value: double(wire.value), timestamp: int64(wire.timestamp), step: int64(wire.step) };
}

export function runMetricFromWire(wire: Json): RunMetric {
  return { ...metricFromWire(wire), runId: text(wire.run_id) };
}

export function runInfoFromWire(wire: Json): RunInfo {
  return {
    runId: text(wire.run_id ?? wire.run_uuid),
    runName: text(wire.run_name),
    experimentId: text(wire.experiment_id),
    userId: text(wire.user_id),
    status: text(wire.status, 'RUNNING') as RunStatus,
    startTime: int64(wire.start_time),
    endTime: wire.end_time === undefined || wire.end_time === null ? null : int64(wire.end_time),
    artifactUri: text(wire.artifact_uri),
    lifecycleStage: text(wire.lifecycle_stage, 'active') as LifecycleStage,
  };
}

function datasetInputFromWire(wire: Json): DatasetInput {
  const dataset = (wire.dataset ?? {}) as Json;
  return {
    tags: keyValues(wire.tags),
    dataset: {
      name: text(dataset.name),
      digest: text(dataset.digest),
      sourceType: text(dataset.source_type),
      source: text(dataset.source),
      ...(typeof dataset.schema === 'string' ? { schema: dataset.schema } : {}),
      ...(typeof dataset.profile === 'string' ? { profile: dataset.profile } : {}),
    },
  };
}

export function runFromWire(wire: Json): Run {
  const data = (wire.data ?? {}) as Json;
  const inputs = (wire.inputs ?? {}) as Json;
  return {
    info: runInfoFromWire((wire.info ?? {}) as Json),
    data: {
      metrics: list(data.metrics).map(metricFromWire),
      params: keyValues(data.params),
      tags: keyValues(data.tags),
    },
    inputs: { datasetInputs: list(inputs.dataset_inputs).map(datasetInputFromWire) },
  };
}

export function datasetInputToWire(input: DatasetInput): Json {
  const dataset: Json = {
    name: input.dataset.name,
    digest: input.dataset.digest,
    source_type: input.dataset.sourceType,
    source: input.dataset.source,
  };
  if (input.dataset.schema !== undefined) dataset.schema = input.dataset.schema;
  if (input.dataset.profile !== undefined) dataset.profile = input.dataset.profile;
  return { tags: input.tags.map((tag) => ({ key: tag.key, value: tag.value })), dataset };
}

export function metricToWire(metric: Metric): Json {
  return { key: metric.key, value: wireDouble(metric.value), timestamp: metric.timestamp, step: metric.step };
}
