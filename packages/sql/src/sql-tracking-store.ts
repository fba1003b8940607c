import { randomUUID } from 'node:crypto';
import type {
  CreateExperimentInput,
  DatasetInput,
  Experiment,
  ExperimentQuery,
  ExperimentTag,
  FilterAst,
  Metric,
  MetricHistoryIntervalInput,
  NewRun,
  Page,
  Param,
  Run,
  RunDataBatch,
  RunInfo,
  RunMetric,
  RunQuery,
  RunTag,
  TrackingPersistence,
  UpdateRunInput,
  ViewType,
} from '@orrery/core';
import {
  DEFAULT_EXPERIMENT_NAME,
  LIMITS,
  LOGGED_MODELS_TAG,
  RUN_NAME_TAG,
  appendToModelHistory,
  errors,
  persistenceErrors,
  experimentNotActiveError,
  runNotActiveError,
  isOrreryError,
  sampleSortedHistory,
  stepSampleTargets,
} from '@orrery/core';
import type { SortKey } from './keyset.js';
import { keysetAfter, makeKeysetToken, orderByKeys, queryFingerprint, readKeysetToken } from './keyset.js';
import { migrate } from './migrations.js';
import { SqlTrackingRestore } from './sql-tracking-restore.js';
import type { CompiledOrder } from './search-compiler.js';
import type { RunFilterForm } from './search-compiler.js';
import {
  compileExperimentFilter,
  compileExperimentOrder,
  compileRunFilter,
  compileRunOrder,
  runClauseMatchCount,
  runClauseRows,
} from './search-compiler.js';
import type { MetricChunkStorage } from './sql-dialect.js';
import { readSearchRows, type SqlExecutor, type StreamColumnType } from './sql-executor.js';
import type { SqlFragment } from './sql-fragment.js';
import { byDialect, joinSql, sql, sqlList, trustedSql } from './sql-fragment.js';
import type { DatasetInputRow, ExperimentRow, MetricRow, RunRow } from './tracking-rows.js';
import { LATEST_METRIC_UPSERT, RUN_ID_PATTERN, encodeMetricValue, isLaterMetric, toDatasetInput, toExperiment, toMetric, toRunInfo } from './tracking-rows.js';

export interface SqlTrackingStoreOptions {
  /** Where new experiments put their artifacts: `<defaultArtifactRoot>/<experiment id>`. */
  defaultArtifactRoot: string;
}

const RUN_COLUMNS = trustedSql(
  'r.run_uuid, r.name, r.experiment_id, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage',
);
const EXPERIMENT_COLUMNS = trustedSql(
  'e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time',
);
const METRIC_COLUMNS = ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'] as const;

/**
 * Appends the observations as rows, then moves latest_metrics forward once per key. Batches that
 * also carry params or tags take this path in their transaction (on PostgreSQL too: chunks are
 * the metrics-only statement's), and so does every SQLite write and every restored history.
 */
export async function insertMetricRows(db: SqlExecutor, runId: string, metrics: readonly Metric[]): Promise<void> {
  const rows: unknown[][] = new Array(metrics.length);
  const latest = new Map<string, Metric>();
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i]!;
    const [value, isNan] = encodeMetricValue(m.value);
    rows[i] = [runId, m.key, value, m.timestamp, m.step, isNan];
    const current = latest.get(m.key);
    if (!current || isLaterMetric(m, current)) latest.set(m.key, m);
  }
  await db.insertMany('metrics', METRIC_COLUMNS, rows);
  const latestRows = [...latest.values()].map((m) => {
    const [value, isNan] = encodeMetricValue(m.value);
    return [runId, m.key, value, m.timestamp, m.step, isNan];
  });
  await db.insertMany('latest_metrics', METRIC_COLUMNS, latestRows, LATEST_METRIC_UPSERT);
}

/** Links dataset inputs to a run, describing each dataset in its experiment once (the first description stays). */
export async function insertDatasetInputs(tx: SqlExecutor, experimentId: number, runId: string, datasets: readonly DatasetInput[]): Promise<void> {
  for (const input of datasets) {
    const d = input.dataset;
    let datasetUuid = (
      await tx.get<{ dataset_uuid: string }>(
        sql`SELECT dataset_uuid FROM datasets WHERE experiment_id = ${experimentId} AND name = ${d.name} AND digest = ${d.digest}`,
      )
    )?.dataset_uuid;
    if (!datasetUuid) {
      datasetUuid = randomUUID().replace(/-/g, '');
      await tx.run(
        sql`INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile)
            VALUES (${datasetUuid}, ${experimentId}, ${d.name}, ${d.digest}, ${d.sourceType}, ${d.source}, ${d.schema ?? null}, ${d.profile ?? null})`,
      );
    }
    const existing = await tx.get<{ input_uuid: string }>(
      sql`SELECT input_uuid FROM inputs WHERE source_type = 'DATASET' AND source_id = ${datasetUuid}
          AND destination_type = 'RUN' AND destination_id = ${runId}`,
    );
    if (existing) continue;
    const inputUuid = randomUUID().replace(/-/g, '');
    await tx.run(
      sql`INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id)
          VALUES (${inputUuid}, 'DATASET', ${datasetUuid}, 'RUN', ${runId})`,
    );
    const tagRows = new Map((input.tags ?? []).map((t) => [t.key, t.value]));
    if (tagRows.size > 0) {
      await tx.insertMany(
        'input_tags',
        ['input_uuid', 'name', 'value'],
        [...tagRows].map(([k, v]) => [inputUuid, k, v]),
      );
    }
  }
}

/**
 * Every observation of one series, as `value, timestamp, step, is_nan, id` rows in no particular
 * order: the rows of `metrics`, and where the dialect stores long series as chunks
 * (`fastPaths.metricChunks`), their points too. `from` and `to` bound the steps (inclusive).
 * The series condition takes the form the dialect's history index serves.
 */
function seriesPoints(chunks: MetricChunkStorage | undefined, runId: SqlFragment, key: SqlFragment, from?: SqlFragment, to?: SqlFragment): SqlFragment {
  const atLeast = from ? sql` AND step >= ${from}` : sql``;
  const atMost = to ? sql` AND step <= ${to}` : sql``;
  const series = chunks ? chunks.rowSeries(runId, key) : sql`run_uuid = ${runId} AND key = ${key}`;
  const rows = sql`SELECT value, timestamp, step, is_nan, id FROM metrics WHERE ${series}${atLeast}${atMost}`;
  return chunks ? sql`${rows}
      UNION ALL
      ${chunks.chunkPoints(runId, key, from, to)}` : rows;
}

