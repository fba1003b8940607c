import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type UIEvent } from 'react';
import type { Run } from '@orrery/core/browser';
import {
  ATTRIBUTE_COLUMNS,
  columnId,
  groupRuns,
  metricValue,
  orderByFor,
  paramValue,
  tagValue,
  visibleRange,
  type Column,
  type RunRow,
  type Sort,
} from '../state/runs-table-state.js';
import { formatDuration, formatNumber, formatTime } from './format.js';

export const ROW_HEIGHT = 30;
const SELECT_WIDTH = 34;

function widthOf(column: Column): number {
  if (column.kind === 'attribute') return column.key === 'run_name' ? 240 : column.key === 'start_time' ? 170 : 100;
  return 130;
}

function headerOf(column: Column): string {
  if (column.kind === 'attribute') return ATTRIBUTE_COLUMNS.find((attribute) => attribute.key === column.key)?.label ?? column.key;
  return column.key;
}

function cellText(run: Run, column: Column): string {
  switch (column.kind) {
    case 'attribute':
      switch (column.key) {
        case 'run_name':
          return run.info.runName;
        case 'start_time':
          return formatTime(run.info.startTime);
        case 'duration':
          return formatDuration(run.info.startTime, run.info.endTime);
        case 'status':
          return run.info.status;
        case 'user_id':
          return run.info.userId;
      }
      return '';
    case 'metric':
      return formatNumber(metricValue(run, column.key));
    case 'param':
      return paramValue(run, column.key) ?? '';
    case 'tag':
      return tagValue(run, column.key) ?? '';
  }
}

interface RunsRowProps {
  row: RunRow;
  index: number;
  width: number;
  columns: Column[];
  experimentId: string;
  selected: boolean;
  collapsed: boolean;
  onToggleSelected(runId: string): void;
  onToggleCollapsed(runId: string): void;
}

/** One row; memoized, so scrolling renders only the rows that enter the viewport. */
const RunsRow = memo(function RunsRow({ row, index, width, columns, experimentId, selected, collapsed, onToggleSelected, onToggleCollapsed }: RunsRowProps) {
  const runId = row.run.info.runId;
  return (
    <div role="row" aria-rowindex={index + 1} data-run-id={runId} className={`runs-row${selected ? ' selected' : ''}`} style={{ top: ROW_HEIGHT * (index + 1), width }}>
      <div className="cell" style={{ width: SELECT_WIDTH }}>
        <input type="checkbox" aria-label={`Select ${row.run.info.runName}`} checked={selected} onChange={() => onToggleSelected(runId)} />
      </div>
      {columns.map((column) => (
        <div key={columnId(column)} role="cell" className="cell" style={{ width: widthOf(column) }}>
          {column.kind === 'attribute' && column.key === 'run_name' ? (
            <span style={{ paddingLeft: row.depth * 16 }}>
              {row.childCount > 0 ? (
                <button
                  type="button"
                  className="link"
                  aria-label={`${collapsed ? 'Expand' : 'Collapse'} ${row.run.info.runName}`}
                  onClick={() => onToggleCollapsed(runId)}
                  style={{ border: 'none', background: 'none', padding: '0 4px 0 0' }}
                >
                  {collapsed ? '▸' : '▾'}
                </button>
              ) : row.depth > 0 ? (
                <span className="muted">└ </span>
              ) : null}
              <a href={`#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`}>{row.run.info.runName || runId}</a>
              {row.childCount > 0 && <span className="muted"> ({row.childCount})</span>}
            </span>
          ) : (
            cellText(row.run, column)
          )}
        </div>
      ))}
    </div>
  );
});

export interface RunsTableProps {
  experimentId: string;
  runs: Run[];
  columns: Column[];
  sort: Sort | undefined;
  onSort(sort: Sort | undefined): void;
  selected: ReadonlySet<string>;
  onToggleSelected(runId: string): void;
  /** Called with the last row index the viewport shows, so more pages load as the user scrolls. */
  onVisibleEnd(end: number, rows: number): void;
  loading: boolean;
}

