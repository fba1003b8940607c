import { describe, expect, it } from 'vitest';
import { sampleSortedHistory, stepSampleTargets } from '@orrery/core';

describe('metric history sampling rule', () => {
  it('spreads targets evenly over the step axis, first and last included, distinct and ascending', () => {
    expect(stepSampleTargets(0, 100, 5)).toEqual([0, 25, 50, 75, 100]);
    expect(stepSampleTargets(10, 12, 10)).toEqual([10, 11, 12]);
    expect(stepSampleTargets(7, 7, 10)).toEqual([7]);
    expect(stepSampleTargets(0, 100, 1)).toEqual([0]);
    const huge = stepSampleTargets(-(2 ** 52), 2 ** 52, 2500);
    expect(huge).toHaveLength(2500);
    expect(huge.every((t, i) => i === 0 || t > huge[i - 1]!)).toBe(true);
    expect(huge.at(-1)).toBe(2 ** 52);
  });

  it('keeps every observation up to the limit, else the first observation at or after each target', () => {
    const points = [0, 1, 1, 2, 50, 51, 52, 100].map((step, i) => ({ step, i }));
    expect(sampleSortedHistory(points, 8)).toEqual(points);
    // Targets 0, 33, 66, 100: steps 0, 50 (first at or after 33), 100 (after 66, and the last).
    expect(sampleSortedHistory(points, 4).map((p) => p.i)).toEqual([0, 4, 7]);
    expect(sampleSortedHistory(points, 1).map((p) => p.i)).toEqual([0]);
  });
});
