import { useState } from 'react';
import type { XAxisKind } from './metric-series.js';
import { X_AXIS_LABELS } from './metric-series.js';
import { MetricChart, type ChartRun, type ChartSettings } from './metric-chart.js';

export interface ChartGridProps {
  runs: ChartRun[];
  metricKeys: string[];
  /** Poll while true (some run is RUNNING). */
  live?: boolean;
}

/** The shared chart controls: x-axis, log scale, smoothing. */
export function ChartControls({ settings, onChange }: { settings: ChartSettings; onChange: (next: ChartSettings) => void }) {
  return (
    <div className="toolbar chart-controls">
      <label className="inline">
        X-axis
        <select aria-label="X-axis" value={settings.xAxis} onChange={(e) => onChange({ ...settings, xAxis: e.target.value as XAxisKind })}>
          {(Object.keys(X_AXIS_LABELS) as XAxisKind[]).map((kind) => (
            <option key={kind} value={kind}>
              {X_AXIS_LABELS[kind]}
            </option>
          ))}
        </select>
      </label>
      <label className="inline">
        <input type="checkbox" aria-label="Log scale" checked={settings.logScale} onChange={(e) => onChange({ ...settings, logScale: e.target.checked })} />
        Log scale
      </label>
      <label className="inline">
        Smoothing
        <input
          type="range"
          aria-label="Smoothing"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          onChange={(e) => onChange({ ...settings, smoothing: Number(e.target.value) })}
        />
        <span className="muted">{settings.smoothing.toFixed(2)}</span>
      </label>
    </div>
  );
}

/** Several metrics of the same runs as a grid of charts under one set of controls. */
export function ChartGrid({ runs, metricKeys, live = false }: ChartGridProps) {
  const [settings, setSettings] = useState<ChartSettings>({ xAxis: 'step', logScale: false, smoothing: 0 });
  if (runs.length === 0) return <p className="muted">No runs to chart.</p>;
  if (metricKeys.length === 0) return <p className="muted">These runs have no metrics to chart.</p>;
  return (
    <div className="chart-grid-section" data-testid="chart-grid">
      <ChartControls settings={settings} onChange={setSettings} />
      <div className="chart-grid">
        {metricKeys.map((key) => (
          <MetricChart key={key} metricKey={key} runs={runs} settings={settings} live={live} />
        ))}
      </div>
    </div>
  );
}