/**
 * A virtualized runs table: only the rows in (and near) the viewport are in the DOM, absolutely
 * placed in a spacer as tall as all loaded rows, so scrolling costs the same at 100 or 100,000 runs.
 */
export function RunsTable(props: RunsTableProps) {
  const { runs, columns, onVisibleEnd } = props;
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows: RunRow[] = useMemo(() => groupRuns(runs, collapsed), [runs, collapsed]);
  const viewport = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const width = SELECT_WIDTH + columns.reduce((sum, column) => sum + widthOf(column), 0);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (element === null) return;
    const measure = () => setScroll({ top: element.scrollTop, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const onScroll = useCallback((event: UIEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    setScroll({ top: element.scrollTop, height: element.clientHeight });
  }, []);
  const range = visibleRange(scroll.top, scroll.height - ROW_HEIGHT, ROW_HEIGHT, rows.length);
  useEffect(() => onVisibleEnd(range.end, rows.length), [range.end, rows.length, onVisibleEnd]);

  const toggleCollapsed = useCallback(
    (runId: string) =>
      setCollapsed((previous) => {
        const next = new Set(previous);
        if (next.has(runId)) next.delete(runId);
        else next.add(runId);
        return next;
      }),
    [],
  );
  const clickHeader = (column: Column) => {
    if (orderByFor({ column, ascending: true }) === undefined) return;
    const same = props.sort !== undefined && columnId(props.sort.column) === columnId(column);
    // Descending first (newest, largest), then ascending, then the server's default order.
    if (!same) props.onSort({ column, ascending: false });
    else if (!props.sort!.ascending) props.onSort({ column, ascending: true });
    else props.onSort(undefined);
  };

  const visible = rows.slice(range.start, range.end);
  return (
    <div className="runs-viewport" ref={viewport} onScroll={onScroll} data-testid="runs-viewport" role="table" aria-label="Runs" aria-rowcount={rows.length}>
      <div style={{ height: ROW_HEIGHT * (rows.length + 1), width, position: 'relative' }}>
        <div className="runs-header" role="row" style={{ width }}>
          <div className="cell" style={{ width: SELECT_WIDTH }} />
          {columns.map((column) => {
            const sorted = props.sort !== undefined && columnId(props.sort.column) === columnId(column);
            const sortable = orderByFor({ column, ascending: true }) !== undefined;
            return (
              <div
                key={columnId(column)}
                role="columnheader"
                aria-sort={sorted ? (props.sort!.ascending ? 'ascending' : 'descending') : 'none'}
                className={`cell${sortable ? ' sortable' : ''}`}
                style={{ width: widthOf(column) }}
                title={`${column.kind === 'attribute' ? '' : `${column.kind}: `}${column.key}`}
                onClick={() => clickHeader(column)}
              >
                {column.kind !== 'attribute' && <span className={`kind ${column.kind}`}>{column.kind === 'metric' ? 'M' : column.kind === 'param' ? 'P' : 'T'}</span>}
                {headerOf(column)}
                {sorted ? (props.sort!.ascending ? ' ▲' : ' ▼') : ''}
              </div>
            );
          })}
        </div>
        {visible.map((row, offset) => (
          <RunsRow
            key={row.run.info.runId}
            row={row}
            index={range.start + offset}
            width={width}
            columns={columns}
            experimentId={props.experimentId}
            selected={props.selected.has(row.run.info.runId)}
            collapsed={collapsed.has(row.run.info.runId)}
            onToggleSelected={props.onToggleSelected}
            onToggleCollapsed={toggleCollapsed}
          />
        ))}
      </div>
      {props.loading && <div className="muted" style={{ position: 'sticky', left: 8, bottom: 4 }}>Loading runs…</div>}
    </div>
  );
}
