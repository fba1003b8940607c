/** The SVG path of a sparkline: values spread evenly over the width, scaled to the height (non-finite values skipped). */
export function sparklinePath(values: readonly number[], width: number, height: number, pad = 2): string {
  const points = values.map((value, index) => ({ index, value })).filter((point) => Number.isFinite(point.value));
  if (points.length === 0) return '';
  const min = Math.min(...points.map((point) => point.value));
  const max = Math.max(...points.map((point) => point.value));
  const span = max - min;
  const last = Math.max(1, values.length - 1);
  const x = (index: number) => pad + ((width - 2 * pad) * index) / last;
  const y = (value: number) => (span === 0 ? height / 2 : pad + (height - 2 * pad) * (1 - (value - min) / span));
  if (points.length === 1) return `M${pad},${y(points[0]!.value).toFixed(1)}H${width - pad}`;
  return points.map((point, order) => `${order === 0 ? 'M' : 'L'}${x(point.index).toFixed(1)},${y(point.value).toFixed(1)}`).join('');
}
