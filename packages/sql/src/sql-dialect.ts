import type { Metric } from '@orrery/core';
import type { SqlExecutor } from './sql-executor.js';
import type { Dialect, SqlFragment } from './sql-fragment.js';

/**
 * What the shared SQL layer asks of a database's SQL: the strategy a driver plugin supplies
 * through its executor (`SqlExecutor.dialect`). The shared layer never compares dialect names;
 * it asks the dialect for the text that differs (placeholders, list parameters, DDL fragments,
 * dialect-only schema changes, locking clauses) and uses the optional fast paths the dialect
 * declares. `plugins/sqlite` and `plugins/postgres` supply the two implementations.
 */
export interface SqlDialect {
  /** The dialect's name: picks a fragment's variant written with `byDialect`. */
  readonly name: Dialect;
  /** The text standing for bound value number `index` (1-based): `?`, `$1`. */
  placeholder(index: number): string;
  /**
   * Renders a list of values bound as ONE parameter (`sqlList`). `textBefore` is the statement
   * so far; the result replaces it, so a dialect may rewrite a trailing `IN` (PostgreSQL's
   * `= ANY(array)`). `bind` adds a bound value and returns its placeholder.
   */
  renderList(textBefore: string, values: readonly (string | number)[], elementType: 'text' | 'bigint', bind: (value: unknown) => string): string;
  /** DDL fragments the schema's migrations differ by. */
  readonly ddl: DialectDdl;
  /**
   * Statements a tracking-schema migration runs on this dialect only, after its shared ones
   * (tuning such as collations, statistics, indexes, PostgreSQL's metric chunks); none for most.
   */
  trackingSchemaChanges(version: number): readonly string[];
  /**
   * True when write transactions run concurrently (PostgreSQL), so a check read before a write may
   * be outdated by the time it commits and must be read again; false when they are serial (SQLite).
   */
  readonly concurrentWriteTransactions: boolean;
  /**
   * Optional: a statement that makes transactions handling the same `key` (within `space`) take
   * turns until they end. Dialects whose write transactions are serial leave it out.
   */
  transactionKeyLock?(space: number, key: string): SqlFragment;
  /**
   * Optional: the clause appended to a `SELECT` that holds the rows it reads until the
   * transaction ends (`exclusive` for a delete, shared for writers of dependent rows). Dialects
   * whose write transactions are serial leave it out.
   */
  rowLockClause?(mode: 'exclusive' | 'shared'): SqlFragment;
  /** Fast paths the shared tracking store takes when the dialect offers them. */
  readonly fastPaths: DialectFastPaths;
}

/** DDL fragments that differ by dialect, each written into `CREATE TABLE` text as is. */
export interface DialectDdl {
  /** An auto-generated integer primary key column type (ids may be reused after a delete). */
  readonly autoId: string;
  /** An auto-generated integer primary key column type whose values are never reused. */
  readonly neverReusedId: string;
  /** An IEEE double column type. */
  readonly double: string;
  /** The NOT NULL clause of the hot metrics-history columns (empty where it slows inserts). */
  readonly hotNotNull: string;
  /** The table option that stores a table clustered by its primary key (empty if none). */
  readonly clustered: string;
  /** The collation clause that makes a string column compare and sort by code point (empty if default). */
  readonly byteOrder: string;
}

/**
 * Optional fast paths of the tracking store. Each needs the schema changes this dialect's
 * `trackingSchemaChanges` made; a dialect without them takes the generic paths.
 */
export interface DialectFastPaths {
  /**
   * Metrics-only log-batches written in one statement, with long series stored as chunks
   * (`metric_chunks`), and history reads that read chunks too and bound a page's scan.
   */
  readonly metricChunks?: MetricChunkStorage;
  /** Searches ordered by a metric first walk that metric's rank index instead of sorting. */
  readonly metricRankSearch?: MetricRankSearch;
  /**
   * Run searches choose their plan in code, from counts the indexes give cheaply (see
   * `SqlTrackingStore.searchRuns`): a filter whose most selective metric/param/tag clause matches
   * fewer than a few thousand rows is read from that clause and sorted, whatever the order asked.
   * A planner that assumes matches are spread evenly walks the order and probes the clause per run
   * instead, which costs ten times as much at a 1% clause, and more when the matches come late.
   */
  readonly plannedRunSearch?: PlannedRunSearch;
  /**
   * A page of runs reads its params, tags and latest metrics as plain rows, one read of each
   * table for every run of the page, instead of one JSON aggregate per run and table. PostgreSQL:
   * a correlated aggregate is a subplan started per run (three per run), which cost ten times the
   * row reads at 1000 runs a page.
   */
  readonly runDataAsRows?: boolean;
}

