import { useMemo, useState } from 'react';
import type { Run } from '@orrery/core/browser';
import { useApi, useLoad } from '../api/api-context.js';
import { ErrorNote } from '../components/error-note.js';
import { formatNumber, formatTime } from '../components/format.js';
import { ChartGrid } from '../charts/chart-grid.js';
import { shouldPoll } from '../charts/sampling-window.js';
import { buildAxes, type AxisSource } from './parallel-coordinates.js';
import { ParallelCoordinatesView } from './parallel-coordinates-view.js';
import { differenceRows, type DifferenceRow } from './run-differences.js';

/** Most axes the parallel-coordinates view draws by default (past that, lines cannot be told apart). */
const MAX_AXES = 12;

function runLabel(run: Run): string {
  return run.info.runName || run.info.runId;
}

function DifferenceTable({ title, rows, runs, testId }: { title: string; rows: DifferenceRow[]; runs: Run[]; testId: string }) {
  return (
    <>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="grid compare-table" data-testid={testId}>
          <thead>
            <tr>
              <th>Key</th>
              {runs.map((run) => (
                <th key={run.info.runId}>{runLabel(run)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key} className={row.differs ? 'differs' : undefined} data-differs={row.differs ? 'true' : 'false'}>
                <th>
                  {row.key}
                  {row.differs && <span className="badge">differs</span>}
                </th>
                {row.cells.map((cell, i) => (
                  <td key={runs[i]!.info.runId}>{cell ?? <span className="muted">–</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/**
 * `#/compare-runs?runs=[...]&experiments=[...]` (MLflow's link): the runs side by side (params
 * and latest metrics, differences marked), their metrics overlaid on charts, and a
 * parallel-coordinates view of params and metrics.
 */
export function CompareRuns({ runIds }: { runIds: string[]; experimentIds: string[] }) {
  const api = useApi();
  const loaded = useLoad(() => Promise.all(runIds.map((id) => api.getRun(id))), [api, runIds.join(',')]);
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const runs = loaded.data;
  const tables = useMemo(() => {
    if (!runs) return undefined;
    const params = differenceRows(
      runs.map((r) => ({ runId: r.info.runId, values: new Map(r.data.params.map((p) => [p.key, p.value])) })),
      onlyDifferences,
    );
    const metrics = differenceRows(
      runs.map((r) => ({ runId: r.info.runId, values: new Map(r.data.metrics.map((m) => [m.key, formatNumber(m.value)])) })),
      onlyDifferences,
    );
    return { params, metrics };
  }, [runs, onlyDifferences]);
  const axes = useMemo(() => {
    if (!runs) return [];
    const allParams = differenceRows(runs.map((r) => ({ runId: r.info.runId, values: new Map(r.data.params.map((p) => [p.key, p.value])) })));
    // Params that differ tell runs apart; constant ones would only add flat lines.
    const paramSources: AxisSource[] = allParams
      .filter((row) => row.differs || runs.length === 1)
      .map((row) => ({ id: `param:${row.key}`, label: row.key, values: row.cells }));
    const metricKeys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
    const metricSources: AxisSource[] = metricKeys.map((key) => ({
      id: `metric:${key}`,
      label: key,
      values: runs.map((r) => r.data.metrics.find((m) => m.key === key)?.value),
    }));
    return buildAxes([...paramSources, ...metricSources].slice(0, MAX_AXES));
  }, [runs]);

  if (runIds.length === 0) return <p className="muted">No runs to compare: select runs in an experiment's table.</p>;
  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!runs || !tables) return <p className="muted">Loading…</p>;
  const metricKeys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
  return (
    <div className="compare-runs" data-testid="compare-runs">
      <table className="grid">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.info.runId}>
              <td>
                <a href={`#/experiments/${encodeURIComponent(run.info.experimentId)}/runs/${encodeURIComponent(run.info.runId)}`}>{runLabel(run)}</a>
              </td>
              <td>{run.info.status}</td>
              <td>{formatTime(run.info.startTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <label className="inline">
        <input type="checkbox" checked={onlyDifferences} onChange={(e) => setOnlyDifferences(e.target.checked)} />
        Show only differences
      </label>
      <DifferenceTable title="Params" rows={tables.params} runs={runs} testId="compare-params" />
      <DifferenceTable title="Metrics (latest values)" rows={tables.metrics} runs={runs} testId="compare-metrics" />
      <h2>Parallel coordinates</h2>
      <ParallelCoordinatesView axes={axes} runLabels={runs.map(runLabel)} />
      <h2>Metric charts</h2>
      <ChartGrid
        runs={runs.map((r) => ({ runId: r.info.runId, label: runLabel(r) }))}
        metricKeys={metricKeys}
        live={shouldPoll(runs.map((r) => r.info.status))}
      />
    </div>
  );
}
