import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '@orrery/core/browser';
import { ApiContext, useApi, useLoad } from '../api/api-context.js';
import { ApiError } from '../api/api-error.js';
import { ExperimentChartsSlot } from '../chart-slots.js';
import { ColumnPicker } from '../components/column-picker.js';
import { ErrorNote } from '../components/error-note.js';
import { FilterBox } from '../components/filter-box.js';
import { RunsTable } from '../components/runs-table.js';
import { routeHash } from '../routing/hash-route.js';
import { columnFromId, columnId, defaultColumns, keysOfRuns, needsNextPage, orderByFor, type Column, type RunKeys, type Sort } from '../state/runs-table-state.js';

/** Runs per request: a screenful many times over, small enough to answer fast at any experiment size. */
export const RUNS_PAGE_SIZE = 200;

interface RunsState {
  runs: Run[];
  nextPageToken: string | undefined;
  loading: boolean;
  error: string | undefined;
}

function savedColumns(experimentId: string): Column[] | undefined {
  try {
    const text = window.localStorage.getItem(`orrery.columns.${experimentId}`);
    if (!text) return undefined;
    const ids = JSON.parse(text) as unknown;
    if (!Array.isArray(ids)) return undefined;
    return ids.map((id) => columnFromId(String(id))).filter((column): column is Column => column !== undefined);
  } catch {
    return undefined;
  }
}

function saveColumns(experimentId: string, columns: Column[]): void {
  try {
    window.localStorage.setItem(`orrery.columns.${experimentId}`, JSON.stringify(columns.map(columnId)));
  } catch {
    // Storage may be off; the choice then lasts for this page only.
  }
}

/** One experiment: the runs table (server-side filter, sort and pages) and the Charts tab. */
export function ExperimentPage({ experimentId, tab }: { experimentId: string; tab: 'runs' | 'charts' }) {
  const api = useApi();
  const session = useContext(ApiContext);
  const experiment = useLoad(() => api.getExperiment(experimentId), [api, experimentId]);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort | undefined>();
  const [state, setState] = useState<RunsState>({ runs: [], nextPageToken: undefined, loading: true, error: undefined });
  const [keys, setKeys] = useState<RunKeys>({ metrics: [], params: [], tags: [] });
  const [columns, setColumns] = useState<Column[] | undefined>(() => savedColumns(experimentId));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [pickerOpen, setPickerOpen] = useState(false);
  // Each new query (filter or sort) gets a ticket; answers to older ones are dropped.
  const ticket = useRef(0);
  const inFlight = useRef(false);

  const loadPage = useCallback(
    async (pageToken: string | undefined, reset: boolean) => {
      const mine = reset ? ++ticket.current : ticket.current;
      inFlight.current = true;
      setState((previous) => ({ ...previous, loading: true, ...(reset ? { error: undefined } : {}) }));
      const orderBy = orderByFor(sort);
      try {
        const page = await api.searchRuns({
          experimentIds: [experimentId],
          maxResults: RUNS_PAGE_SIZE,
          ...(filter !== '' ? { filter } : {}),
          ...(orderBy !== undefined ? { orderBy: [orderBy] } : {}),
          ...(pageToken !== undefined ? { pageToken } : {}),
        });
        if (mine !== ticket.current) return;
        setKeys((previous) => keysOfRuns(page.items, reset ? undefined : previous));
        setState((previous) => ({
          runs: reset ? page.items : [...previous.runs, ...page.items],
          nextPageToken: page.nextPageToken,
          loading: false,
          error: undefined,
        }));
      } catch (error) {
        if (mine !== ticket.current) return;
        if (error instanceof ApiError && error.unauthenticated) session?.unauthenticated();
        setState((previous) => ({ ...previous, runs: reset ? [] : previous.runs, nextPageToken: undefined, loading: false, error: error instanceof Error ? error.message : String(error) }));
      } finally {
        if (mine === ticket.current) inFlight.current = false;
      }
    },
    [api, experimentId, filter, sort, session],
  );

  useEffect(() => {
    void loadPage(undefined, true);
  }, [loadPage]);

  const onVisibleEnd = useCallback(
    (end: number, rows: number) => {
      if (needsNextPage(end, rows, state.nextPageToken !== undefined, inFlight.current || state.loading)) void loadPage(state.nextPageToken, false);
    },
    [loadPage, state.nextPageToken, state.loading],
  );

  const shownColumns = useMemo(() => columns ?? defaultColumns(keys), [columns, keys]);
  const chooseColumns = (next: Column[]) => {
    setColumns(next);
    saveColumns(experimentId, next);
  };
  const toggleSelected = useCallback((runId: string) => {
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });
  }, []);
  const compareHash = routeHash({ page: 'compare-runs', runIds: [...selected], experimentIds: [experimentId] });

  return (
    <section>
      <h1>
        <a href="#/experiments">Experiments</a> / <span data-testid="experiment-name">{experiment.data?.name ?? experimentId}</span>
      </h1>
      <ErrorNote error={experiment.error} />
      <nav className="tabs">
        <a href={routeHash({ page: 'experiment', experimentId, tab: 'runs' })} className={tab === 'runs' ? 'active' : ''}>
          Runs
        </a>
        <a href={routeHash({ page: 'experiment', experimentId, tab: 'charts' })} className={tab === 'charts' ? 'active' : ''}>
          Charts
        </a>
      </nav>
      <div className="toolbar">
        <FilterBox value={filter} keys={keys} onApply={setFilter} />
        <span style={{ position: 'relative' }}>
          <button type="button" onClick={() => setPickerOpen((open) => !open)} aria-expanded={pickerOpen}>
            Columns
          </button>
          {pickerOpen && <ColumnPicker keys={keys} columns={shownColumns} onChange={chooseColumns} onClose={() => setPickerOpen(false)} />}
        </span>
        <a
          className={`button${selected.size < 2 ? ' disabled' : ''}`}
          href={selected.size < 2 ? undefined : compareHash}
          aria-disabled={selected.size < 2}
          role="button"
        >
          Compare ({selected.size})
        </a>
        <span className="muted" data-testid="runs-count">
          {state.runs.length} runs loaded{state.nextPageToken !== undefined ? ', more on scroll' : ''}
        </span>
      </div>
      {state.error !== undefined && (
        <p className="error" role="alert" data-testid="filter-error">
          {state.error}
        </p>
      )}
      {tab === 'runs' ? (
        <RunsTable
          experimentId={experimentId}
          runs={state.runs}
          columns={shownColumns}
          sort={sort}
          onSort={setSort}
          selected={selected}
          onToggleSelected={toggleSelected}
          onVisibleEnd={onVisibleEnd}
          loading={state.loading}
        />
      ) : (
        <ExperimentChartsSlot experimentId={experimentId} runIds={[...selected]} metricKeys={keys.metrics} />
      )}
      {!state.loading && state.error === undefined && state.runs.length === 0 && <p className="muted">No runs match.</p>}
    </section>
  );
}
