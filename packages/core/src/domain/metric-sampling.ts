/**
 * How a long metric history is sampled for charts (get-history-bulk-interval): when a run holds
 * more observations in the requested step range than the caller asked for, the store returns, for
 * each of these targets, the first observation at the first step at or after it. The targets are
 * spread evenly over the step axis between the first and last step in range, both included, so a
 * chart drawn by step gets points evenly spaced along its x-axis, and a store can find each one
 * with an index seek instead of counting every step in the range (a rank-based pick reads all of
 * a 1,000,000-point history; this reads `count` index entries).
 *
 * Returns at most `count` distinct integers in ascending order, starting at `first` and ending at
 * `last` (only `first` when `count` is 1 or the two are equal).
 */
export function stepSampleTargets(first: number, last: number, count: number): number[] {
  if (!Number.isFinite(first) || !Number.isFinite(last) || last <= first || count <= 1) return [first];
  const targets: number[] = [first];
  const span = last - first;
  for (let j = 1; j < count - 1; j++) {
    // Floating point keeps j * span from overflowing; flooring keeps targets integral steps.
    const target = first + Math.floor((j * span) / (count - 1));
    if (target > targets[targets.length - 1]! && target < last) targets.push(target);
  }
  targets.push(last);
  return targets;
}

/**
 * The sampling rule applied to a series already in memory, in history order (step, then
 * timestamp, ...): every observation when there are at most `maxResults`, else per target of
 * `stepSampleTargets` the first observation at the first step at or after it (each once).
 * Stores that read the whole range (Redis, or SQL when its fast path cannot be exact) use it so
 * that every backend returns the same points.
 */
export function sampleSortedHistory<T extends { step: number }>(points: readonly T[], maxResults: number): T[] {
  if (points.length <= maxResults) return [...points];
  const sampled: T[] = [];
  let previous = -1;
  for (const target of stepSampleTargets(points[0]!.step, points[points.length - 1]!.step, maxResults)) {
    let lo = 0;
    let hi = points.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (points[mid]!.step < target) lo = mid + 1;
      else hi = mid;
    }
    if (lo !== previous) sampled.push(points[lo]!);
    previous = lo;
  }
  return sampled;
}
