/**
 * Which points to ask the server for: a chart asks `get-history-bulk-interval` for a sample of
 * each run's history over the visible step range, and asks again for the narrower range when the
 * user zooms, so a 1,000,000-point metric shows full detail at any zoom while no answer carries
 * more than `points` per run. Pure functions: unit-tested in `test/charts/`.
 */
import type { RunSeries, XAxisKind } from './metric-series.js';
import { xValues } from './metric-series.js';

/** The server's limits (MLflow's): run ids per request, points per run. */
export const MAX_RUNS_PER_REQUEST = 100;
export const MAX_POINTS_PER_RUN = 2500;

/** Points asked per run: about one per horizontal pixel of a chart in the grid (a sampled answer costs the server one index seek per point). */
export const DEFAULT_POINTS_PER_RUN = 600;

/** An inclusive step range. */
export interface StepRange {
  startStep: number;
  endStep: number;
}

/** The query string fields of one `get-history-bulk-interval` request. */
export interface IntervalQuery {
  run_ids: string[];
  metric_key: string;
  max_results: number;
  start_step?: number;
  end_step?: number;
}

/** The requests that fetch `metricKey` for `runIds` over `range` (all of it when undefined), at most 100 runs each. */
export function intervalQueries(runIds: readonly string[], metricKey: string, range: StepRange | undefined, points = DEFAULT_POINTS_PER_RUN): IntervalQuery[] {
  const maxResults = Math.max(1, Math.min(MAX_POINTS_PER_RUN, Math.round(points)));
  const unique = [...new Set(runIds)];
  const queries: IntervalQuery[] = [];
  for (let at = 0; at < unique.length; at += MAX_RUNS_PER_REQUEST) {
    queries.push({
      run_ids: unique.slice(at, at + MAX_RUNS_PER_REQUEST),
      metric_key: metricKey,
      max_results: maxResults,
      ...(range ? { start_step: range.startStep, end_step: range.endStep } : {}),
    });
  }
  return queries;
}

/**
 * The step range behind a zoom to `[xMin, xMax]` on the chosen axis. On the step axis it is the
 * range itself (rounded outwards to whole steps). On a time axis, steps are found from the points
 * already loaded: per run, from the last point before the window to the first point after it (so
 * the re-sampled line still reaches the chart's edges), and the union over runs. Undefined when
 * no run has a point near the window.
 */
export function stepRangeForZoom(series: readonly RunSeries[], axis: XAxisKind, xMin: number, xMax: number): StepRange | undefined {
  if (!(xMax >= xMin)) return undefined;
  if (axis === 'step') return { startStep: Math.floor(xMin), endStep: Math.ceil(xMax) };
  let start = Infinity;
  let end = -Infinity;
  for (const s of series) {
    const xs = xValues(s.points, axis);
    s.points.forEach((p, i) => {
      const x = xs[i]!;
      const before = i + 1 < xs.length && xs[i + 1]! >= xMin && x < xMin;
      const after = i > 0 && xs[i - 1]! <= xMax && x > xMax;
      if ((x >= xMin && x <= xMax) || before || after) {
        start = Math.min(start, p.step);
        end = Math.max(end, p.step);
      }
    });
  }
  return Number.isFinite(start) ? { startStep: start, endStep: end } : undefined;
}

/**
 * Whether an answer already holds every point of its range: no run came back with the full
 * `maxResults` (the server samples only when a range holds more). Zooming inside such an answer
 * needs no new request.
 */
export function answerIsComplete(series: readonly RunSeries[], maxResults: number): boolean {
  return series.every((s) => s.points.length < maxResults);
}

/** Whether a chart should keep polling: while any of its runs is still RUNNING (or SCHEDULED). */
export function shouldPoll(statuses: readonly string[]): boolean {
  return statuses.some((status) => status === 'RUNNING' || status === 'SCHEDULED');
}

/** How often a chart of live runs asks again. */
export const POLL_INTERVAL_MS = 5000;