/** How a dialect's run searches are planned in code (`DialectFastPaths.plannedRunSearch`). */
export interface PlannedRunSearch {
  /**
   * How the selective clause drives the query: `join`, its rows joined to `runs` with its table
   * as the outer loop (`CROSS JOIN`, which fixes the order on SQLite); `ids`, the run ids it
   * matches read first and bound as a list, whose length the planner then sees (PostgreSQL,
   * which reorders joins by its estimates).
   */
  readonly drive: 'join' | 'ids';
  /**
   * The other clauses (and every clause when none is selective) are per-run probes
   * (`RunFilterForm` 'per-run') and an unfiltered order is walked with `narrow` pages: for
   * planners without value statistics (SQLite), which would otherwise read every match of a
   * broad clause first. False: semi-joins, left to the planner.
   */
  readonly perRunProbes: boolean;
}

/** How the metric-rank search (`SqlTrackingStore.searchRuns`) writes its queries for a dialect. */
export interface MetricRankSearch {
  /**
   * True: the runs that have a numeric value are read with the metric's `(key, value)` index as
   * the outer loop (`latest_metrics CROSS JOIN runs`, which fixes the join order on SQLite) and
   * filters as per-run probes (`RunFilterForm` 'per-run'), so the query stops after a page. For
   * planners without value statistics (SQLite), which otherwise read every run a broad filter
   * matches, then sort them all. False: the planner picks the order from its statistics
   * (PostgreSQL).
   */
  readonly metricIndexFirst: boolean;
}

/**
 * A history layout that stores long series as chunks (PostgreSQL's, in
 * `plugins/postgres/src/dialect/`): its write path for metrics-only log-batches and the pieces of
 * the store's history reads that differ from one row per observation.
 */
export interface MetricChunkStorage {
  /**
   * Appends a metrics-only batch to an active run's history and moves its latest metrics forward,
   * atomically, with the errors of the generic path: RESOURCE_DOES_NOT_EXIST for an unknown run,
   * `runNotActiveError` for a deleted one.
   */
  appendMetrics(db: SqlExecutor, runId: string, metrics: readonly Metric[]): Promise<void>;
  /** The condition picking one series' rows of `metrics`, in the form the dialect's history index serves. */
  rowSeries(runId: SqlFragment, key: SqlFragment): SqlFragment;
  /** One series' chunk points as `value, timestamp, step, is_nan, id` rows, steps within `from..to` (inclusive). */
  chunkPoints(runId: SqlFragment, key: SqlFragment, from?: SqlFragment, to?: SqlFragment): SqlFragment;
  /**
   * A `WITH bound AS (SELECT ... AS b) ` clause: a step `b` at or below which every observation of
   * a history page of `limit` after step `afterStep` lies, read from the indexes, so a page reads
   * about one page of observations however long the history is.
   */
  pageBound(runId: SqlFragment, key: SqlFragment, afterStep: number | undefined, limit: number): SqlFragment;
  /** Sampled history: a scalar, the smallest step of one series (rows and chunks) within `from..to`, or NULL. */
  firstStepInRange(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment): SqlFragment;
  /** Sampled history: a scalar, the largest step of one series (rows and chunks) within `from..to`, or NULL. */
  lastStepInRange(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment): SqlFragment;
  /**
   * Sampled history: a scalar, an upper bound of the observations of one series within `from..to`
   * that is exact when at most `limit` (rows counted up to `limit + 1`, chunks that reach into the
   * range counted whole), read from the indexes.
   */
  observationsInRangeBound(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment, limit: number): SqlFragment;
  /**
   * Sampled history: a query over a `t (target)` row source (a CTE the store writes before it)
   * giving, per target, the first observation (rows and chunk points alike, in history order) at
   * the first step at or after the target and at most `to`, as `value, timestamp, step, is_nan, id`.
   * Each target costs index seeks and one chunk read, whatever the series' length.
   */
  firstPointsAtOrAfterTargets(runId: SqlFragment, key: SqlFragment, to: SqlFragment): SqlFragment;
  /** A boolean scalar: whether two chunks of one series within `from..to` share a step range (the seeks above are exact only when none do). */
  chunksOverlap(runId: SqlFragment, key: SqlFragment, from: SqlFragment, to: SqlFragment): SqlFragment;
  /** A statement removing every chunk of one series (a purge), in the form the chunk index serves. */
  deleteSeriesChunks(runId: SqlFragment, key: SqlFragment): SqlFragment;
}
