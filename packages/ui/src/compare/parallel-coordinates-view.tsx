import type { Axis } from './parallel-coordinates.js';
import { runPolylines } from './parallel-coordinates.js';
import { runColor } from '../charts/run-colors.js';

const WIDTH = 900;
const HEIGHT = 320;
const BOX = { left: 60, right: WIDTH - 60, top: 40, bottom: HEIGHT - 30 };

/** Parallel coordinates as SVG (a few dozen runs and axes: no library needed, nothing to measure but DOM nodes). */
export function ParallelCoordinatesView({ axes, runLabels }: { axes: Axis[]; runLabels: string[] }) {
  if (axes.length === 0) return <p className="muted">No params or metrics to draw.</p>;
  const lines = runPolylines(axes, runLabels.length, BOX);
  const step = axes.length > 1 ? (BOX.right - BOX.left) / (axes.length - 1) : 0;
  const axisX = (a: number) => (axes.length > 1 ? BOX.left + a * step : (BOX.left + BOX.right) / 2);
  return (
    <svg className="parallel-coordinates" data-testid="parallel-coordinates" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label="Parallel coordinates of the compared runs">
      {axes.map((axis, a) => (
        <g key={axis.id} className="pc-axis" data-axis={axis.id}>
          <line x1={axisX(a)} x2={axisX(a)} y1={BOX.top} y2={BOX.bottom} stroke="#8c959f" />
          <text x={axisX(a)} y={BOX.top - 14} textAnchor="middle" fontSize="12" fontWeight="600">
            {axis.label}
          </text>
          {axis.ticks.map((label, t) => {
            const position = axis.ticks.length === 1 ? 0.5 : t / (axis.ticks.length - 1);
            const y = BOX.bottom - position * (BOX.bottom - BOX.top);
            return (
              <text key={label + t} x={axisX(a) + 4} y={y + 4} fontSize="10" fill="#656d76">
                {label}
              </text>
            );
          })}
        </g>
      ))}
      {lines.map((pieces, run) =>
        pieces.map((points, p) => (
          <polyline key={`${run}-${p}`} className="pc-line" points={points} fill="none" stroke={runColor(run)} strokeWidth={2} opacity={0.85}>
            <title>{runLabels[run]}</title>
          </polyline>
        )),
      )}
    </svg>
  );
}
