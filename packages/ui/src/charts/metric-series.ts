/**
 * Metric series as the charts draw them: sampled points grouped by run, placed on the chosen
 * x-axis, smoothed, made safe for a log scale, and aligned into the columns uPlot draws. Pure
 * functions, no DOM: unit-tested in `test/charts/`.
 */

/** One observation of a sampled metric (what `get-history-bulk-interval` returns). */
export interface SeriesPoint {
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  value: number;
}

export interface RunSeries {
  runId: string;
  points: SeriesPoint[];
}

/** The x-axes MLflow's charts offer: step, wall time, and time since the run's first point. */
export type XAxisKind = 'step' | 'wall' | 'relative';

export const X_AXIS_LABELS: Record<XAxisKind, string> = {
  step: 'Step',
  wall: 'Wall time',
  relative: 'Relative time (s)',
};

/** Groups points by run, in the order of `runIds` (a run without points gets an empty series). */
export function seriesByRun(runIds: readonly string[], points: readonly (SeriesPoint & { runId: string })[]): RunSeries[] {
  const byRun = new Map<string, SeriesPoint[]>(runIds.map((id) => [id, []]));
  for (const p of points) byRun.get(p.runId)?.push({ step: p.step, timestamp: p.timestamp, value: p.value });
  return runIds.map((runId) => ({ runId, points: byRun.get(runId) ?? [] }));
}

/**
 * The x of each point: the step, the wall time in seconds (uPlot's time scale counts seconds), or
 * seconds since the run's first point.
 */
export function xValues(points: readonly SeriesPoint[], axis: XAxisKind): number[] {
  if (axis === 'step') return points.map((p) => p.step);
  if (axis === 'wall') return points.map((p) => p.timestamp / 1000);
  const start = points.reduce((min, p) => Math.min(min, p.timestamp), Infinity);
  return points.map((p) => (p.timestamp - start) / 1000);
}

/**
 * Exponential moving average with TensorBoard's debiasing (MLflow's charts smooth the same way):
 * each value is `last = last * weight + (1 - weight) * value`, divided by `1 - weight^n` so the
 * start of the line is not pulled towards zero. `weight` is 0 (no smoothing) to just under 1.
 * Values that are not finite are passed through and do not enter the average.
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (!Number.isFinite(value)) return value;
    last = last * w + (1 - w) * value;
    count += 1;
    return last / (1 - Math.pow(w, count));
  });
}

/** A value a chart can draw on the chosen y scale, or null (a gap): a log scale cannot show zero, negatives or non-finite values. */
export function drawableValue(value: number, logScale: boolean): number | null {
  if (!Number.isFinite(value)) return null;
  if (logScale && value <= 0) return null;
  return value;
}

/** uPlot's columns: one shared, ascending x column, then one y column per series (null where it has no point). */
export type AlignedColumns = [number[], ...(number | null)[][]];

/**
 * Merges runs that were sampled at different x into uPlot's shared-x layout. Each run's points
 * are sorted by x first; where a run has two points at one x, the later one is kept.
 */
export function alignSeries(series: readonly { x: readonly number[]; y: readonly (number | null)[] }[]): AlignedColumns {
  const xs = new Set<number>();
  for (const s of series) for (const x of s.x) xs.add(x);
  const shared = [...xs].sort((a, b) => a - b);
  const index = new Map<number, number>();
  shared.forEach((x, i) => index.set(x, i));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array<number | null>(shared.length).fill(null);
    s.x.forEach((x, i) => {
      column[index.get(x)!] = s.y[i] ?? null;
    });
    return column;
  });
  return [shared, ...columns];
}

/**
 * What the hover legend shows for each series at cursor position `x`: the value of the series'
 * point nearest to `x` (series are sampled at different x, so the shared column is mostly gaps),
 * with that point's x. `undefined` for a series with no points.
 */
export function nearestValues(columns: AlignedColumns, x: number): ({ x: number; value: number } | undefined)[] {
  const [xs, ...ys] = columns;
  return ys.map((column) => {
    let best: { x: number; value: number } | undefined;
    // Binary search for the first x at or after the cursor, then walk out to the nearest non-gap each side.
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    let right = lo;
    while (right < xs.length && column[right] == null) right++;
    let left = lo - 1;
    while (left >= 0 && column[left] == null) left--;
    for (const i of [left, right]) {
      if (i < 0 || i >= xs.length) continue;
      const value = column[i];
      if (value == null) continue;
      if (best === undefined || Math.abs(xs[i]! - x) < Math.abs(best.x - x)) best = { x: xs[i]!, value };
    }
    return best;
  });
}