function viewCondition(column: SqlFragment, viewType: ViewType): SqlFragment {
  switch (viewType) {
    case 'ACTIVE_ONLY':
      return sql`${column} = 'active'`;
    case 'DELETED_ONLY':
      return sql`${column} = 'deleted'`;
    case 'ALL':
      return sql`1 = 1`;
  }
}

/** Aggregates a group's `key, value` columns into one JSON array of pairs. */
const keyValuePairs = byDialect({
  sqlite: sql`json_group_array(json_array(key, value))`,
  // Ordered by key, as SQLite returns them (its tables are clustered by primary key).
  postgres: sql`json_agg(json_build_array(key, value) ORDER BY key)`,
});

/**
 * Latest metrics of a group as JSON `[key, value-as-text, timestamp, step, is_nan]` tuples. The
 * value travels as text printed with 17 significant digits (SQLite) or PostgreSQL's shortest exact
 * form, because a JSON number would be rounded to 15 digits by SQLite.
 */
const metricTuples = byDialect({
  sqlite: sql`json_group_array(json_array(key, printf('%!.17g', value), timestamp, step, is_nan))`,
  postgres: sql`json_agg(json_build_array(key, CAST(value AS TEXT), timestamp, step, is_nan) ORDER BY key)`,
});
type MetricTuple = [string, string, number, number, number];

/** History order, which is also the keyset of its pages: (step, timestamp, is_nan, value, id). */
const HISTORY_KEYS: SortKey[] = ['step', 'timestamp', 'is_nan', 'value', 'id'].map((c) => ({ expr: trustedSql(c), ascending: true }));
type HistoryCursor = [number, number, number, number, number];
/** How a page's `value, timestamp, step, is_nan, id` columns are decoded by a streamed read. */
const HISTORY_COLUMN_TYPES: StreamColumnType[] = ['float8', 'int8', 'int8', 'int4', 'int8'];

/** One row of a history page as the SQLite driver returns it (the key is the one asked for). */
interface HistoryRow {
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
  id: number;
}

/**
 * One page of history, column by column (a page is up to 25,000 rows: no object per row until the
 * caller asks for metrics). The cursor of any row can be read without building the page's metrics,
 * so the next page can be requested first.
 */
class HistoryPage {
  private constructor(
    private readonly values: readonly number[],
    private readonly timestamps: readonly number[],
    private readonly steps: readonly number[],
    private readonly nans: readonly number[],
    private readonly ids: readonly number[],
  ) {}

  get count(): number {
    return this.values.length;
  }

  static fromRows(rows: readonly HistoryRow[]): HistoryPage {
    return new HistoryPage(
      rows.map((r) => r.value),
      rows.map((r) => r.timestamp),
      rows.map((r) => r.step),
      rows.map((r) => r.is_nan),
      rows.map((r) => r.id),
    );
  }

  /** Columns in `HISTORY_COLUMN_TYPES` order, as `SqlExecutor.streamColumns` yields them (batches concatenated). */
  static fromColumns(batches: readonly (readonly number[][])[]): HistoryPage {
    const column = (c: number): number[] => (batches.length === 1 ? batches[0]![c]! : batches.flatMap((batch) => batch[c]!));
    return new HistoryPage(column(0), column(1), column(2), column(3), column(4));
  }

  /** The keyset cursor of row `index` (0-based). */
  cursorAt(index: number): HistoryCursor {
    return [this.steps[index]!, this.timestamps[index]!, this.nans[index]!, this.values[index]!, this.ids[index]!];
  }

  /** The first `limit` rows as metrics named `key`. */
  metrics(key: string, limit: number): Metric[] {
    return metricsFromColumns(key, this.values, this.timestamps, this.steps, this.nans, Math.min(this.values.length, limit));
  }
}

/** The first `count` history rows held column by column, as metrics named `key` (NaN is stored as 0 with is_nan set). */
function metricsFromColumns(
  key: string,
  values: readonly number[],
  timestamps: readonly number[],
  steps: readonly number[],
  nans: readonly number[],
  count: number,
): Metric[] {
  const items: Metric[] = new Array(count);
  for (let i = 0; i < count; i++) {
    items[i] = { key, value: nans[i] === 1 ? NaN : values[i]!, timestamp: timestamps[i]!, step: steps[i]! };
  }
  return items;
}

