import type { Metric } from '@orrery/core';
import { persistenceErrors, runNotActiveError } from '@orrery/core';
import type { SqlExecutor, SqlFragment } from '@orrery/sql';
import { LATEST_METRIC_UPSERT, RUN_ID_PATTERN, encodeMetricValue, isLaterMetric, preparedSql, sql, trustedSql } from '@orrery/sql';
import { postgresBinaryArray, postgresTextArray } from './postgres-arrays.js';

/*
 * PostgreSQL's chunked write path for metrics-only log-batches (the dialect's
 * `fastPaths.metricChunks`): rows of `metrics` for short series, rows of `metric_chunks`
 * (migration 8) for long ones, and the latest-value upsert, all in one statement.
 */

/**
 * PostgreSQL: a log-batch's points of one key are stored as one or more `metric_chunks` rows
 * (migration 8) when there are at least this many of them; fewer go to `metrics`, one row each.
 * A chunk costs one heap tuple and one index entry whatever its size, about what two rows cost.
 */
export const CHUNK_MIN_POINTS = 4;

/** Most points one history chunk holds (a chunk row must fit in one 8 KiB PostgreSQL page). */
export const CHUNK_MAX_POINTS = 256;

/**
 * Metrics as a PostgreSQL `unnest` of one array parameter per column, aliased `u (key, value,
 * timestamp, step, is_nan)`: keys as a text literal, numbers in binary. NaN is stored as 0 with
 * is_nan set (see `encodeMetricValue`).
 */
function metricArrays(metrics: readonly Metric[]): SqlFragment {
  const n = metrics.length;
  const keys = new Array<string>(n);
  const values = new Array<number>(n);
  const timestamps = new Array<number>(n);
  const steps = new Array<number>(n);
  const nans = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const m = metrics[i]!;
    const nan = Number.isNaN(m.value);
    keys[i] = m.key;
    values[i] = nan ? 0 : m.value;
    timestamps[i] = m.timestamp;
    steps[i] = m.step;
    nans[i] = nan ? 1 : 0;
  }
  return sql`unnest(CAST(${postgresTextArray(keys)} AS varchar[]), CAST(${postgresBinaryArray(values, 'float8')} AS float8[]),
                    CAST(${postgresBinaryArray(timestamps, 'int8')} AS int8[]), CAST(${postgresBinaryArray(steps, 'int8')} AS int8[]),
                    CAST(${postgresBinaryArray(nans, 'int4')} AS int4[])) AS u (key, value, timestamp, step, is_nan)`;
}

/**
 * Splits a batch's metrics, grouped by key, into what is stored as rows and what as chunks (at
 * most `CHUNK_MAX_POINTS` points each): see `CHUNK_MIN_POINTS`.
 */
function storageOf(groups: readonly Metric[][]): { rows: Metric[]; chunks: Metric[][] } {
  const rows: Metric[] = [];
  const chunks: Metric[][] = [];
  for (const group of groups) {
    if (group.length < CHUNK_MIN_POINTS) {
      for (const m of group) rows.push(m);
      continue;
    }
    const pieces = Math.ceil(group.length / CHUNK_MAX_POINTS);
    const size = Math.ceil(group.length / pieces);
    for (let at = 0; at < group.length; at += size) chunks.push(group.slice(at, at + size));
  }
  return { rows, chunks };
}

/**
 * Chunks as a PostgreSQL row source `k (key, lo, hi, min_step, max_step)` joined with `a (steps,
 * timestamps, vals)`: every chunk's points are laid end to end in three array parameters (numbers
 * in binary, NaN as is), and chunk i is the slice `lo..hi` (1-based) of each.
 */
function chunkArrays(chunks: readonly Metric[][]): SqlFragment {
  const keys = new Array<string>(chunks.length);
  const lows = new Array<number>(chunks.length);
  const highs = new Array<number>(chunks.length);
  const minSteps = new Array<number>(chunks.length);
  const maxSteps = new Array<number>(chunks.length);
  const steps: number[] = [];
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    keys[c] = chunk[0]!.key;
    lows[c] = steps.length + 1;
    let min = Infinity;
    let max = -Infinity;
    for (const m of chunk) {
      steps.push(m.step);
      timestamps.push(m.timestamp);
      values.push(m.value);
      if (m.step < min) min = m.step;
      if (m.step > max) max = m.step;
    }
    highs[c] = steps.length;
    minSteps[c] = min;
    maxSteps[c] = max;
  }
  return sql`unnest(CAST(${postgresTextArray(keys)} AS varchar[]), CAST(${postgresBinaryArray(lows, 'int4')} AS int4[]),
                    CAST(${postgresBinaryArray(highs, 'int4')} AS int4[]), CAST(${postgresBinaryArray(minSteps, 'int8')} AS int8[]),
                    CAST(${postgresBinaryArray(maxSteps, 'int8')} AS int8[])) AS k (key, lo, hi, min_step, max_step)
             CROSS JOIN (SELECT CAST(${postgresBinaryArray(steps, 'int8')} AS int8[]) AS steps, CAST(${postgresBinaryArray(timestamps, 'int8')} AS int8[]) AS timestamps,
                                CAST(${postgresBinaryArray(values, 'float8')} AS float8[]) AS vals) a`;
}

