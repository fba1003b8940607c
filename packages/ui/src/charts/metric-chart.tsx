import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';
import { ApiContext, useApi } from '../api/api-context.js';
import { ApiError } from '../api/api-error.js';
import { formatNumber } from '../components/format.js';
import { loadSampledSeries } from './metric-history-loader.js';
import type { AlignedColumns, RunSeries, XAxisKind } from './metric-series.js';
import { X_AXIS_LABELS, alignSeries, drawableValue, nearestValues, smoothEma, xValues } from './metric-series.js';
import { runColor } from './run-colors.js';
import { DEFAULT_POINTS_PER_RUN, POLL_INTERVAL_MS, answerIsComplete, stepRangeForZoom, type StepRange } from './sampling-window.js';

export interface ChartSettings {
  xAxis: XAxisKind;
  logScale: boolean;
  /** EMA weight, 0 (off) to 0.99. */
  smoothing: number;
}

export interface ChartRun {
  runId: string;
  label: string;
}

export interface MetricChartProps {
  metricKey: string;
  runs: ChartRun[];
  settings: ChartSettings;
  /** Poll the server while true (some run is still RUNNING). */
  live?: boolean;
  height?: number;
  /** Points asked per run (default about one per pixel of a wide chart). */
  points?: number;
}

function columnsOf(series: readonly RunSeries[], settings: ChartSettings): AlignedColumns {
  return alignSeries(
    series.map((s) => {
      const values = smoothEma(
        s.points.map((p) => p.value),
        settings.smoothing,
      );
      return { x: xValues(s.points, settings.xAxis), y: values.map((v) => drawableValue(v, settings.logScale)) };
    }),
  );
}

interface Hover {
  x: number;
  values: ({ x: number; value: number } | undefined)[];
}

/**
 * One metric of several runs on one uPlot chart. Points come sampled from the server; dragging
 * across the chart zooms and asks the server again for the narrower step range (unless the last
 * answer was already complete), Reset goes back to the whole history. The legend under the chart
 * shows each run's value nearest the cursor (its last value when the cursor is away).
 *
 * For tests and `bench/ui.mjs`, the chart's element carries what it drew: `data-series` (runs
 * drawn), `data-points` (points drawn), `data-range` (the step range asked, or `all`), `data-x-axis`,
 * `data-loads` (answers received so far), `data-draw-ms` (time from the answer's arrival to the drawn chart) and
 * `data-zoom-ms` (time from the end of a drag to the re-sampled chart).
 */
