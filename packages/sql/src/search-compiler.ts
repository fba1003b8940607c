import type { Comparison, FilterAst, OrderByTerm, NumericComparator, StringComparator } from '@orrery/core';
import { DATASET_CONTEXT_TAG, errors } from '@orrery/core';
import type { SortKey } from './keyset.js';
import type { SqlFragment } from './sql-fragment.js';
import { byDialect, joinSql, sql, sqlList, trustedSql } from './sql-fragment.js';

/**
 * Compiles the search AST (from core's `parseSearchFilter` / `parseOrderBy`) into SQL fragments.
 * Column names come from the fixed maps below; every key and value from the filter is a bound
 * parameter.
 *
 * LIKE is case-sensitive and ILIKE case-insensitive on both dialects. SQLite's own LIKE ignores
 * ASCII case, so there LIKE is compiled to GLOB: the LIKE pattern is translated in code (`%` to
 * `*`, `_` to `?`, and GLOB's own `*`, `?`, `[` wrapped in brackets so they match literally) and
 * bound as the GLOB pattern. SQLite's LIKE folds ASCII letters only, so ILIKE calls
 * `orrery_ilike(value, pattern)`, a deterministic function the SQLite executor registers on its
 * connection (core's `compareLike`, which folds all Unicode letters). PostgreSQL uses LIKE and
 * ILIKE directly. Neither treats backslash as an escape character (`ESCAPE ''` on PostgreSQL).
 */

/** Name of the SQL function SQLite executors must register for ILIKE: `(value, pattern) -> 0 | 1`. */
export const SQLITE_ILIKE_FUNCTION = trustedSql('orrery_ilike');
export const SQLITE_ILIKE_FUNCTION_NAME = 'orrery_ilike';

/** Translates a SQL LIKE pattern (no escape character) into the equivalent GLOB pattern. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

/**
 * `LIKE 'prefix%'` (one trailing `%`, no other wildcard) as the byte-order range it denotes:
 * `from <= value < below`, where `below` is the prefix with its last code point raised by one (UTF-8
 * byte order is code-point order). PostgreSQL turns such a LIKE into the same range for the index
 * scan, but estimates its selectivity from the LIKE alone, per column; written as a range, the
 * planner can use the `(key, value)` extended statistics (migration 4), which know that the
 * values of one key are not spread over every key's values. A wrong estimate there is the
 * difference between walking runs in order and stopping after a page, and sorting every match.
 * `below` is absent when no code point can be raised (the prefix is all U+10FFFF). Undefined for
 * any other pattern.
 */
export function likePrefixRange(pattern: string): { from: string; below?: string } | undefined {
  if (pattern.length < 2 || !pattern.endsWith('%')) return undefined;
  const from = pattern.slice(0, -1);
  if (from.includes('%') || from.includes('_')) return undefined;
  const points = [...from].map((ch) => ch.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      // Surrogate code points cannot appear in text; the next one after them is U+E000.
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return { from, below: String.fromCodePoint(...points) };
    }
  }
  return { from };
}

function numericComparison(column: SqlFragment, comparator: NumericComparator, value: number): SqlFragment {
  const op = NUMERIC_OPS[comparator];
  if (!op) throw errors.invalidParameter(`Invalid comparator '${comparator}' for a numeric value.`);
  return sql`${column} ${trustedSql(op)} ${value}`;
}