/**
 * PostgreSQL's path for metrics-only writes (what training loops send): the run check, the
 * history append (a key's points as chunks when there are `CHUNK_MIN_POINTS` or more, else as
 * rows) and the latest-value upsert as ONE statement, so one round trip and no BEGIN/COMMIT. A
 * single statement is atomic on its own: the batch lands whole or not at all.
 * Every insert is conditioned on the run being active; the statement returns the run's stage
 * (no row: no such run), and the same errors as the transaction path are raised from it. The
 * columns travel as one array parameter each (numbers in binary), so the statement text never
 * varies and is prepared once per connection.
 * Measured against BEGIN, run check, COPY, upsert, COMMIT (bench/postgres-ingest-breakdown.mjs,
 * 8 connections): about 15% less PostgreSQL CPU per metric, and 1 round trip instead of 7.
 */
export async function appendMetricsInOneStatement(db: SqlExecutor, runId: string, metrics: readonly Metric[]): Promise<void> {
  if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) throw persistenceErrors.runNotFound(runId);
  if (metrics.length === 1) return appendOneMetric(db, runId, metrics[0]!);
  // Rows go in grouped by key (each key's in the order given), so that consecutive index
  // insertions land next to one another in the (series hash, step) index: about 10% less
  // PostgreSQL CPU per metric in bench/postgres-ingest-breakdown.mjs. A batch's rows of one
  // key keep their relative order, and nothing orders history by insertion across keys.
  const byKey = new Map<string, Metric[]>();
  for (const m of metrics) {
    const group = byKey.get(m.key);
    if (group) group.push(m);
    else byKey.set(m.key, [m]);
  }
  const groups = [...byKey.values()];
  // Upserted rows in key order: concurrent writers to one run lock its latest rows in one order.
  const newest = groups
    .map((group) => group.reduce((latest, m) => (isLaterMetric(m, latest) ? m : latest)))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const { rows, chunks } = storageOf(groups);
  const row = await db.get<{ lifecycle_stage: string }>(
    preparedSql(sql`WITH run AS (SELECT lifecycle_stage FROM runs WHERE run_uuid = ${runId}),
        appended AS (
          INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
          SELECT CAST(${runId} AS varchar), u.key, u.value, u.timestamp, u.step, u.is_nan FROM ${metricArrays(rows)}
          WHERE (SELECT lifecycle_stage FROM run) = 'active'),
        chunked AS (
          INSERT INTO metric_chunks (run_uuid, key, min_step, max_step, points, steps, timestamps, vals)
          SELECT CAST(${runId} AS varchar), k.key, k.min_step, k.max_step, k.hi - k.lo + 1, a.steps[k.lo:k.hi], a.timestamps[k.lo:k.hi], a.vals[k.lo:k.hi]
          FROM ${chunkArrays(chunks)}
          WHERE (SELECT lifecycle_stage FROM run) = 'active'),
        moved AS (
          INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
          SELECT CAST(${runId} AS varchar), u.key, u.value, u.timestamp, u.step, u.is_nan FROM ${metricArrays(newest)}
          WHERE (SELECT lifecycle_stage FROM run) = 'active'
          ${trustedSql(LATEST_METRIC_UPSERT)})
        SELECT lifecycle_stage FROM run`),
  );
  if (!row) throw persistenceErrors.runNotFound(runId);
  if (row.lifecycle_stage !== 'active') throw runNotActiveError(runId);
}

/**
 * One observation (a log-metric call, what a training loop sends most): the same run check,
 * history row and latest-value upsert as `appendMetricsInOneStatement`, with scalar parameters
 * instead of arrays. Planning and executing the general statement (unnest of five arrays, an
 * empty chunk insert) cost about as much as the commit itself for one row; this one is a fixed,
 * prepared text whose plan is three index probes.
 */
async function appendOneMetric(db: SqlExecutor, runId: string, metric: Metric): Promise<void> {
  const [encoded, isNan] = encodeMetricValue(metric.value);
  // Parameters travel as text; a negative zero would print as "0" and lose its sign.
  const value = Object.is(encoded, -0) ? '-0' : encoded;
  const row = await db.get<{ lifecycle_stage: string }>(
    preparedSql(sql`WITH run AS (SELECT lifecycle_stage FROM runs WHERE run_uuid = CAST(${runId} AS varchar)),
        appended AS (
          INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
          SELECT CAST(${runId} AS varchar), CAST(${metric.key} AS varchar), CAST(${value} AS float8), CAST(${metric.timestamp} AS int8),
                 CAST(${metric.step} AS int8), CAST(${isNan} AS int4)
          WHERE (SELECT lifecycle_stage FROM run) = 'active'),
        moved AS (
          INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
          SELECT CAST(${runId} AS varchar), CAST(${metric.key} AS varchar), CAST(${value} AS float8), CAST(${metric.timestamp} AS int8),
                 CAST(${metric.step} AS int8), CAST(${isNan} AS int4)
          WHERE (SELECT lifecycle_stage FROM run) = 'active'
          ${trustedSql(LATEST_METRIC_UPSERT)})
        SELECT lifecycle_stage FROM run`),
  );
  if (!row) throw persistenceErrors.runNotFound(runId);
  if (row.lifecycle_stage !== 'active') throw runNotActiveError(runId);
}
