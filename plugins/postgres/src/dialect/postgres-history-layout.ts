import type { SqlFragment } from '@orrery/sql';
import { sql, trustedSql } from '@orrery/sql';
import { CHUNK_MIN_POINTS } from './postgres-metric-chunks.js';

/*
 * How PostgreSQL lays out the metrics history (migrations 6 and 8) and reads one series of it:
 * rows of `metrics` indexed by `(series hash, step)`, chunks of `metric_chunks` indexed by
 * `(series hash, max_step)`. The store reaches these through `SqlDialect.fastPaths.metricChunks`.
 */

/**
 * How a chunk's points read as history rows: `CHUNK_UNNEST` follows a `metric_chunks c` and
 * yields `u (step, timestamp, v, ord)`; `CHUNK_POINT_COLUMNS` maps them to the `metrics` columns
 * `id, run_uuid, key, value, timestamp, step, is_nan` (NaN as value 0 with is_nan 1; the id is
 * negative, unique, and apart from row ids: -(chunk id * 1024 + position)).
 */
export const CHUNK_UNNEST = 'CROSS JOIN LATERAL unnest(c.steps, c.timestamps, c.vals) WITH ORDINALITY AS u (step, timestamp, v, ord)';
export const CHUNK_POINT_COLUMNS =
  "-(c.id * 1024 + u.ord) AS id, c.run_uuid, c.key, CASE WHEN u.v = 'NaN' THEN 0 ELSE u.v END AS value, u.timestamp, u.step, " +
  "CASE WHEN u.v = 'NaN' THEN 1 ELSE 0 END AS is_nan";

/**
 * How PostgreSQL's history index identifies a metric series (one run's one key): a 64-bit hash of
 * the run id and the key (`alias` qualifies the columns). Every history read names it in this form
 * (see `historySeries` in the store), so the planner matches the index expression. `hashtextextended`
 * is what PostgreSQL's own hash partitioning stores its routing on, so it is kept stable across
 * major versions and pg_upgrade; the `"C"` collation keeps it a plain hash of the bytes.
 */
export function postgresSeriesHash(alias?: 'b' | 'm' | 'c'): string {
  const column = (name: string): string => (alias ? `${alias}.${name}` : name);
  return `hashtextextended(${column('run_uuid')} || '/' || ${column('key')} COLLATE "C", 0)`;
}

/** PostgreSQL's series hash (migration 6) of a run id and a key given as expressions. */
function seriesHashOf(runId: SqlFragment, key: SqlFragment): SqlFragment {
  return sql`hashtextextended(CAST(${runId} AS varchar) || '/' || CAST(${key} AS varchar) COLLATE "C", 0)`;
}

/**
 * The condition picking one metric series (a run's key) in the form PostgreSQL's history indexes
 * serve: `(series hash, step)` for `metrics` (migration 6) and `(series hash, max_step)` for
 * `metric_chunks c` (migration 8). The hash equality comes first; the run and key are compared as
 * well, so that a hash collision cannot let another series' rows in.
 */
export function seriesCondition(alias: 'b' | 'c' | undefined, runId: SqlFragment, key: SqlFragment): SqlFragment {
  const column = (name: string): SqlFragment => trustedSql(alias ? `${alias}.${name}` : name);
  return sql`${trustedSql(postgresSeriesHash(alias))} = ${seriesHashOf(runId, key)} AND ${column('run_uuid')} = ${runId} AND ${column('key')} = ${key}`;
}

/** One series' chunk points as `value, timestamp, step, is_nan, id` rows, steps within `from..to` (inclusive); chunks are picked by their step range through their index. */
export function chunkPoints(runId: SqlFragment, key: SqlFragment, from?: SqlFragment, to?: SqlFragment): SqlFragment {
  const atLeast = (column: string): SqlFragment => (from ? sql` AND ${trustedSql(column)} >= ${from}` : sql``);
  const atMost = (column: string): SqlFragment => (to ? sql` AND ${trustedSql(column)} <= ${to}` : sql``);
  return sql`SELECT value, timestamp, step, is_nan, id FROM (SELECT ${trustedSql(CHUNK_POINT_COLUMNS)} FROM metric_chunks c ${trustedSql(CHUNK_UNNEST)}
        WHERE ${seriesCondition('c', runId, key)}${atLeast('c.max_step')}${atMost('c.min_step')}${atLeast('u.step')}${atMost('u.step')}) p`;
}