const NUMERIC_OPS: Record<string, string> = { '=': '=', '!=': '!=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };

function stringComparison(column: SqlFragment, comparator: StringComparator, value: string): SqlFragment {
  switch (comparator) {
    case '=':
      return sql`${column} = ${value}`;
    case '!=':
      return sql`${column} != ${value}`;
    case 'LIKE': {
      const prefix = likePrefixRange(value);
      return byDialect({
        sqlite: sql`${column} GLOB ${likeToGlob(value)}`,
        postgres: prefix
          ? prefix.below === undefined
            ? sql`${column} >= CAST(${prefix.from} AS TEXT) COLLATE "C"`
            : sql`${column} >= CAST(${prefix.from} AS TEXT) COLLATE "C" AND ${column} < CAST(${prefix.below} AS TEXT) COLLATE "C"`
          : sql`${column} LIKE ${value} ESCAPE ''`,
      });
    }
    case 'ILIKE':
      return byDialect({
        sqlite: sql`${SQLITE_ILIKE_FUNCTION}(${column}, ${value})`,
        postgres: sql`${column} ILIKE ${value} ESCAPE ''`,
      });
    default:
      throw errors.invalidParameter(`Invalid comparator '${String(comparator)}' for a string value.`);
  }
}

/**
 * One comparison of `column` with the clause's value (or list), with the dialect's LIKE/ILIKE
 * translation. Shared with the registry's search compiler.
 */
export function valueComparison(column: SqlFragment, clause: Comparison): SqlFragment {
  switch (clause.kind) {
    case 'numeric':
      return numericComparison(column, clause.comparator, clause.value);
    case 'string':
      return stringComparison(column, clause.comparator, clause.value);
    case 'set': {
      const op = clause.comparator === 'IN' ? ' IN ' : ' NOT IN ';
      return sql`${column}${trustedSql(op)}${sqlList(clause.values)}`;
    }
  }
}

function unsupportedKey(clause: { type: string; key: string }, entity: string): never {
  throw errors.invalidParameter(`Invalid ${clause.type} key '${clause.key}' in a ${entity} search filter.`);
}

/**
 * Metric filters. A NaN metric (stored as 0 with is_nan = 1) matches only `!=`, as an IEEE NaN
 * compares unequal to every number.
 */
function metricCondition(alias: string, clause: Comparison): SqlFragment {
  if (clause.kind !== 'numeric') {
    throw errors.invalidParameter(`Metric '${clause.key}' can only be compared with a number.`);
  }
  const a = trustedSql(alias);
  const cmp = numericComparison(sql`${a}.value`, clause.comparator, clause.value);
  return clause.comparator === '!='
    ? sql`(${a}.is_nan = 1 OR ${cmp})`
    : sql`${a}.is_nan = 0 AND ${cmp}`;
}

// ---- runs ----

const RUN_STRING_ATTRIBUTES: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  status: 'r.status',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
  lifecycle_stage: 'r.lifecycle_stage',
};
const RUN_NUMERIC_ATTRIBUTES: Record<string, string> = {
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const DATASET_COLUMNS: Record<string, string> = { name: 'd.name', digest: 'd.digest', context: 'ctx.value' };

/**
 * How a key/value filter clause reaches its table:
 * - `semi-join` (the default): uncorrelated `r.run_uuid IN (SELECT ...)` semi-joins. The database
 *   evaluates each once from the covering `(key, value, run_uuid)` index and can drive the query
 *   from the smallest set, instead of probing every run of the experiment.
 * - `per-run`: correlated `EXISTS (SELECT 1 ... WHERE run_uuid = r.run_uuid AND key = ...)`
 *   probes, one primary-key lookup per run considered. For queries that already walk runs in
 *   their final order and stop after a page (`SqlTrackingStore`'s metric-rank search on a
 *   dialect with `metricIndexFirst`): reading every match of a broad filter first would cost more
 *   than the page.
 */
export type RunFilterForm = 'semi-join' | 'per-run';

function keyValueClause(table: 'latest_metrics' | 'params' | 'tags', key: string, condition: SqlFragment, form: RunFilterForm, alias: string): SqlFragment {
  const t = trustedSql(table);
  const a = trustedSql(alias);
  return form === 'per-run'
    ? sql`EXISTS (SELECT 1 FROM ${t} ${a} WHERE ${a}.run_uuid = r.run_uuid AND ${a}.key = ${key} AND ${condition})`
    : sql`r.run_uuid IN (SELECT ${a}.run_uuid FROM ${t} ${a} WHERE ${a}.key = ${key} AND ${condition})`;
}

/**
 * For a metric, param or tag clause: the rows of its table that match it, as `FROM` and `WHERE`
 * parts over `alias` (its `run_uuid` is the run's), read from the covering `(key, value,
 * run_uuid)` index. A run has at most one row per key there, so joining these rows to `runs`
 * finds each matching run once. Undefined for other clauses (attributes, datasets).
 */
export function runClauseRows(clause: Comparison, alias: string): { from: SqlFragment; where: SqlFragment } | undefined {
  const a = trustedSql(alias);
  switch (clause.type) {
    case 'metric':
      return { from: sql`latest_metrics ${a}`, where: sql`${a}.key = ${clause.key} AND ${metricCondition(alias, clause)}` };
    case 'param':
      return { from: sql`params ${a}`, where: sql`${a}.key = ${clause.key} AND ${valueComparison(sql`${a}.value`, clause)}` };
    case 'tag':
      return { from: sql`tags ${a}`, where: sql`${a}.key = ${clause.key} AND ${valueComparison(sql`${a}.value`, clause)}` };
    default:
      return undefined;
  }
}

/**
 * How many rows of its table match a metric, param or tag clause, counted up to `cap` (`SELECT
 * COUNT(*) AS n ...`) from its index alone. Over every experiment, so an upper bound of the runs
 * it can match in any one. Undefined for other clauses.
 */
export function runClauseMatchCount(clause: Comparison, cap: number): SqlFragment | undefined {
  const rows = runClauseRows(clause, 'c');
  return rows && sql`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${rows.from} WHERE ${rows.where} LIMIT ${cap}) counted`;
}

/** One run filter clause as a condition on the run row `r` (see `RunFilterForm`). */
function runClause(clause: Comparison, form: RunFilterForm): SqlFragment {
  switch (clause.type) {
    case 'metric':
      return keyValueClause('latest_metrics', clause.key, metricCondition('m', clause), form, 'm');
    case 'param':
      return keyValueClause('params', clause.key, valueComparison(trustedSql('p.value'), clause), form, 'p');
    case 'tag':
      return keyValueClause('tags', clause.key, valueComparison(trustedSql('t.value'), clause), form, 't');
    case 'attribute': {
      const column = clause.kind === 'numeric' ? RUN_NUMERIC_ATTRIBUTES[clause.key] : RUN_STRING_ATTRIBUTES[clause.key];
      if (!column) unsupportedKey(clause, 'run');
      return valueComparison(trustedSql(column), clause);
    }
    case 'dataset': {
      const column = DATASET_COLUMNS[clause.key];
      if (!column || clause.kind === 'numeric') unsupportedKey(clause, 'run');
      const context =
        clause.key === 'context'
          ? sql` JOIN input_tags ctx ON ctx.input_uuid = i.input_uuid AND ctx.name = ${DATASET_CONTEXT_TAG}`
          : sql``;
      return sql`r.run_uuid IN (SELECT i.destination_id FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id${context} WHERE i.destination_type = 'RUN' AND i.source_type = 'DATASET' AND ${valueComparison(trustedSql(column), clause)})`;
    }
  }
}

/**
 * `AND`-joined run conditions for a filter (TRUE for an empty filter). `form` is one form for
 * every clause, or one per clause (by position in `ast.clauses`).
 */
export function compileRunFilter(ast: FilterAst, form: RunFilterForm | readonly RunFilterForm[] = 'semi-join'): SqlFragment {
  if (ast.clauses.length === 0) return sql`1 = 1`;
  return joinSql(ast.clauses.map((clause, i) => runClause(clause, typeof form === 'string' ? form : (form[i] ?? 'semi-join'))), ' AND ');
}

const RUN_ORDER_ATTRIBUTES: Record<string, string> = {
  ...RUN_STRING_ATTRIBUTES,
  ...RUN_NUMERIC_ATTRIBUTES,
  experiment_id: 'r.experiment_id',
};

/** What `ORDER BY` needs: extra joins, sort keys (including tiebreaks) and their select list. */
export interface CompiledOrder {
  joins: SqlFragment;
  keys: SortKey[];
  /**
   * Set when the first term orders by a metric (its keys are `keys[0]`, the rank, and `keys[1]`,
   * the value): the metric, the direction, and the joins of the other terms. Lets a dialect read
   * the runs that have a numeric value in index order (see `SqlTrackingStore.searchRuns`).
   */
  leadingMetric?: { key: string; ascending: boolean; otherJoins: SqlFragment };
}

/**
 * Run ordering: each term sorts by a rank (0 = has a value, then NaN for metrics, then missing)
 * and the value, so NULLs come last in either direction; then start_time DESC (unless ordered
 * already) and run_uuid as the final, unique tiebreak.
 */
export function compileRunOrder(terms: readonly OrderByTerm[]): CompiledOrder {
  const joins: SqlFragment[] = [];
  const keys: SortKey[] = [];
  let hasStartTime = false;
  terms.forEach((term, i) => {
    const alias = trustedSql(`o${i}`);
    switch (term.type) {
      case 'metric':
        joins.push(sql` LEFT JOIN latest_metrics ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${alias}.key = ${term.key}`);
        keys.push({
          expr: sql`(CASE WHEN ${alias}.run_uuid IS NULL THEN 2 WHEN ${alias}.is_nan = 1 THEN 1 ELSE 0 END)`,
          ascending: true,
        });
        keys.push({ expr: sql`(CASE WHEN ${alias}.is_nan = 0 THEN ${alias}.value END)`, ascending: term.ascending });
        break;
      case 'param':
      case 'tag': {
        const table = trustedSql(term.type === 'param' ? 'params' : 'tags');
        joins.push(sql` LEFT JOIN ${table} ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${alias}.key = ${term.key}`);
        keys.push({ expr: sql`(CASE WHEN ${alias}.value IS NULL THEN 1 ELSE 0 END)`, ascending: true });
        keys.push({ expr: sql`${alias}.value`, ascending: term.ascending });
        break;
      }
      case 'attribute': {
        const column = RUN_ORDER_ATTRIBUTES[term.key];
        if (!column) throw errors.invalidParameter(`Invalid order_by key 'attributes.${term.key}' for runs.`);
        if (term.key === 'start_time') hasStartTime = true;
        const col = trustedSql(column);
        if (term.key === 'end_time') keys.push({ expr: sql`(CASE WHEN ${col} IS NULL THEN 1 ELSE 0 END)`, ascending: true });
        keys.push({ expr: col, ascending: term.ascending });
        break;
      }
    }
  });
  if (!hasStartTime) keys.push({ expr: trustedSql('r.start_time'), ascending: false });
  keys.push({ expr: trustedSql('r.run_uuid'), ascending: true });
  const first = terms[0];
  return {
    joins: joinSql(joins, ''),
    keys,
    ...(first?.type === 'metric'
      ? { leadingMetric: { key: first.key, ascending: first.ascending, otherJoins: joinSql(joins.slice(1), '') } }
      : {}),
  };
}

// ---- experiments ----

const EXPERIMENT_STRING_ATTRIBUTES: Record<string, string> = {
  name: 'e.name',
  artifact_location: 'e.artifact_location',
  lifecycle_stage: 'e.lifecycle_stage',
};
const EXPERIMENT_NUMERIC_ATTRIBUTES: Record<string, string> = {
  creation_time: 'e.creation_time',
  last_update_time: 'e.last_update_time',
  experiment_id: 'e.experiment_id',
};

function experimentClause(clause: Comparison): SqlFragment {
  switch (clause.type) {
    case 'tag':
      return sql`EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ${clause.key} AND ${valueComparison(trustedSql('t.value'), clause)})`;
    case 'attribute': {
      if (clause.key === 'experiment_id' && clause.kind !== 'numeric') {
        // Ids are integers rendered as strings; compare as text so '1' = '1' whatever the dialect.
        return valueComparison(sql`CAST(e.experiment_id AS TEXT)`, clause);
      }
      const column =
        clause.kind === 'numeric' ? EXPERIMENT_NUMERIC_ATTRIBUTES[clause.key] : EXPERIMENT_STRING_ATTRIBUTES[clause.key];
      if (!column) unsupportedKey(clause, 'experiment');
      return valueComparison(trustedSql(column), clause);
    }
    default:
      unsupportedKey(clause, 'experiment');
  }
}

/** `AND`-joined experiment conditions on the experiment row `e`. */
export function compileExperimentFilter(ast: FilterAst): SqlFragment {
  if (ast.clauses.length === 0) return sql`1 = 1`;
  return joinSql(ast.clauses.map(experimentClause), ' AND ');
}

/** Experiment ordering; default creation_time DESC, always ending with experiment_id ASC. */
export function compileExperimentOrder(terms: readonly OrderByTerm[]): SortKey[] {
  const keys: SortKey[] = [];
  let hasId = false;
  for (const term of terms) {
    if (term.type !== 'attribute') {
      throw errors.invalidParameter(`Invalid order_by key '${term.type}.${term.key}' for experiments: only attributes can be ordered by.`);
    }
    const column = EXPERIMENT_STRING_ATTRIBUTES[term.key] ?? EXPERIMENT_NUMERIC_ATTRIBUTES[term.key];
    if (!column) throw errors.invalidParameter(`Invalid order_by key '${term.key}' for experiments.`);
    if (term.key === 'experiment_id') hasId = true;
    keys.push({ expr: trustedSql(column), ascending: term.ascending });
  }
  if (terms.length === 0) keys.push({ expr: trustedSql('e.creation_time'), ascending: false });
  if (!hasId) keys.push({ expr: trustedSql('e.experiment_id'), ascending: true });
  return keys;
}