export function MetricChart({ metricKey, runs, settings, live = false, height = 260, points = DEFAULT_POINTS_PER_RUN }: MetricChartProps) {
  const api = useApi();
  const session = useContext(ApiContext);
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [series, setSeries] = useState<RunSeries[] | undefined>(undefined);
  const [range, setRange] = useState<StepRange | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [hover, setHover] = useState<Hover | undefined>(undefined);
  const [timing, setTiming] = useState<{ loads: number; drawMs?: number; zoomMs?: number }>({ loads: 0 });
  const arrived = useRef<number | undefined>(undefined);
  const zoomStarted = useRef<number | undefined>(undefined);
  const complete = useRef(false);
  const runIds = useMemo(() => runs.map((r) => r.runId), [runs]);
  const runKey = runIds.join(',');

  // Load (and reload on zoom, or every few seconds while live).
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const loaded = await loadSampledSeries(api, runIds, metricKey, range, points);
        if (cancelled) return;
        arrived.current = performance.now();
        if (range === undefined) complete.current = answerIsComplete(loaded, points);
        setError(undefined);
        setSeries(loaded);
        setTiming((t) => ({ ...t, loads: t.loads + 1 }));
      } catch (failure) {
        if (cancelled) return;
        if (failure instanceof ApiError && failure.unauthenticated) session?.unauthenticated();
        setError(failure instanceof Error ? failure.message : String(failure));
      }
      if (live && !cancelled) timer = setTimeout(() => void load(), POLL_INTERVAL_MS);
    };
    void load();
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    };
    // runKey stands for runIds.
  }, [api, runKey, metricKey, range, points, live]);

  const columns = useMemo(() => (series ? columnsOf(series, settings) : undefined), [series, settings]);
  const latestSeries = useRef(series);
  latestSeries.current = series;
  const latestSettings = useRef(settings);
  latestSettings.current = settings;

  const zoomTo = useCallback(
    (xMin: number, xMax: number) => {
      const current = latestSeries.current ?? [];
      const next = stepRangeForZoom(current, latestSettings.current.xAxis, xMin, xMax);
      // An answer that held every point needs no new request: uPlot's own zoom shows it all.
      if (next === undefined || complete.current) return;
      zoomStarted.current = performance.now();
      setRange(next);
    },
    [],
  );

  // (Re)build the plot when its structure changes: runs, axis kind, scale type, height.
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = Math.max(240, element.clientWidth || 600);
    const options: uPlot.Options = {
      width,
      height,
      scales: {
        x: { time: settings.xAxis === 'wall' },
        y: settings.logScale ? { distr: 3, log: 10 } : {},
      },
      series: [
        { label: X_AXIS_LABELS[settings.xAxis] },
        // uPlot marks the points themselves only where they are sparse (a metric logged a few times).
        ...runs.map((run, i) => ({ label: run.label, stroke: runColor(i), width: 1.5, spanGaps: true, points: { fill: runColor(i) } })),
      ],
      axes: [{ label: X_AXIS_LABELS[settings.xAxis] }, { size: 60 }],
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        // A person's drag ends in a selection: zoom to it at once with the points at hand, then
        // ask the server for the narrower range (uPlot's own zoom-on-select is off, so scale
        // changes made by the chart itself never look like a person's zoom).
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 2) return;
            const min = u.posToVal(left, 'x');
            const max = u.posToVal(left + width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            u.setScale('x', { min, max });
            zoomTo(min, max);
          },
        ],
        setCursor: [
          (u) => {
            const left = u.cursor.left;
            if (left === undefined || left < 0) {
              setHover(undefined);
              return;
            }
            const x = u.posToVal(left, 'x');
            setHover({ x, values: nearestValues(u.data as unknown as AlignedColumns, x) });
          },
        ],
        draw: [
          () => {
            if (arrived.current === undefined) return;
            const now = performance.now();
            const drawMs = now - arrived.current;
            const zoomMs = zoomStarted.current !== undefined ? now - zoomStarted.current : undefined;
            arrived.current = undefined;
            zoomStarted.current = undefined;
            setTiming((t) => ({ ...t, drawMs, zoomMs: zoomMs ?? t.zoomMs }));
          },
        ],
      },
    };
    const empty: uPlot.AlignedData = [[], ...runs.map(() => [])];
    const created = new uPlot(options, empty, element);
    plot.current = created;
    const resize = new ResizeObserver(() => {
      const w = element.clientWidth;
      if (w > 0 && w !== created.width) created.setSize({ width: w, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = null;
    };
    // runKey stands for runs.
  }, [runKey, settings.xAxis, settings.logScale, height, zoomTo]);

  // Draw the data; keep the zoomed x window when a re-sampled answer comes in.
  useEffect(() => {
    const u = plot.current;
    if (!u || !columns) return;
    if (range !== undefined && settings.xAxis === 'step') {
      u.setData(columns as unknown as uPlot.AlignedData, false);
      u.setScale('x', { min: range.startStep, max: range.endStep });
    } else {
      const { min, max } = u.scales.x!;
      const zoomed = range !== undefined && min != null && max != null;
      u.setData(columns as unknown as uPlot.AlignedData, !zoomed);
      if (zoomed) u.setScale('x', { min, max });
    }
  }, [columns, range, settings.xAxis, settings.logScale, runKey]);

  const reset = () => {
    setRange(undefined);
    const u = plot.current;
    if (u && columns) {
      u.setData(columns as unknown as uPlot.AlignedData, true);
    }
  };

  const pointCount = columns ? columns.slice(1).reduce((n, column) => n + column.filter((v) => v !== null).length, 0) : 0;
  const lastValues = (series ?? []).map((s) => s.points.at(-1));
  return (
    <figure
      className="metric-chart"
      data-testid={`metric-chart-${metricKey}`}
      data-series={runs.length}
      data-points={pointCount}
      data-range={range ? `${range.startStep}-${range.endStep}` : 'all'}
      data-x-axis={settings.xAxis}
      data-loads={timing.loads}
      {...(timing.drawMs !== undefined ? { 'data-draw-ms': timing.drawMs.toFixed(1) } : {})}
      {...(timing.zoomMs !== undefined ? { 'data-zoom-ms': timing.zoomMs.toFixed(1) } : {})}
    >
      <figcaption>
        <strong>{metricKey}</strong>
        {range && (
          <span className="muted">
            {' '}
            steps {range.startStep}–{range.endStep}{' '}
            <button type="button" onClick={reset}>
              Reset zoom
            </button>
          </span>
        )}
        {!range && <span className="muted"> drag across the chart to zoom</span>}
      </figcaption>
      {error && <div className="error">{error}</div>}
      <div ref={host} className="metric-chart-plot" />
      <table className="chart-legend" data-testid="chart-legend">
        <tbody>
          {runs.map((run, i) => {
            const shown = hover ? hover.values[i]?.value : lastValues[i]?.value;
            return (
              <tr key={run.runId}>
                <td>
                  <span className="swatch" style={{ background: runColor(i) }} />
                  {run.label}
                </td>
                <td className="legend-value">{shown === undefined ? '–' : formatNumber(shown)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </figure>
  );
}