/**
 * `WITH bound AS (SELECT ... AS b) `: an upper step bound `b` for a history page of `limit`
 * observations after step `afterStep`, so a page reads about one page of observations however long
 * the history is (the planner misjudges how many one series has in a large table and would
 * otherwise sort the whole rest of it for every page). `b` is the smaller of two steps, each with
 * at least `limit` observations after the cursor at or below it:
 * - rows: the step of the `limit`-th row whose step is past the cursor's;
 * - chunks: walking the chunks that start past the cursor's step in order of their last step,
 *   the last step of the one where their point counts add up to `limit` (all of their points are
 *   after the cursor and at or below it). Both are read from the indexes alone.
 */
export function historyPageBound(runId: SqlFragment, key: SqlFragment, afterStep: number | undefined, limit: number): SqlFragment {
  const past = (column: string): SqlFragment => (afterStep !== undefined ? sql` AND ${trustedSql(column)} > ${afterStep}` : sql``);
  return sql`WITH bound AS (SELECT LEAST(
            COALESCE((SELECT b.step FROM metrics b WHERE ${seriesCondition('b', runId, key)}${past('b.step')}
                      ORDER BY b.step OFFSET ${limit - 1} LIMIT 1), ${Number.MAX_SAFE_INTEGER}),
            COALESCE((SELECT x.max_step FROM (
                        SELECT c.max_step, SUM(c.points) OVER (ORDER BY c.max_step ROWS UNBOUNDED PRECEDING) AS total
                        FROM metric_chunks c WHERE ${seriesCondition('c', runId, key)}${past('c.max_step')}${past('c.min_step')} ORDER BY c.max_step) x
                      WHERE x.total >= CAST(${limit} AS BIGINT) LIMIT 1), ${Number.MAX_SAFE_INTEGER})) AS b) `;
}

/*
 * Sampled history (get-history-bulk-interval). Each piece reads the one chunk that can hold the
 * step it looks for, found through the `(series hash, max_step)` index: the chunk with the
 * smallest last step at or after the target. That is exact while a series' chunks do not overlap
 * (each log-batch's points, logged in step order, as training loops do); the store checks that
 * first (`chunksOverlap`) and reads the whole range otherwise. Inside a chunk, the step is found
 * with MIN over its steps and its position with `array_position`: no sort, no unnest of the
 * timestamps and values.
 *
 * The seeks name the series by its hash alone and check the run and key on the one row they
 * return. With the run and key in the seek, a table nobody has analyzed yet (right after a long
 * ingest) makes the planner expect almost no matching rows, so it reads every chunk of the series
 * in a bitmap scan and sorts them instead of stepping down the index: 6 to 13 seconds instead of
 * milliseconds for a 1,000,000-point series in bench/ui-charts.mjs. A hash collision can then only
 * drop a sampled point (the row found belongs to another series), never return a wrong one.
 */

/** The `series hash = hash(run, key)` condition alone, which the history indexes serve. */
function seriesHashIs(alias: 'c' | undefined, runId: SqlFragment, key: SqlFragment): SqlFragment {
  return sql`${trustedSql(postgresSeriesHash(alias))} = ${seriesHashOf(runId, key)}`;
}

/** The first chunk (by last step) of a series that ends at or after `from` and starts at or before `to`. */
function chunkAtOrAfter(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment): SqlFragment {
  return sql`(SELECT c.id, c.run_uuid, c.key, c.steps, c.timestamps, c.vals FROM metric_chunks c
      WHERE ${seriesHashIs('c', runId, key)} AND c.max_step >= ${from} AND c.min_step <= ${to} ORDER BY c.max_step LIMIT 1)`;
}

/** The smallest step of one series within `from..to` (rows and chunks; NULL if none). */
export function firstStepInRange(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment): SqlFragment {
  return sql`LEAST(
      (SELECT m.step FROM (SELECT run_uuid, key, step FROM metrics WHERE ${seriesHashIs(undefined, runId, key)} AND step >= ${from} AND step <= ${to} ORDER BY step LIMIT 1) m
        WHERE m.run_uuid = ${runId} AND m.key = ${key}),
      (SELECT (SELECT MIN(s) FROM unnest(c.steps) s WHERE s >= ${from} AND s <= ${to}) FROM ${chunkAtOrAfter(runId, key, from, to)} c
        WHERE c.run_uuid = ${runId} AND c.key = ${key}))`;
}

/**
 * The largest step of one series within `from..to` (NULL if none): of the rows, and of the chunk
 * ending last at or before `to` or the one that straddles `to`.
 */
