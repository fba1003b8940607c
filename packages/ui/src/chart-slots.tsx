/**
 * The places the metric charts and the compare page plug into (built in `src/charts/` and
 * `src/compare/`). Each slot is one component with a stable name and props; the rest of the app
 * only renders these, so the charts can change without touching the pages.
 */
export interface RunChartsSlotProps {
  experimentId: string;
  runId: string;
  metricKeys: string[];
}

/** The "Charts" section of run detail. */
export function RunChartsSlot(props: RunChartsSlotProps) {
  return (
    <div data-testid="run-charts-slot" className="slot">
      {props.metricKeys.length === 0 ? 'This run has no metrics to chart.' : 'Charts are not built into this UI yet.'}
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
    <div data-testid="experiment-charts-slot" className="slot">
      {props.runIds.length === 0 ? 'Select runs in the table to chart them.' : 'Charts are not built into this UI yet.'}
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
    <div data-testid="compare-runs-slot" className="slot">
      Comparing {props.runIds.length} runs: the compare view is not built into this UI yet.
    </div>
  );
}
