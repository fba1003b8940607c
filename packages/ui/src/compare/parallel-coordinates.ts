/**
 * A parallel-coordinates view of runs: one vertical axis per param or metric, one line per run
 * crossing each axis at its value. Numeric axes are linear between the runs' minimum and maximum;
 * an axis with any non-numeric value is categorical (its values spread evenly, sorted). The
 * layout is computed here as plain numbers, and drawn as SVG by `parallel-coordinates-view.tsx`.
 */

export interface AxisSource {
  /** `param:<key>` or `metric:<key>` (unique), and what the axis is titled. */
  id: string;
  label: string;
  /** One raw value per run, in the runs' order; undefined where a run lacks it. */
  values: (string | number | undefined)[];
}

export interface Axis {
  id: string;
  label: string;
  kind: 'numeric' | 'categorical';
  /** Tick labels from bottom to top. */
  ticks: string[];
  /** Where each run crosses the axis, 0 (bottom) to 1 (top); undefined where the run lacks a value. */
  positions: (number | undefined)[];
}

function asNumber(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Formats an axis tick without long float tails. */
function tick(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

export function buildAxis(source: AxisSource): Axis {
  const present = source.values.filter((v): v is string | number => v !== undefined);
  const numeric = present.length > 0 && present.every((v) => asNumber(v) !== undefined);
  if (numeric) {
    const numbers = source.values.map(asNumber);
    const defined = numbers.filter((n): n is number => n !== undefined);
    const min = Math.min(...defined);
    const max = Math.max(...defined);
    const span = max - min;
    return {
      id: source.id,
      label: source.label,
      kind: 'numeric',
      ticks: span === 0 ? [tick(min)] : [tick(min), tick(min + span / 2), tick(max)],
      // A constant axis puts every run in the middle.
      positions: numbers.map((n) => (n === undefined ? undefined : span === 0 ? 0.5 : (n - min) / span)),
    };
  }
  const categories = [...new Set(present.map(String))].sort();
  const slot = (value: string): number => (categories.length === 1 ? 0.5 : categories.indexOf(value) / (categories.length - 1));
  return {
    id: source.id,
    label: source.label,
    kind: 'categorical',
    ticks: categories,
    positions: source.values.map((v) => (v === undefined ? undefined : slot(String(v)))),
  };
}

/** Axes worth drawing: those where at least one run has a value (and, when several runs, where they are not all missing). */
export function buildAxes(sources: readonly AxisSource[]): Axis[] {
  return sources.filter((s) => s.values.some((v) => v !== undefined)).map(buildAxis);
}

/**
 * SVG polyline points of each run over `axes` laid out from `left` to `right` (pixels) and from
 * `top` to `bottom`: a run's line breaks where it lacks a value (each unbroken stretch is one
 * polyline, as "x,y x,y" text).
 */
export function runPolylines(axes: readonly Axis[], runCount: number, box: { left: number; right: number; top: number; bottom: number }): string[][] {
  const step = axes.length > 1 ? (box.right - box.left) / (axes.length - 1) : 0;
  const lines: string[][] = [];
  for (let run = 0; run < runCount; run++) {
    const pieces: string[] = [];
    let current: string[] = [];
    axes.forEach((axis, a) => {
      const position = axis.positions[run];
      if (position === undefined) {
        if (current.length > 0) pieces.push(current.join(' '));
        current = [];
        return;
      }
      const x = axes.length > 1 ? box.left + a * step : (box.left + box.right) / 2;
      const y = box.bottom - position * (box.bottom - box.top);
      current.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    });
    if (current.length > 0) pieces.push(current.join(' '));
    lines.push(pieces);
  }
  return lines;
}
