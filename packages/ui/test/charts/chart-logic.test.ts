import { describe, expect, it } from 'vitest';
import { alignSeries, drawableValue, nearestValues, seriesByRun, smoothEma, xValues } from '../../src/charts/metric-series.js';
import { answerIsComplete, intervalQueries, shouldPoll, stepRangeForZoom } from '../../src/charts/sampling-window.js';

const points = (steps: number[], t0 = 1_700_000_000_000) => steps.map((step) => ({ step, timestamp: t0 + step * 1000, value: step * 2 }));

describe('metric series for charts', () => {
  it('groups sampled points by run in the order asked, keeping runs without points', () => {
    const grouped = seriesByRun(['b', 'a', 'c'], [
      { runId: 'a', step: 0, timestamp: 1, value: 1 },
      { runId: 'b', step: 0, timestamp: 1, value: 5 },
      { runId: 'a', step: 1, timestamp: 2, value: 2 },
    ]);
    expect(grouped.map((s) => [s.runId, s.points.map((p) => p.value)])).toEqual([['b', [5]], ['a', [1, 2]], ['c', []]]);
  });

  it('places points by step, wall time in seconds, or seconds since the run began', () => {
    const p = points([3, 5, 9]);
    expect(xValues(p, 'step')).toEqual([3, 5, 9]);
    expect(xValues(p, 'wall')).toEqual([1_700_000_003, 1_700_000_005, 1_700_000_009]);
    expect(xValues(p, 'relative')).toEqual([0, 2, 6]);
  });

  it('smooths with a debiased exponential moving average, leaving weight 0 and non-finite values alone', () => {
    expect(smoothEma([1, 2, 3], 0)).toEqual([1, 2, 3]);
    // Debiasing: a constant series stays constant from its first point.
    expect(smoothEma([4, 4, 4, 4], 0.9).map((v) => Number(v.toFixed(12)))).toEqual([4, 4, 4, 4]);
    const smoothed = smoothEma([0, 10, NaN, 10], 0.5);
    expect(smoothed[0]).toBe(0);
    expect(smoothed[1]).toBeCloseTo(10 * 0.5 / 0.75);
    expect(smoothed[2]).toBeNaN();
    expect(smoothed[3]).toBeCloseTo((0.5 * 5 + 5) / (1 - 0.125));
  });

  it('leaves gaps on a log scale where values are zero or negative', () => {
    expect([1, 0, -1, NaN, Infinity].map((v) => drawableValue(v, true))).toEqual([1, null, null, null, null]);
    expect([1, 0, -1].map((v) => drawableValue(v, false))).toEqual([1, 0, -1]);
  });

  it('aligns runs sampled at different x onto one x column, with gaps', () => {
    expect(alignSeries([{ x: [0, 2, 4], y: [1, 2, 3] }, { x: [1, 2], y: [9, 8] }])).toEqual([
      [0, 1, 2, 4],
      [1, null, 2, 3],
      [null, 9, 8, null],
    ]);
  });

  it('shows, per series, the value of its point nearest the cursor', () => {
    const columns = alignSeries([{ x: [0, 10, 20], y: [1, 2, 3] }, { x: [5, 15], y: [7, 8] }]);
    expect(nearestValues(columns, 11)).toEqual([{ x: 10, value: 2 }, { x: 15, value: 8 }]);
    expect(nearestValues(columns, 100)).toEqual([{ x: 20, value: 3 }, { x: 15, value: 8 }]);
    expect(nearestValues(alignSeries([{ x: [], y: [] }]), 3)).toEqual([undefined]);
  });
});

describe('sampling windows', () => {
  it('asks for at most 100 runs and 2500 points per request, with the step range when zoomed', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `r${i}`);
    const queries = intervalQueries(ids, 'loss', { startStep: 10, endStep: 20 }, 5000);
    expect(queries.map((q) => q.run_ids.length)).toEqual([100, 50]);
    expect(queries[0]).toMatchObject({ metric_key: 'loss', max_results: 2500, start_step: 10, end_step: 20 });
    expect(intervalQueries(['a', 'a'], 'loss', undefined, 300)).toEqual([{ run_ids: ['a'], metric_key: 'loss', max_results: 300 }]);
  });

  it('turns a zoom into a step range: directly on the step axis, through loaded points on time axes', () => {
    expect(stepRangeForZoom([], 'step', 10.4, 99.2)).toEqual({ startStep: 10, endStep: 100 });
    const series = [{ runId: 'a', points: points([0, 100, 200, 300, 400]) }];
    // Relative seconds 150..250 lie between steps 100 and 300 (the neighbours outside are kept).
    expect(stepRangeForZoom(series, 'relative', 150, 250)).toEqual({ startStep: 100, endStep: 300 });
    expect(stepRangeForZoom(series, 'relative', 5000, 6000)).toBeUndefined();
    expect(stepRangeForZoom(series, 'step', 5, 1)).toBeUndefined();
  });

  it('knows when an answer holds every point (no re-sampling needed) and when to poll', () => {
    expect(answerIsComplete([{ runId: 'a', points: points([1, 2]) }], 3)).toBe(true);
    expect(answerIsComplete([{ runId: 'a', points: points([1, 2, 3]) }], 3)).toBe(false);
    expect(shouldPoll(['FINISHED', 'RUNNING'])).toBe(true);
    expect(shouldPoll(['FINISHED', 'FAILED', 'KILLED'])).toBe(false);
  });
});