export function lastStepInRange(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment): SqlFragment {
  return sql`GREATEST(
      (SELECT m.step FROM (SELECT run_uuid, key, step FROM metrics WHERE ${seriesHashIs(undefined, runId, key)} AND step >= ${from} AND step <= ${to} ORDER BY step DESC LIMIT 1) m
        WHERE m.run_uuid = ${runId} AND m.key = ${key}),
      (SELECT c.max_step FROM (SELECT run_uuid, key, max_step FROM metric_chunks c WHERE ${seriesHashIs('c', runId, key)} AND c.max_step <= ${to} AND c.max_step >= ${from}
                               ORDER BY c.max_step DESC LIMIT 1) c WHERE c.run_uuid = ${runId} AND c.key = ${key}),
      (SELECT (SELECT MAX(s) FROM unnest(c.steps) s WHERE s >= ${from} AND s <= ${to})
        FROM (SELECT run_uuid, key, steps FROM metric_chunks c WHERE ${seriesHashIs('c', runId, key)} AND c.max_step > ${to} AND c.min_step <= ${to} ORDER BY c.max_step LIMIT 1) c
        WHERE c.run_uuid = ${runId} AND c.key = ${key}))`;
}

/**
 * An upper bound of the observations of one series within `from..to`, exact enough to tell
 * whether there are more than `limit`: rows counted up to `limit + 1`, and every point of the
 * chunks that reach into the range, walking the chunk index only until they are sure to hold more
 * than `limit` (each chunk holds at least `CHUNK_MIN_POINTS`). Summing every chunk instead made
 * PostgreSQL read all 4,000 chunks of a 1,000,000-point series (190 ms).
 */
export function observationsInRangeBound(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment, limit: number): SqlFragment {
  return sql`(SELECT COUNT(*) FROM (SELECT 1 FROM metrics WHERE ${seriesHashIs(undefined, runId, key)} AND step >= ${from} AND step <= ${to} LIMIT ${limit + 1}) r)
      + COALESCE((SELECT SUM(x.points) FROM (SELECT c.points FROM metric_chunks c WHERE ${seriesHashIs('c', runId, key)} AND c.max_step >= ${from} AND c.min_step <= ${to}
                                               ORDER BY c.max_step LIMIT ${Math.floor(limit / CHUNK_MIN_POINTS) + 1}) x), 0)`;
}

/**
 * Per target of the `t (target)` row source, the first observation at the first step at or after
 * it (and at most `to`): the first row of `metrics` by its index, or the point of the one chunk
 * that can hold it (its first at that step), whichever comes first in history order.
 */
export function firstPointsAtOrAfterTargets(runId: SqlFragment, key: SqlFragment, to: SqlFragment): SqlFragment {
  return sql`SELECT p.value, p.timestamp, p.step, p.is_nan, p.id FROM t CROSS JOIN LATERAL (
      SELECT * FROM (
        (SELECT m.value, m.timestamp, m.step, m.is_nan, m.id FROM (
            SELECT run_uuid, key, value, timestamp, step, is_nan, id FROM metrics WHERE ${seriesHashIs(undefined, runId, key)} AND step >= t.target AND step <= ${to}
            ORDER BY step, timestamp, is_nan, value, id LIMIT 1) m
          WHERE m.run_uuid = ${runId} AND m.key = ${key})
        UNION ALL
        (SELECT CASE WHEN c.vals[u.ord] = 'NaN' THEN 0 ELSE c.vals[u.ord] END AS value, c.timestamps[u.ord] AS timestamp, u.step,
                CASE WHEN c.vals[u.ord] = 'NaN' THEN 1 ELSE 0 END AS is_nan, -(c.id * 1024 + u.ord) AS id
          FROM ${chunkAtOrAfter(runId, key, trustedSql('t.target'), to)} c
          CROSS JOIN LATERAL (SELECT m.step, array_position(c.steps, m.step) AS ord
                              FROM (SELECT MIN(s) AS step FROM unnest(c.steps) s WHERE s >= t.target AND s <= ${to}) m WHERE m.step IS NOT NULL) u
          WHERE c.run_uuid = ${runId} AND c.key = ${key})
      ) x ORDER BY step, timestamp, is_nan, value, id LIMIT 1) p`;
}

/**
 * Whether two chunks of one series within `from..to` touch or overlap (one starts at or before the
 * step where the one before it, by last step, ends), read from the chunk index alone: only the
 * series hash is compared (the run and key columns are not in the index, and reading 4,000 chunk
 * rows for them cost 190 ms here); a hash collision can only make this say yes, which sends the
 * read down the slower exact path, never to a wrong answer.
 */
export function chunksOverlap(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment): SqlFragment {
  return sql`EXISTS (SELECT 1 FROM (
      SELECT c.min_step, LAG(c.max_step) OVER (ORDER BY c.max_step) AS previous_max
      FROM metric_chunks c WHERE ${seriesHashIs('c', runId, key)} AND c.max_step >= ${from} AND c.min_step <= ${to}) x
    WHERE x.min_step <= x.previous_max)`;
}
