import { useApi, useLoad } from '../api/api-context.js';
import { ErrorNote } from '../components/error-note.js';
import { ChartGrid } from './chart-grid.js';
import { shouldPoll } from './sampling-window.js';

/** Run detail's "Charts" section: every metric of the run, polled while the run is RUNNING. */
export function RunCharts({ runId, metricKeys }: { runId: string; metricKeys: string[] }) {
  const api = useApi();
  const run = useLoad(() => api.getRun(runId), [api, runId]);
  if (run.error) return <ErrorNote error={run.error} />;
  if (!run.data) return <p className="muted">Loading…</p>;
  const label = run.data.info.runName || runId;
  return <ChartGrid runs={[{ runId, label }]} metricKeys={[...metricKeys].sort()} live={shouldPoll([run.data.info.status])} />;
}

/** The experiment view's "Charts" tab: the selected runs, one chart per metric. */
export function ExperimentCharts({ runIds, metricKeys }: { runIds: string[]; metricKeys: string[] }) {
  const api = useApi();
  const runs = useLoad(() => Promise.all(runIds.map((id) => api.getRun(id))), [api, runIds.join(',')]);
  if (runIds.length === 0) return <p className="muted">Select runs in the table to chart them.</p>;
  if (runs.error) return <ErrorNote error={runs.error} />;
  if (!runs.data) return <p className="muted">Loading…</p>;
  return (
    <ChartGrid
      runs={runs.data.map((r) => ({ runId: r.info.runId, label: r.info.runName || r.info.runId }))}
      metricKeys={[...metricKeys].sort()}
      live={shouldPoll(runs.data.map((r) => r.info.status))}
    />
  );
}
