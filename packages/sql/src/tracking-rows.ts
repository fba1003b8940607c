import type { DatasetInput, Experiment, LifecycleStage, Metric, RunInfo, RunStatus } from '@orrery/core';

/**
 * Database rows as the drivers return them, and their conversion to core entities. Integers may
 * arrive as numbers (better-sqlite3) or strings (`pg` returns BIGINT as text), so every numeric
 * column goes through `Number`.
 */

export interface ExperimentRow {
  experiment_id: number | string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number | string;
  last_update_time: number | string;
}

export interface RunRow {
  run_uuid: string;
  name: string;
  experiment_id: number | string;
  user_id: string;
  status: string;
  start_time: number | string;
  end_time: number | string | null;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface MetricRow {
  key: string;
  value: number | string;
  timestamp: number | string;
  step: number | string;
  is_nan: number | string | boolean;
}

export interface DatasetInputRow {
  input_uuid: string;
  run_uuid: string;
  name: string;
  digest: string;
  dataset_source_type: string;
  dataset_source: string;
  dataset_schema: string | null;
  dataset_profile: string | null;
}

export function toExperiment(row: ExperimentRow, tags: { key: string; value: string }[]): Experiment {
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
    tags,
  };
}

export function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_uuid,
    runName: row.name,
    experimentId: String(row.experiment_id),
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null || row.end_time === undefined ? null : Number(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
  };
}

/** NaN is stored as 0 with is_nan set; infinities are stored as they are. */
export function toMetric(row: MetricRow): Metric {
  const isNan = row.is_nan === true || Number(row.is_nan) === 1;
  return {
    key: row.key,
    value: isNan ? NaN : Number(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
  };
}

/** The stored form of a metric value: `[value, is_nan]`. */
export function encodeMetricValue(value: number): [number, number] {
  return Number.isNaN(value) ? [0, 1] : [value, 0];
}

export function toDatasetInput(row: DatasetInputRow, tags: { key: string; value: string }[]): DatasetInput {
  return {
    tags,
    dataset: {
      name: row.name,
      digest: row.digest,
      sourceType: row.dataset_source_type,
      source: row.dataset_source,
      ...(row.dataset_schema !== null && row.dataset_schema !== undefined ? { schema: row.dataset_schema } : {}),
      ...(row.dataset_profile !== null && row.dataset_profile !== undefined ? { profile: row.dataset_profile } : {}),
    },
  };
}

/** A run id as the SQL stores hand them out: 32 lowercase hex digits. */
export const RUN_ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * The `ON CONFLICT` clause that moves a `latest_metrics` row forward only when the incoming
 * observation is later (step, timestamp, NaN above numbers, value), so writes in any order agree.
 */
export const LATEST_METRIC_UPSERT =
  'ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan ' +
  'WHERE (excluded.step, excluded.timestamp, excluded.is_nan, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.is_nan, latest_metrics.value)';

/** Orders metric observations the way `latest_metrics` does: step, timestamp, NaN above numbers, value. */
export function isLaterMetric(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const [av, an] = encodeMetricValue(a.value);
  const [bv, bn] = encodeMetricValue(b.value);
  if (an !== bn) return an > bn;
  return av > bv;
}