/** Reads a double printed by `metricTuples` (SQLite prints infinities as `Inf`, PostgreSQL as `Infinity`). */
function parseExactDouble(text: string): number {
  if (text === 'Inf' || text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Drivers return the aggregate as JSON text (SQLite) or already parsed (`pg` parses json). */
function parsePairs(value: string | [string, string][] | null): [string, string][] {
  if (value === null) return [];
  return typeof value === 'string' ? (JSON.parse(value) as [string, string][]) : value;
}

function selectKeys(keys: readonly SortKey[]): SqlFragment {
  return joinSql(keys.map((k, i) => sql`${k.expr} AS ${trustedSql(`s${i}`)}`));
}

function cursorOf(row: Record<string, unknown>, keyCount: number): unknown[] {
  return Array.from({ length: keyCount }, (_, i) => row[`s${i}`]);
}

/**
 * The tracking persistence port on any SQL database the shared layer speaks (SQLite,
 * PostgreSQL): one schema, one set of queries, dialect differences confined to the fragment
 * renderer, the migrations and the executor. MLflow's rules are core's `TrackingService`, which
 * sits in front of this port. Every write runs in a transaction that first checks the run or
 * experiment it touches, so a rejected call has written nothing.
 */
export class SqlTrackingStore implements TrackingPersistence {
  readonly port = 'tracking' as const;
  readonly restore: SqlTrackingRestore;
  private readonly db: SqlExecutor;
  private readonly artifactRoot: string;

  constructor(executor: SqlExecutor, options: SqlTrackingStoreOptions) {
    this.db = executor;
    this.restore = new SqlTrackingRestore(executor);
    this.artifactRoot = options.defaultArtifactRoot.replace(/\/+$/, '');
  }

  /**
   * Migrates the schema, makes sure the Default experiment exists, and returns the store. Takes
   * ownership of the executor (closed by `close`).
   */
  static async open(executor: SqlExecutor, options: SqlTrackingStoreOptions): Promise<SqlTrackingStore> {
    const store = new SqlTrackingStore(executor, options);
    await migrate(executor);
    await store.ensureDefaultExperiment();
    return store;
  }

  /** Creates experiment 0 ("Default") unless it exists. */
  async ensureDefaultExperiment(): Promise<void> {
    const now = Date.now();
    await this.db.run(
      sql`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
          VALUES (0, ${DEFAULT_EXPERIMENT_NAME}, ${`${this.artifactRoot}/0`}, 'active', ${now}, ${now})
          ON CONFLICT DO NOTHING`,
    );
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // ---- experiments ----

  async createExperiment(input: CreateExperimentInput): Promise<string> {
    const tags = input.tags ?? [];
    const name = input.name;
    try {
      return await this.db.transaction(async (tx) => {
        const existing = await tx.get(sql`SELECT experiment_id FROM experiments WHERE name = ${name}`);
        if (existing) throw persistenceErrors.experimentNameTaken(name);
        const now = Date.now();
        const row = await tx.get<{ experiment_id: number | string }>(
          sql`INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)
              VALUES (${name}, ${input.artifactLocation ?? ''}, 'active', ${now}, ${now}) RETURNING experiment_id`,
        );
        const id = String(row!.experiment_id);
        if (!input.artifactLocation) {
          await tx.run(
            sql`UPDATE experiments SET artifact_location = ${`${this.artifactRoot}/${id}`} WHERE experiment_id = ${Number(id)}`,
          );
        }
        await this.upsertExperimentTags(tx, Number(id), tags);
        return id;
      });
    } catch (error) {
      if (!isOrreryError(error) && this.db.isUniqueViolation(error)) {
        throw persistenceErrors.experimentNameTaken(name);
      }
      throw error;
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const row = await this.requireExperiment(this.db, experimentId);
    const [experiment] = await this.loadExperiments(this.db, [row]);
    return experiment!;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    const row = await this.db.get<ExperimentRow>(sql`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.name = ${name}`);
    if (!row) return null;
    const [experiment] = await this.loadExperiments(this.db, [row]);
    return experiment!;
  }

  async searchExperiments(input: ExperimentQuery): Promise<Page<Experiment>> {
    const { viewType, maxResults, filterAst: filter } = input;
    const keys = compileExperimentOrder(input.orderByTerms);
    const fingerprint = queryFingerprint(['experiments', input.filter ?? '', input.orderBy ?? [], viewType]);
    const after = input.pageToken
      ? keysetAfter(keys, readKeysetToken(input.pageToken, fingerprint, keys.length))
      : sql`1 = 1`;
    const rows = await readSearchRows<ExperimentRow & Record<string, unknown>>(
      this.db,
      sql`SELECT ${EXPERIMENT_COLUMNS}, ${selectKeys(keys)} FROM experiments e
          WHERE ${viewCondition(trustedSql('e.lifecycle_stage'), viewType)} AND ${compileExperimentFilter(filter)} AND ${after}
          ORDER BY ${orderByKeys(keys)} LIMIT ${maxResults + 1}`,
    );
    const pageRows = rows.slice(0, maxResults);
    const items = await this.loadExperiments(this.db, pageRows);
    const last = pageRows[pageRows.length - 1];
    return rows.length > maxResults && last
      ? { items, nextPageToken: makeKeysetToken(fingerprint, cursorOf(last, keys.length)) }
      : { items };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        const row = await this.requireExperiment(tx, experimentId);
        if (row.lifecycle_stage !== 'active') {
          throw experimentNotActiveError(experimentId, 'rename');
        }
        const taken = await tx.get<{ experiment_id: number }>(
          sql`SELECT experiment_id FROM experiments WHERE name = ${newName} AND experiment_id != ${Number(row.experiment_id)}`,
        );
        if (taken) throw persistenceErrors.experimentNameTaken(newName);
        await tx.run(
          sql`UPDATE experiments SET name = ${newName}, last_update_time = ${Date.now()} WHERE experiment_id = ${Number(row.experiment_id)}`,
        );
      });
    } catch (error) {
      if (!isOrreryError(error) && this.db.isUniqueViolation(error)) {
        throw persistenceErrors.experimentNameTaken(newName);
      }
      throw error;
    }
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireExperiment(tx, experimentId);
      if (row.lifecycle_stage === 'deleted') return;
      const id = Number(row.experiment_id);
      const now = Date.now();
      await tx.run(sql`UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ${now} WHERE experiment_id = ${id}`);
      await tx.run(
        sql`UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ${now}, deleted_with_experiment = 1
            WHERE experiment_id = ${id} AND lifecycle_stage = 'active'`,
      );
    });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireExperiment(tx, experimentId);
      if (row.lifecycle_stage === 'active') return;
      const id = Number(row.experiment_id);
      await tx.run(sql`UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ${Date.now()} WHERE experiment_id = ${id}`);
      await tx.run(
        sql`UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL, deleted_with_experiment = 0
            WHERE experiment_id = ${id} AND deleted_with_experiment = 1`,
      );
    });
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireActiveExperiment(tx, experimentId);
      await this.upsertExperimentTags(tx, Number(row.experiment_id), [tag]);
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireActiveExperiment(tx, experimentId);
      const result = await tx.run(
        sql`DELETE FROM experiment_tags WHERE experiment_id = ${Number(row.experiment_id)} AND key = ${key}`,
      );
      if (result.changes === 0) {
        throw persistenceErrors.experimentTagNotFound(experimentId, key);
      }
    });
  }

  // ---- runs ----

  async createRun(input: NewRun): Promise<Run> {
    const { runId, runName } = input;
    return this.db.transaction(async (tx) => {
      const experiment = await this.requireExperiment(tx, input.experimentId);
      if (experiment.lifecycle_stage !== 'active') {
        throw experimentNotActiveError(input.experimentId, 'create a run in');
      }
      const artifactUri = `${experiment.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`;
      await tx.run(
        sql`INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
            VALUES (${runId}, ${runName}, ${Number(experiment.experiment_id)}, ${input.userId}, 'RUNNING',
                    ${input.startTime}, NULL, ${artifactUri}, 'active')`,
      );
      await this.upsertRunTags(tx, runId, input.tags);
      const row = await this.requireRun(tx, runId);
      const [run] = await this.loadRuns(tx, [row]);
      return run!;
    });
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    return this.db.transaction(async (tx) => {
      await this.requireActiveRun(tx, runId);
      const sets: SqlFragment[] = [];
      if (input.status) sets.push(sql`status = ${input.status}`);
      if (input.endTime !== undefined && input.endTime !== null) sets.push(sql`end_time = ${input.endTime}`);
      if (input.runName) sets.push(sql`name = ${input.runName}`);
      if (sets.length > 0) await tx.run(sql`UPDATE runs SET ${joinSql(sets)} WHERE run_uuid = ${runId}`);
      if (input.runName) await this.upsertRunTags(tx, runId, [{ key: RUN_NAME_TAG, value: input.runName }]);
      return toRunInfo(await this.requireRun(tx, runId));
    });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, runId);
      await tx.run(
        sql`UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ${Date.now()}, deleted_with_experiment = 0 WHERE run_uuid = ${runId}`,
      );
    });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, runId);
      await tx.run(
        sql`UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL, deleted_with_experiment = 0 WHERE run_uuid = ${runId}`,
      );
    });
  }

  async getRun(runId: string): Promise<Run> {
    const row = await this.requireRun(this.db, runId);
    const [run] = await this.loadRuns(this.db, [row]);
    return run!;
  }

  async searchRuns(input: RunQuery): Promise<Page<Run>> {
    const { runViewType: viewType, maxResults, filterAst: filter } = input;
    const experimentIds = input.experimentIds.map(Number);
    const order = compileRunOrder(input.orderByTerms);
    const fingerprint = queryFingerprint(['runs', [...experimentIds].sort(), input.filter ?? '', input.orderBy ?? [], viewType]);
    // The token is checked even when there is nothing to search, so a bad token is always refused.
    const cursor = input.pageToken ? readKeysetToken(input.pageToken, fingerprint, order.keys.length) : undefined;
    const after = cursor ? keysetAfter(order.keys, cursor) : sql`1 = 1`;
    if (experimentIds.length === 0) return { items: [] };
    // One experiment (the usual case) compares with `=`, so the (experiment_id, lifecycle_stage,
    // start_time) index can also deliver the default start_time order and stop after one page.
    const inExperiments =
      experimentIds.length === 1 ? sql`r.experiment_id = ${experimentIds[0]}` : sql`r.experiment_id IN ${sqlList(experimentIds, 'bigint')}`;
    const scope = sql`${inExperiments}
            AND ${viewCondition(trustedSql('r.lifecycle_stage'), viewType)}`;
    const { fastPaths } = this.db.dialect;
    const rankSearch = fastPaths.metricRankSearch;
    const planned = fastPaths.plannedRunSearch;
    // Planned in code (`fastPaths.plannedRunSearch`): read from the most selective clause when it
    // matches few rows, else (and on other dialects) the order's plan.
    const driving = planned ? await this.selectiveClause(filter, maxResults, planned.drive) : undefined;
    const otherForm: RunFilterForm = planned?.perRunProbes ? 'per-run' : 'semi-join';
    const others = compileRunFilter({ ...filter, clauses: filter.clauses.filter((_, i) => i !== driving?.index) }, otherForm);
    let rows: Array<RunRow & Record<string, unknown>>;
    if (driving?.ids) {
      rows = driving.ids.length === 0 ? [] : await this.searchRunsInOrder(order, sql`r.run_uuid IN ${sqlList(driving.ids)} AND ${scope} AND ${others}`, after, maxResults + 1);
    } else if (driving) {
      rows = await readSearchRows<RunRow & Record<string, unknown>>(
        this.db,
        sql`SELECT ${RUN_COLUMNS}, ${selectKeys(order.keys)} FROM ${driving.rows.from} CROSS JOIN runs r${order.joins}
            WHERE ${driving.rows.where} AND r.run_uuid = d.run_uuid AND ${scope} AND ${others} AND ${after}
            ORDER BY ${orderByKeys(order.keys)} LIMIT ${maxResults + 1}`,
      );
    } else if (rankSearch && order.leadingMetric) {
      const where = sql`${scope} AND ${others}`;
      const perRunWhere = rankSearch.metricIndexFirst ? sql`${scope} AND ${compileRunFilter(filter, 'per-run')}` : undefined;
      rows = await this.searchRunsByMetricRank(order, where, cursor, maxResults + 1, perRunWhere);
    } else {
      rows = await this.searchRunsInOrder(order, sql`${scope} AND ${others}`, after, maxResults + 1, planned?.perRunProbes === true);
    }
    const pageRows = rows.slice(0, maxResults);
    const items = await this.loadRuns(this.db, pageRows);
    const last = pageRows[pageRows.length - 1];
    return rows.length > maxResults && last
      ? { items, nextPageToken: makeKeysetToken(fingerprint, cursorOf(last, order.keys.length)) }
      : { items };
  }

  /**
   * The generic search: every run matching `where`, sorted by the order's keys, one page of
   * `limit` after the cursor. `narrow` (planned searches) picks the page by run id and sort keys
   * first, then reads the page's rows: a walk that checks the run's name, start time or stage then
   * reads them from the `runs` indexes alone, not a whole row per run it passes (SQLite reads the
   * row of a WITHOUT ROWID table as soon as it visits an index entry, unless the query needs
   * nothing else).
   */
  private searchRunsInOrder(
    order: CompiledOrder,
    where: SqlFragment,
    after: SqlFragment,
    limit: number,
    narrow = false,
  ): Promise<Array<RunRow & Record<string, unknown>>> {
    const walk = sql`FROM runs r${order.joins} WHERE ${where} AND ${after} ORDER BY ${orderByKeys(order.keys)} LIMIT ${limit}`;
    if (!narrow) return readSearchRows<RunRow & Record<string, unknown>>(this.db, sql`SELECT ${RUN_COLUMNS}, ${selectKeys(order.keys)} ${walk}`);
    const pageKeys = order.keys.map((key, i) => ({ expr: trustedSql(`k.s${i}`), ascending: key.ascending }));
    return readSearchRows<RunRow & Record<string, unknown>>(
      this.db,
      sql`SELECT ${RUN_COLUMNS}, ${selectKeys(pageKeys)}
          FROM (SELECT r.run_uuid AS page_run, ${selectKeys(order.keys)} ${walk}) k CROSS JOIN runs r
          WHERE r.run_uuid = k.page_run ORDER BY ${orderByKeys(pageKeys)}`,
    );
  }

  /**
   * The position of the filter's most selective metric/param/tag clause when it matches fewer
   * rows than reading them all and sorting costs (a few thousand, counted from its index up to
   * that cap), else undefined: then a walk in the order asked finds a page after a few thousand
   * runs at most, however many the filter matches. Only clauses with a `(key, value)` index are
   * counted; the counts run where searches run (`readSearchRows`), as a LIKE can make them slow.
   */
  private async selectiveClause(
    filter: FilterAst,
    maxResults: number,
    drive: 'join' | 'ids',
  ): Promise<{ index: number; rows: { from: SqlFragment; where: SqlFragment }; ids?: string[] } | undefined> {
    const cap = 2000 + maxResults;
    let best: { index: number; count: number; ids?: string[] } | undefined;
    for (const [index, clause] of filter.clauses.entries()) {
      let count: number;
      let ids: string[] | undefined;
      if (drive === 'ids') {
        const rows = runClauseRows(clause, 'c');
        if (rows === undefined) continue;
        ids = (await readSearchRows<{ run_uuid: string }>(this.db, sql`SELECT c.run_uuid FROM ${rows.from} WHERE ${rows.where} LIMIT ${cap}`)).map((r) => r.run_uuid);
        count = ids.length;
      } else {
        const query = runClauseMatchCount(clause, cap);
        if (query === undefined) continue;
        const [row] = await readSearchRows<{ n: number | string }>(this.db, query);
        count = Number(row?.n ?? 0);
      }
      if (count < cap && (best === undefined || count < best.count)) best = { index, count, ...(ids ? { ids } : {}) };
    }
    // Read as `d`, joined to the run by `d.run_uuid` (see `runClauseRows`), or by the ids read.
    return best && { index: best.index, rows: runClauseRows(filter.clauses[best.index]!, 'd')!, ...(best.ids ? { ids: best.ids } : {}) };
  }

  /**
   * Fast path for searches ordered first by a metric (`fastPaths.metricRankSearch`). The generic
   * query sorts every matching run by `(rank, value, ...)`, where the rank (value, NaN, missing)
   * is a CASE over a LEFT JOIN: no index can deliver that order, so a page of 100 out of 100k runs
   * sorts them all. Here the three ranks are read one after another, each in an order an index can
   * deliver: runs with a numeric value by `latest_metrics (key, value)` (walked in order, stopping
   * after the page), then runs whose value is NaN (stored as value 0, so the same index finds
   * them), then runs without the metric, until the page is full. The rows, their sort keys and
   * page tokens are exactly those of the generic query.
   *
   * `perRunWhere` (dialects with `metricIndexFirst`) is the same condition with per-run filter
   * probes: the two ranks read from the metric's index are written with that index as the outer
   * loop (`latest_metrics o0 CROSS JOIN runs r`), so a planner without value statistics neither
   * starts from every run of the experiment nor from every run a broad filter matches.
   */
  private async searchRunsByMetricRank(
    order: CompiledOrder,
    where: SqlFragment,
    cursor: Array<string | number | null> | undefined,
    limit: number,
    perRunWhere: SqlFragment | undefined,
  ): Promise<Array<RunRow & Record<string, unknown>>> {
    const metric = order.leadingMetric!;
    const rest = order.keys.slice(2);
    const rows: Array<RunRow & Record<string, unknown>> = [];
    const firstRank = cursor ? Number(cursor[0]) : 0;
    for (let rank = firstRank; rank <= 2 && rows.length < limit; rank++) {
      const keys: SortKey[] = rank === 0 ? [{ expr: sql`o0.value`, ascending: metric.ascending }, ...rest] : rest;
      const after =
        cursor && rank === firstRank ? keysetAfter(keys, rank === 0 ? [cursor[1] ?? null, ...cursor.slice(2)] : cursor.slice(2)) : sql`1 = 1`;
      const valued = rank === 0 ? sql`o0.is_nan = 0` : sql`o0.is_nan = 1 AND o0.value = 0`;
      let from: SqlFragment;
      let condition: SqlFragment;
      if (rank === 2) {
        from = sql`runs r LEFT JOIN latest_metrics o0 ON o0.run_uuid = r.run_uuid AND o0.key = ${metric.key}`;
        condition = sql`${where} AND o0.run_uuid IS NULL`;
      } else if (perRunWhere) {
        from = sql`latest_metrics o0 CROSS JOIN runs r`;
        condition = sql`o0.key = ${metric.key} AND ${valued} AND r.run_uuid = o0.run_uuid AND ${perRunWhere}`;
      } else {
        from = sql`runs r JOIN latest_metrics o0 ON o0.run_uuid = r.run_uuid AND o0.key = ${metric.key} AND ${valued}`;
        condition = where;
      }
      const found = await readSearchRows<RunRow & Record<string, unknown>>(
        this.db,
        sql`SELECT ${RUN_COLUMNS}, ${selectKeys(order.keys)} FROM ${from}${metric.otherJoins}
            WHERE ${condition} AND ${after}
            ORDER BY ${orderByKeys(keys)} LIMIT ${limit - rows.length}`,
      );
      rows.push(...found);
    }
    return rows;
  }

  // ---- logging ----

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireActiveRun(tx, runId);
      const result = await tx.run(sql`DELETE FROM tags WHERE run_uuid = ${runId} AND key = ${key}`);
      if (result.changes === 0) throw persistenceErrors.runTagNotFound(runId, key);
    });
  }

  async logBatch(runId: string, batch: RunDataBatch): Promise<void> {
    const metricsOnly = batch.metrics.length > 0 && batch.params.length === 0 && batch.tags.length === 0;
    const chunked = this.db.dialect.fastPaths.metricChunks;
    if (metricsOnly && chunked) return chunked.appendMetrics(this.db, runId, batch.metrics);
    await this.db.transaction(async (tx) => {
      await this.requireActiveRun(tx, runId);
      if (batch.params.length > 0) await this.insertParams(tx, runId, batch.params);
      if (batch.tags.length > 0) await this.upsertRunTags(tx, runId, batch.tags);
      if (batch.metrics.length > 0) await insertMetricRows(tx, runId, batch.metrics);
    });
  }

  /**
   * The read-modify-write of the history tag under the run's row lock: the first statement is an
   * update of the run's row (a no-op change), which PostgreSQL makes concurrent callers wait on
   * until this transaction ends (SQLite holds its one write lock already), so the tag read after
   * it sees every model logged before and none is lost.
   */
  async appendLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const locked = await tx.get<{ lifecycle_stage: string }>(
        sql`UPDATE runs SET lifecycle_stage = lifecycle_stage WHERE run_uuid = ${runId} RETURNING lifecycle_stage`,
      );
      if (!locked) throw persistenceErrors.runNotFound(runId);
      if (locked.lifecycle_stage !== 'active') throw runNotActiveError(runId);
      const previous = await tx.get<{ value: string }>(sql`SELECT value FROM tags WHERE run_uuid = ${runId} AND key = ${LOGGED_MODELS_TAG}`);
      await this.upsertRunTags(tx, runId, [{ key: LOGGED_MODELS_TAG, value: appendToModelHistory(previous?.value, model) }]);
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      const run = await this.requireActiveRun(tx, runId);
      await insertDatasetInputs(tx, Number(run.experiment_id), runId, datasets);
    });
  }

  // ---- reading ----

  async getMetricHistory(runId: string, metricKey: string, input: { maxResults: number; pageToken?: string }): Promise<Page<Metric>> {
    const { maxResults } = input;
    await this.requireRun(this.db, runId);
    const fingerprint = queryFingerprint(['history', runId, metricKey]);
    const cursor = input.pageToken ? (readKeysetToken(input.pageToken, fingerprint, HISTORY_KEYS.length) as HistoryCursor) : undefined;
    const page = await this.readHistoryPage(runId, metricKey, cursor, maxResults + 1);
    const items = page.metrics(metricKey, maxResults);
    const last = page.count > maxResults ? page.cursorAt(maxResults - 1) : undefined;
    return last ? { items, nextPageToken: makeKeysetToken(fingerprint, last) } : { items };
  }

  /**
   * The whole history, page after page, for callers that want all of it (the server's unpaged
   * get-history). The next page is asked for as soon as the current one has arrived, before it is
   * decoded, so the database reads page n + 1 while this process decodes and the caller writes
   * page n. Memory holds about two pages.
   */
  async *streamMetricHistory(runId: string, metricKey: string): AsyncGenerator<Metric[]> {
    await this.requireRun(this.db, runId);
    if (this.db.streamColumns) {
      // One statement for the whole history (one snapshot, no per-page planning or cursor bounds),
      // read as the driver's fast stream (PostgreSQL: binary COPY).
      const batches = this.db.streamColumns(
        sql`SELECT value, timestamp, step, is_nan FROM (${seriesPoints(this.db.dialect.fastPaths.metricChunks, sql`${runId}`, sql`${metricKey}`)}) h
            ORDER BY step, timestamp, is_nan, value, id`,
        ['float8', 'int8', 'int8', 'int4'],
      );
      for await (const [values, timestamps, steps, nans] of batches as AsyncIterable<[number[], number[], number[], number[]]>) {
        yield metricsFromColumns(metricKey, values, timestamps, steps, nans, values.length);
      }
      return;
    }
    const size = LIMITS.metricHistory.maxResults;
    let pending: Promise<HistoryPage> | undefined = this.readHistoryPage(runId, metricKey, undefined, size);
    while (pending) {
      const page: HistoryPage = await pending;
      pending = page.count === size ? this.readHistoryPage(runId, metricKey, page.cursorAt(size - 1), size) : undefined;
      // If the consumer stops early, nobody awaits the read in flight: keep its failure quiet.
      pending?.catch(() => undefined);
      if (page.count > 0) yield page.metrics(metricKey, size);
    }
  }

  /**
   * Up to `limit` observations after `cursor`, in history order. The redundant `step >=` bound
   * lets the index range-scan from the cursor on.
   *
   * A dialect that stores chunks (`fastPaths.metricChunks`) also gives an upper step bound `b`
   * read from its indexes (`pageBound`), so a page reads about one page of observations however
   * long the history is. Chunks that reach the cursor's step (they may hold later points) and
   * start at or below `b` are then unnested, and the page is the first `limit` of their points and
   * rows after the cursor.
   */
  private async readHistoryPage(runId: string, metricKey: string, cursor: HistoryCursor | undefined, limit: number): Promise<HistoryPage> {
    const run = sql`${runId}`;
    const key = sql`${metricKey}`;
    const after = cursor ? keysetAfter(HISTORY_KEYS, cursor) : sql`1 = 1`;
    const chunks = this.db.dialect.fastPaths.metricChunks;
    const bound = chunks ? chunks.pageBound(run, key, cursor?.[0], limit) : sql``;
    const page = sql`${bound}SELECT value, timestamp, step, is_nan, id
          FROM (${seriesPoints(chunks, run, key, cursor ? sql`${cursor[0]}` : undefined, chunks ? sql`(SELECT b FROM bound)` : undefined)}) h
          WHERE ${after} ORDER BY step, timestamp, is_nan, value, id LIMIT ${limit}`;
    if (!this.db.streamColumns) return HistoryPage.fromRows(await this.db.all<HistoryRow>(page));
    // PostgreSQL: node-postgres decodes rows one text field at a time in JavaScript, which was most
    // of the time of reading a long history; the executor's binary stream decodes each value with
    // one load, and PostgreSQL sends binary values instead of building text or JSON.
    const batches: number[][][] = [];
    for await (const batch of this.db.streamColumns(page, HISTORY_COLUMN_TYPES)) batches.push(batch as number[][]);
    return HistoryPage.fromColumns(batches);
  }

  async getMetricHistoryBulkInterval(input: MetricHistoryIntervalInput & { maxResults: number }): Promise<RunMetric[]> {
    const { maxResults } = input;
    const unique = [...new Set(input.runIds)].sort();
    const found = await this.db.all<{ run_uuid: string }>(
      sql`SELECT run_uuid FROM runs WHERE run_uuid IN ${sqlList(unique)}`,
    );
    if (found.length !== unique.length) {
      const known = new Set(found.map((r) => r.run_uuid));
      const missing = unique.find((id) => !known.has(id));
      throw persistenceErrors.runNotFound(missing);
    }
    const from = input.startStep ?? Number.MIN_SAFE_INTEGER;
    const to = input.endStep ?? Number.MAX_SAFE_INTEGER;
    const points: RunMetric[] = [];
    for (const runId of unique) {
      for (const metric of await this.sampleSeries(runId, input.metricKey, from, to, maxResults)) points.push({ runId, ...metric });
    }
    return points;
  }

  /**
   * One run's sampled history (core's `stepSampleTargets` rule): every observation in `from..to`
   * when there are at most `limit`, else the first observation at the first step at or after
   * each target. Index-bound statements whatever the history's length: a count that stops at
   * `limit + 1` (an upper bound read from the chunk index, where the dialect stores chunks), the
   * first and last step in range, and one seek per target.
   */
  private async sampleSeries(runId: string, metricKey: string, from: number, to: number, limit: number): Promise<Metric[]> {
    const run = sql`${runId}`;
    const key = sql`${metricKey}`;
    const chunks = this.db.dialect.fastPaths.metricChunks;
    const inRange = seriesPoints(chunks, run, key, sql`${from}`, sql`${to}`);
    const counted = await this.db.get<{ n: number | string }>(
      chunks
        ? sql`SELECT ${chunks.observationsInRangeBound(run, key, sql`${from}`, sql`${to}`, limit)} AS n`
        : sql`SELECT COUNT(*) AS n FROM (SELECT step FROM (${inRange}) h LIMIT ${limit + 1}) c`,
    );
    const whole = async (): Promise<Metric[]> => {
      const rows = await this.db.all<Omit<MetricRow, 'key'>>(sql`SELECT value, timestamp, step, is_nan FROM (${inRange}) h ORDER BY step, timestamp, is_nan, value, id`);
      return rows.map((row) => toMetric({ ...row, key: metricKey }));
    };
    if (Number(counted?.n ?? 0) <= limit) return whole();
    // The chunk seeks are exact only while the range's chunks do not overlap; otherwise the
    // whole range is read and sampled in memory by the same rule (rare: out-of-order logging).
    if (chunks && (await this.db.get<{ overlap: boolean }>(sql`SELECT ${chunks.chunksOverlap(run, key, sql`${from}`, sql`${to}`)} AS overlap`))?.overlap) {
      return sampleSortedHistory(await whole(), limit);
    }
    const series = sql`run_uuid = ${run} AND key = ${key}`;
    const bounds = await this.db.get<{ lo: number | string | null; hi: number | string | null }>(
      chunks
        ? sql`SELECT ${chunks.firstStepInRange(run, key, sql`${from}`, sql`${to}`)} AS lo, ${chunks.lastStepInRange(run, key, sql`${from}`, sql`${to}`)} AS hi`
        : sql`SELECT (SELECT MIN(step) FROM metrics WHERE ${series} AND step >= ${from} AND step <= ${to}) AS lo,
                     (SELECT MAX(step) FROM metrics WHERE ${series} AND step >= ${from} AND step <= ${to}) AS hi`,
    );
    if (bounds?.lo === null || bounds?.lo === undefined || bounds.hi === null) return [];
    const hi = Number(bounds.hi);
    const targets = sql`WITH t (target) AS (SELECT * FROM ${sqlList(stepSampleTargets(Number(bounds.lo), hi, limit), 'bigint')} x) `;
    // The generic seek: the id of each target's first observation, then that row by its key.
    const picked = chunks
      ? chunks.firstPointsAtOrAfterTargets(run, key, sql`${hi}`)
      : sql`SELECT m.value, m.timestamp, m.step, m.is_nan, m.id FROM t JOIN metrics m ON m.id = (
          SELECT id FROM metrics WHERE ${series} AND step >= t.target AND step <= ${hi} ORDER BY step, timestamp, is_nan, value, id LIMIT 1)`;
    const rows = await this.db.all<Omit<MetricRow, 'key'> & { id: number | string }>(
      sql`${targets}SELECT * FROM (${picked}) p ORDER BY step, timestamp, is_nan, value, id`,
    );
    // Neighbouring targets can land on the same observation (a gap in the steps): keep it once.
    const metrics: Metric[] = [];
    let previous: string | undefined;
    for (const row of rows) {
      const id = String(row.id);
      if (id !== previous) metrics.push(toMetric({ ...row, key: metricKey }));
      previous = id;
    }
    return metrics;
  }

  // ---- internals ----

  private parseExperimentId(experimentId: string): number {
    if (typeof experimentId !== 'string' || !/^\d{1,18}$/.test(experimentId)) {
      throw persistenceErrors.experimentNotFound(experimentId);
    }
    return Number(experimentId);
  }

  private async requireExperiment(db: SqlExecutor, experimentId: string): Promise<ExperimentRow> {
    const id = this.parseExperimentId(experimentId);
    const row = await db.get<ExperimentRow>(sql`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.experiment_id = ${id}`);
    if (!row) throw persistenceErrors.experimentNotFound(experimentId);
    return row;
  }

  private async requireActiveExperiment(db: SqlExecutor, experimentId: string): Promise<ExperimentRow> {
    const row = await this.requireExperiment(db, experimentId);
    if (row.lifecycle_stage !== 'active') {
      throw experimentNotActiveError(experimentId);
    }
    return row;
  }

  private async requireRun(db: SqlExecutor, runId: string): Promise<RunRow> {
    const row =
      typeof runId === 'string' && RUN_ID_PATTERN.test(runId)
        ? await db.get<RunRow>(sql`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.run_uuid = ${runId}`)
        : undefined;
    if (!row) throw persistenceErrors.runNotFound(runId);
    return row;
  }

  private async requireActiveRun(db: SqlExecutor, runId: string): Promise<RunRow> {
    const row = await this.requireRun(db, runId);
    if (row.lifecycle_stage !== 'active') throw runNotActiveError(runId);
    return row;
  }

  private async upsertExperimentTags(db: SqlExecutor, experimentId: number, tags: readonly ExperimentTag[]): Promise<void> {
    if (tags.length === 0) return;
    const latest = new Map(tags.map((t) => [t.key, t.value]));
    await db.insertMany(
      'experiment_tags',
      ['experiment_id', 'key', 'value'],
      [...latest].map(([k, v]) => [experimentId, k, v]),
      'ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Tags, last value per key winning; the `mlflow.runName` tag also renames the run. */
  private async upsertRunTags(db: SqlExecutor, runId: string, tags: readonly RunTag[]): Promise<void> {
    const latest = new Map(tags.map((t) => [t.key, t.value]));
    await db.insertMany(
      'tags',
      ['run_uuid', 'key', 'value'],
      [...latest].map(([k, v]) => [runId, k, v]),
      'ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value',
    );
    const runName = latest.get(RUN_NAME_TAG);
    if (runName !== undefined) await db.run(sql`UPDATE runs SET name = ${runName} WHERE run_uuid = ${runId}`);
  }

  /**
   * Params are immutable: the whole set is checked against what the run has before anything is
   * written, and a differing value rejects the call naming key, old and new value.
   */
  private async insertParams(db: SqlExecutor, runId: string, params: readonly Param[]): Promise<void> {
    const wanted = new Map(params.map((p) => [p.key, p.value]));
    const existing = await db.all<{ key: string; value: string }>(
      sql`SELECT key, value FROM params WHERE run_uuid = ${runId} AND key IN ${sqlList([...wanted.keys()])}`,
    );
    const conflicts = existing.filter((row) => wanted.get(row.key) !== row.value);
    if (conflicts.length > 0) {
      const details = conflicts
        .map((c) => `key '${c.key}': logged value '${c.value}', new value '${wanted.get(c.key)}'`)
        .join('; ');
      throw errors.invalidParameter(
        `Changing param values is not allowed. Run '${runId}' already has different values for ${details}.`,
      );
    }
    const known = new Set(existing.map((row) => row.key));
    const fresh = [...wanted].filter(([k]) => !known.has(k)).map(([k, v]) => [runId, k, v]);
    if (fresh.length > 0) {
      await db.insertMany('params', ['run_uuid', 'key', 'value'], fresh, 'ON CONFLICT (run_uuid, key) DO NOTHING');
      // PostgreSQL runs transactions concurrently (SQLite serialises them at BEGIN): another one
      // may have inserted one of these keys with another value after the check above, and
      // DO NOTHING kept its value. Reading again (a fresh snapshot once that one committed) catches
      // it, and throwing rolls this call back.
      if (db.dialect.concurrentWriteTransactions) {
        const stored = await db.all<{ key: string; value: string }>(
          sql`SELECT key, value FROM params WHERE run_uuid = ${runId} AND key IN ${sqlList(fresh.map((row) => row[1] as string))}`,
        );
        const changed = stored.find((row) => wanted.get(row.key) !== row.value);
        if (changed) {
          throw errors.invalidParameter(
            `Changing param values is not allowed. Run '${runId}' already has different values for key '${changed.key}': logged value '${changed.value}', new value '${wanted.get(changed.key)}'.`,
          );
        }
      }
    }
  }

  private async loadExperiments(db: SqlExecutor, rows: readonly ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.experiment_id));
    const tagRows = await db.all<{ experiment_id: number | string; key: string; value: string }>(
      sql`SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN ${sqlList(ids, 'bigint')} ORDER BY key`,
    );
    const tags = new Map<string, ExperimentTag[]>();
    for (const t of tagRows) {
      const id = String(t.experiment_id);
      let list = tags.get(id);
      if (!list) tags.set(id, (list = []));
      list.push({ key: t.key, value: t.value });
    }
    return rows.map((row) => toExperiment(row, tags.get(String(row.experiment_id)) ?? []));
  }

  /**
   * Loads params, tags, latest metrics and inputs of many runs. One statement reads the first three
   * for the whole page (a correlated aggregate per run, each one index range) and says which runs
   * have dataset inputs; only then, and only for those, are the inputs read. A page therefore costs
   * two round trips to the database (the search and this), not five: at 100k runs on PostgreSQL
   * the round trips were a third of a search's time.
   */
  private async loadRuns(db: SqlExecutor, rows: readonly RunRow[]): Promise<Run[]> {
    if (rows.length === 0) return [];
    const runs = new Map<string, Run>();
    for (const row of rows) {
      runs.set(row.run_uuid, { info: toRunInfo(row), data: { metrics: [], params: [], tags: [] }, inputs: { datasetInputs: [] } });
    }
    if (db.dialect.fastPaths.runDataAsRows) return this.loadRunsAsRows(db, rows, runs);
    // Params and tags come back as one JSON array of [key, value] pairs per run: a page of 1000
    // runs with 20 params each is 1000 rows instead of 20000, about three times faster to read.
    const loaded = await db.all<{
      run_uuid: string;
      params: string | [string, string][] | null;
      tags: string | [string, string][] | null;
      metrics: string | MetricTuple[] | null;
      has_inputs: number | boolean;
    }>(
      sql`SELECT u.run_uuid,
                 (SELECT ${keyValuePairs} FROM params p WHERE p.run_uuid = u.run_uuid) AS params,
                 (SELECT ${keyValuePairs} FROM tags t WHERE t.run_uuid = u.run_uuid) AS tags,
                 (SELECT ${metricTuples} FROM latest_metrics m WHERE m.run_uuid = u.run_uuid) AS metrics,
                 CASE WHEN EXISTS (SELECT 1 FROM inputs i WHERE i.destination_type = 'RUN' AND i.destination_id = u.run_uuid)
                      THEN 1 ELSE 0 END AS has_inputs
          FROM runs u WHERE u.run_uuid IN ${sqlList(rows.map((r) => r.run_uuid))}`,
    );
    const withInputs: string[] = [];
    for (const row of loaded) {
      const run = runs.get(row.run_uuid);
      if (!run) continue;
      for (const [key, value] of parsePairs(row.params)) run.data.params.push({ key, value });
      for (const [key, value] of parsePairs(row.tags)) run.data.tags.push({ key, value });
      const tuples = row.metrics === null ? [] : typeof row.metrics === 'string' ? (JSON.parse(row.metrics) as MetricTuple[]) : row.metrics;
      for (const [key, value, timestamp, step, isNan] of tuples) {
        run.data.metrics.push(toMetric({ key, value: parseExactDouble(value), timestamp, step, is_nan: isNan }));
      }
      if (Number(row.has_inputs) === 1) withInputs.push(row.run_uuid);
    }
    if (withInputs.length > 0) await this.loadInputs(db, runs, sqlList(withInputs));
    return rows.map((row) => runs.get(row.run_uuid)!);
  }

  /**
   * `loadRuns` for dialects with `fastPaths.runDataAsRows`: each table's rows of the page's runs
   * by one read of its primary key with the list of ids, grouped here.
   */
  private async loadRunsAsRows(db: SqlExecutor, rows: readonly RunRow[], runs: Map<string, Run>): Promise<Run[]> {
    const ids = rows.map((r) => r.run_uuid);
    // One after another: `db` may be one connection (a transaction), which runs one statement at a time.
    const params = await db.all<{ run_uuid: string; key: string; value: string }>(
      sql`SELECT run_uuid, key, value FROM params WHERE run_uuid IN ${sqlList(ids)} ORDER BY run_uuid, key`,
    );
    const tags = await db.all<{ run_uuid: string; key: string; value: string }>(
      sql`SELECT run_uuid, key, value FROM tags WHERE run_uuid IN ${sqlList(ids)} ORDER BY run_uuid, key`,
    );
    const metrics = await db.all<MetricRow & { run_uuid: string }>(
      sql`SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN ${sqlList(ids)} ORDER BY run_uuid, key`,
    );
    const withInputs = await db.all<{ destination_id: string }>(
      sql`SELECT DISTINCT destination_id FROM inputs WHERE destination_type = 'RUN' AND destination_id IN ${sqlList(ids)}`,
    );
    for (const p of params) runs.get(p.run_uuid)?.data.params.push({ key: p.key, value: p.value });
    for (const t of tags) runs.get(t.run_uuid)?.data.tags.push({ key: t.key, value: t.value });
    for (const m of metrics) runs.get(m.run_uuid)?.data.metrics.push(toMetric(m));
    if (withInputs.length > 0) await this.loadInputs(db, runs, sqlList(withInputs.map((i) => i.destination_id)));
    return rows.map((row) => runs.get(row.run_uuid)!);
  }

  /** Dataset inputs (with their tags) of the runs `ids`, added to `runs`. */
  private async loadInputs(db: SqlExecutor, runs: Map<string, Run>, ids: SqlFragment): Promise<void> {
    const inputs = await db.all<DatasetInputRow>(
      sql`SELECT i.input_uuid, i.destination_id AS run_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source,
                 d.dataset_schema, d.dataset_profile
          FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
          WHERE i.destination_type = 'RUN' AND i.source_type = 'DATASET' AND i.destination_id IN ${ids}`,
    );
    if (inputs.length > 0) {
      const inputTags = await db.all<{ input_uuid: string; name: string; value: string }>(
        sql`SELECT t.input_uuid, t.name, t.value FROM input_tags t JOIN inputs i ON i.input_uuid = t.input_uuid
            WHERE i.destination_type = 'RUN' AND i.destination_id IN ${ids}`,
      );
      const byInput = new Map<string, { key: string; value: string }[]>();
      for (const t of inputTags) {
        let list = byInput.get(t.input_uuid);
        if (!list) byInput.set(t.input_uuid, (list = []));
        list.push({ key: t.name, value: t.value });
      }
      for (const input of inputs) {
        runs.get(input.run_uuid)?.inputs.datasetInputs.push(toDatasetInput(input, byInput.get(input.input_uuid) ?? []));
      }
    }
  }
}
