import { sparklinePath } from '../state/sparkline-path.js';

/** A small line of a metric's sampled history. */
export function Sparkline({ values, width = 120, height = 24 }: { values: number[]; width?: number; height?: number }) {
  const d = sparklinePath(values, width, height);
  if (d === '') return null;
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`sparkline of ${values.length} points`}>
      <path d={d} fill="none" stroke="#0b63c5" strokeWidth="1.5" />
    </svg>
  );
}
