/**
 * The places the metric charts and the compare page plug into (built in `src/charts/` and
 * `src/compare/`). Each slot is one component with a stable name and props; the rest of the app
 * only renders these, so the charts can change without touching the pages.
 */
import { ExperimentCharts, RunCharts } from './charts/run-charts.js';
import { CompareRuns } from './compare/compare-runs.js';

export interface RunChartsSlotProps {
  experimentId: string;
  runId: string;
  metricKeys: string[];
}

/** The "Charts" section of run detail. */
export function RunChartsSlot(props: RunChartsSlotProps) {
  return (
    <div data-testid="run-charts-slot">
      {props.metricKeys.length === 0 ? <p className="muted">This run has no metrics to chart.</p> : <RunCharts runId={props.runId} metricKeys={props.metricKeys} />}
    </div>
  );
}

export interface ExperimentChartsSlotProps {
  experimentId: string;
  /** The runs selected in the runs table (empty: none selected). */
  runIds: string[];
  /** Metric keys seen on the loaded runs. */
  metricKeys: string[];
}

/** The "Charts" tab of the experiment view. */
export function ExperimentChartsSlot(props: ExperimentChartsSlotProps) {
  return (
    <div data-testid="experiment-charts-slot">
      <ExperimentCharts runIds={props.runIds} metricKeys={props.metricKeys} />
    </div>
  );
}

export interface CompareRunsSlotProps {
  runIds: string[];
  experimentIds: string[];
}

/** The `#/compare-runs` page. */
export function CompareRunsSlot(props: CompareRunsSlotProps) {
  return (
    <div data-testid="compare-runs-slot">
      <p className="muted">Comparing {props.runIds.length} runs.</p>
      <CompareRuns runIds={props.runIds} experimentIds={props.experimentIds} />
    </div>
  );
}
