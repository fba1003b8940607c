/**
 * The runs table's logic, kept out of React so it is unit-tested: which columns exist, the
 * `order_by` a sorted column asks the server for, nested runs grouped under their parents, and
 * which rows a scrolled viewport shows. The table never holds more than the pages it loaded.
 */
import type { Run } from '@orrery/core/browser';

/** MLflow's tag naming a nested run's parent. */
export const PARENT_RUN_TAG = 'mlflow.parentRunId';

export type AttributeKey = 'run_name' | 'start_time' | 'status' | 'user_id' | 'duration';

export type Column = { kind: 'attribute'; key: AttributeKey } | { kind: 'metric' | 'param' | 'tag'; key: string };

export const ATTRIBUTE_COLUMNS: ReadonlyArray<{ key: AttributeKey; label: string; sortable: boolean }> = [
  { key: 'run_name', label: 'Run name', sortable: true },
  { key: 'start_time', label: 'Created', sortable: true },
  { key: 'duration', label: 'Duration', sortable: false },
  { key: 'status', label: 'Status', sortable: true },
  { key: 'user_id', label: 'User', sortable: true },
];

export function columnId(column: Column): string {
  return `${column.kind}:${column.key}`;
}

export function columnFromId(id: string): Column | undefined {
  const at = id.indexOf(':');
  if (at < 0) return undefined;
  const kind = id.slice(0, at);
  const key = id.slice(at + 1);
  if (kind === 'attribute') return ATTRIBUTE_COLUMNS.some((column) => column.key === key) ? { kind, key: key as AttributeKey } : undefined;
  if (kind === 'metric' || kind === 'param' || kind === 'tag') return key === '' ? undefined : { kind, key };
  return undefined;
}

export interface RunKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** Every metric, param and tag key of `runs`, sorted; MLflow's own `mlflow.` tags are left out. */
export function keysOfRuns(runs: readonly Run[], previous?: RunKeys): RunKeys {
  const metrics = new Set(previous?.metrics);
  const params = new Set(previous?.params);
  const tags = new Set(previous?.tags);
  for (const run of runs) {
    for (const metric of run.data.metrics) metrics.add(metric.key);
    for (const param of run.data.params) params.add(param.key);
    for (const tag of run.data.tags) if (!tag.key.startsWith('mlflow.')) tags.add(tag.key);
  }
  const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(metrics), params: sorted(params), tags: sorted(tags) };
}

/** The columns shown before the user picks: the attributes, then a few metrics and params. */
export function defaultColumns(keys: RunKeys, perKind = 4): Column[] {
  return [
    ...ATTRIBUTE_COLUMNS.map((column): Column => ({ kind: 'attribute', key: column.key })),
    ...keys.metrics.slice(0, perKind).map((key): Column => ({ kind: 'metric', key })),
    ...keys.params.slice(0, perKind).map((key): Column => ({ kind: 'param', key })),
  ];
}

/** A key in MLflow's search grammar: backquoted unless it is a plain identifier. */
export function quoteKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `\`${key.replace(/`/g, '')}\``;
}

export interface Sort {
  column: Column;
  ascending: boolean;
}

/** The `order_by` entry for a sorted column (MLflow's run search syntax), or undefined when it cannot be sorted by the server. */
export function orderByFor(sort: Sort | undefined): string | undefined {
  if (sort === undefined) return undefined;
  const direction = sort.ascending ? 'ASC' : 'DESC';
  const { column } = sort;
  switch (column.kind) {
    case 'attribute':
      return column.key === 'duration' ? undefined : `attributes.${column.key} ${direction}`;
    case 'metric':
      return `metrics.${quoteKey(column.key)} ${direction}`;
    case 'param':
      return `params.${quoteKey(column.key)} ${direction}`;
    case 'tag':
      return `tags.${quoteKey(column.key)} ${direction}`;
  }
}

export interface RunRow {
  run: Run;
  depth: number;
  /** Loaded runs nested under this one. */
  childCount: number;
}

export function parentOf(run: Run): string | undefined {
  return run.data.tags.find((tag) => tag.key === PARENT_RUN_TAG)?.value || undefined;
}

/**
 * The rows to show: runs in the order the server sent them, with every run whose parent is loaded
 * placed under that parent (any depth), and the descendants of `collapsed` parents hidden. A run
 * whose parent is not loaded (yet) stays at the top level.
 */
export function groupRuns(runs: readonly Run[], collapsed: ReadonlySet<string>): RunRow[] {
  const loaded = new Set(runs.map((run) => run.info.runId));
  const children = new Map<string, Run[]>();
  const roots: Run[] = [];
  for (const run of runs) {
    const parent = parentOf(run);
    if (parent !== undefined && parent !== run.info.runId && loaded.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(run);
      children.set(parent, list);
    } else {
      roots.push(run);
    }
  }
  const rows: RunRow[] = [];
  const visited = new Set<string>();
  const visit = (run: Run, depth: number) => {
    // A cycle of parent tags (bad data) must not loop forever.
    if (visited.has(run.info.runId)) return;
    visited.add(run.info.runId);
    const nested = children.get(run.info.runId) ?? [];
    rows.push({ run, depth, childCount: nested.length });
    if (collapsed.has(run.info.runId)) return;
    for (const child of nested) visit(child, depth + 1);
  };
  for (const run of roots) visit(run, 0);
  return rows;
}

/** The rows a viewport shows (plus `overscan` on each side): [start, end). */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 8): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(viewportHeight / rowHeight) + 1;
  return { start: Math.max(0, first - overscan), end: Math.min(total, first + count + overscan) };
}

/** Whether the table should ask for the next page: the viewport is within `margin` rows of the loaded end. */
export function needsNextPage(rangeEnd: number, loadedRows: number, hasMore: boolean, loading: boolean, margin = 60): boolean {
  return hasMore && !loading && rangeEnd + margin >= loadedRows;
}

export function metricValue(run: Run, key: string): number | undefined {
  return run.data.metrics.find((metric) => metric.key === key)?.value;
}

export function paramValue(run: Run, key: string): string | undefined {
  return run.data.params.find((param) => param.key === key)?.value;
}

export function tagValue(run: Run, key: string): string | undefined {
  return run.data.tags.find((tag) => tag.key === key)?.value;
}
