import { describe, expect, it } from 'vitest';
import type { Metric, RunMetric } from '@orrery/core';
import { LIMITS, readWholeMetricHistory, stepSampleTargets } from '@orrery/core';
import {
  BASE_TIME,
  createExperiment,
  expectOrreryError,
  freshStorePerTest,
  type TrackingStoreConformanceOptions,
} from './harness.js';

/** The value logged at a step, so returned points can be checked against what was logged. */
function valueAt(runIndex: number, step: number): number {
  return runIndex * 1000 + step / 10;
}

function assertOrdered(points: RunMetric[]): void {
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const inOrder =
      a.runId < b.runId || (a.runId === b.runId && (a.step < b.step || (a.step === b.step && a.timestamp <= b.timestamp)));
    expect(inOrder, `points ${i - 1} and ${i} out of order`).toBe(true);
  }
}

/** getMetricHistoryBulkInterval: sampling bounds, endpoints and order. Fresh store per test. */
export function historyConformance(options: TrackingStoreConformanceOptions): void {
  describe('getMetricHistoryBulkInterval', () => {
    const h = freshStorePerTest(options);

    /** Run 0 logs steps 0..99, run 1 the even steps 0..98, one point per step. */
    async function seed(): Promise<string[]> {
      const experimentId = await createExperiment(h.store, 'interval');
      const stepsPerRun = [
        Array.from({ length: 100 }, (_, i) => i),
        Array.from({ length: 50 }, (_, i) => i * 2),
      ];
      const runIds: string[] = [];
      for (const [runIndex, steps] of stepsPerRun.entries()) {
        const run = await h.store.createRun({ experimentId, startTime: BASE_TIME });
        await h.store.logBatch(run.info.runId, {
          metrics: steps.map((step) => ({ key: 'loss', value: valueAt(runIndex, step), step, timestamp: BASE_TIME + step })),
        });
        runIds.push(run.info.runId);
      }
      return runIds;
    }

    function checkRun(points: RunMetric[], runId: string, runIndex: number, first: number, last: number, max: number) {
      const mine = points.filter((p) => p.runId === runId);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.length).toBeLessThanOrEqual(max);
      expect(mine[0]!.step).toBe(first);
      expect(mine.at(-1)!.step).toBe(last);
      for (const p of mine) {
        expect(p.key).toBe('loss');
        expect(p.value).toBe(valueAt(runIndex, p.step));
        expect(p.timestamp).toBe(BASE_TIME + p.step);
        expect(p.step).toBeGreaterThanOrEqual(first);
        expect(p.step).toBeLessThanOrEqual(last);
      }
      expect(new Set(mine.map((p) => p.step)).size).toBe(mine.length);
    }

    it('samples at most maxResults points per run, keeping the first and last step, in order', async () => {
      const [r0, r1] = await seed();
      const points = await h.store.getMetricHistoryBulkInterval({ runIds: [r0!, r1!], metricKey: 'loss', maxResults: 10 });
      assertOrdered(points);
      checkRun(points, r0!, 0, 0, 99, 10);
      checkRun(points, r1!, 1, 0, 98, 10);
      expect(new Set(points.map((p) => p.runId))).toEqual(new Set([r0, r1]));
    });

    it('limits sampling to the inclusive step range', async () => {
      const [r0, r1] = await seed();
      const points = await h.store.getMetricHistoryBulkInterval({
        runIds: [r1!, r0!],
        metricKey: 'loss',
        startStep: 20,
        endStep: 60,
        maxResults: 7,
      });
      assertOrdered(points);
      checkRun(points, r0!, 0, 20, 60, 7);
      checkRun(points, r1!, 1, 20, 60, 7);
    });

    it('returns every point when maxResults covers the range, and nothing for an unknown key', async () => {
      const [r0, r1] = await seed();
      const points = await h.store.getMetricHistoryBulkInterval({ runIds: [r0!, r1!], metricKey: 'loss' });
      assertOrdered(points);
      expect(points.filter((p) => p.runId === r0).map((p) => p.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(points.filter((p) => p.runId === r1).map((p) => p.step)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
      expect(await h.store.getMetricHistoryBulkInterval({ runIds: [r0!], metricKey: 'nothing' })).toEqual([]);
    });

    /** The steps a sampled read must return for `logged` (ascending distinct steps), by core's rule. */
    function expectedSample(logged: number[], from: number, to: number, maxResults: number): number[] {
      const inRange = logged.filter((s) => s >= from && s <= to);
      if (inRange.length <= maxResults) return inRange;
      const picked = stepSampleTargets(inRange[0]!, inRange.at(-1)!, maxResults).map((t) => inRange.find((s) => s >= t)!);
      return [...new Set(picked)];
    }

    it('samples a long history at steps evenly spread over the step axis, reading batches logged in order', async () => {
      const experimentId = await createExperiment(h.store, 'interval-long');
      const run = await h.store.createRun({ experimentId, startTime: BASE_TIME });
      // Dense steps 0..999 then a sparse tail (every 50th step up to 5950), in batches of 250 as
      // a training loop sends them; step 7 is logged twice (the earlier timestamp comes first).
      const steps = [...Array.from({ length: 1000 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 1000 + i * 50)];
      const metrics = steps.map((step) => ({ key: 'loss', value: step / 4, step, timestamp: BASE_TIME + step + 10 }));
      metrics.splice(7, 0, { key: 'loss', value: -1, step: 7, timestamp: BASE_TIME });
      for (let at = 0; at < metrics.length; at += 250) await h.store.logBatch(run.info.runId, { metrics: metrics.slice(at, at + 250) });
      const runId = run.info.runId;
      for (const [from, to, maxResults] of [[undefined, undefined, 40], [105, 895, 10], [0, 20, 5], [900, 5000, 30]] as const) {
        const points = await h.store.getMetricHistoryBulkInterval({
          runIds: [runId],
          metricKey: 'loss',
          maxResults,
          ...(from !== undefined ? { startStep: from, endStep: to } : {}),
        });
        expect(points.map((p) => p.step), `range ${from}..${to}, ${maxResults} points`).toEqual(
          expectedSample(steps, from ?? 0, to ?? Infinity, maxResults),
        );
        for (const p of points) expect(p.value).toBe(p.step === 7 ? -1 : p.step / 4);
      }
    });

    it('rejects bad arguments with INVALID_PARAMETER_VALUE', async () => {
      const [r0] = await seed();
      const call = (input: Partial<Parameters<typeof h.store.getMetricHistoryBulkInterval>[0]>) =>
        h.store.getMetricHistoryBulkInterval({ runIds: [r0!], metricKey: 'loss', ...input });
      await expectOrreryError(call({ runIds: [] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        call({ runIds: Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0')) }),
        'INVALID_PARAMETER_VALUE',
      );
      for (const maxResults of [0, -5, 2501]) {
        await expectOrreryError(call({ maxResults }), 'INVALID_PARAMETER_VALUE');
      }
    });
  });

  describe('whole metric history (readWholeMetricHistory, the store\'s streamMetricHistory if any)', () => {
    const h = freshStorePerTest(options);

    it('yields every observation once, in history order, across more than one page', async () => {
      const experimentId = await createExperiment(h.store, 'whole-history');
      const run = await h.store.createRun({ experimentId, startTime: BASE_TIME });
      // More than one page of the API's maximum, with repeated steps that differ by timestamp,
      // a NaN and infinities; logged in an order that is not the history's order.
      const total = LIMITS.metricHistory.maxResults + 250;
      const logged: Metric[] = Array.from({ length: total }, (_, i) => ({
        key: 'loss',
        value: i === 3 ? Number.NaN : i === 4 ? Infinity : i === 5 ? -Infinity : i / 7,
        timestamp: BASE_TIME + (i % 3),
        step: Math.floor(i / 2),
      }));
      const shuffled = [...logged].reverse();
      for (let at = 0; at < shuffled.length; at += 1000) {
        await h.store.logBatch(run.info.runId, { metrics: shuffled.slice(at, at + 1000) });
      }
      const batches: Metric[][] = [];
      for await (const batch of readWholeMetricHistory(h.store, run.info.runId, 'loss')) batches.push(batch);
      expect(batches.length).toBeGreaterThan(1);
      for (const batch of batches) expect(batch.length).toBeGreaterThan(0);
      const paged: Metric[] = [];
      let pageToken: string | undefined;
      do {
        const page = await h.store.getMetricHistory(run.info.runId, 'loss', { maxResults: 10_000, ...(pageToken ? { pageToken } : {}) });
        paged.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken);
      const whole = batches.flat();
      expect(whole).toHaveLength(total);
      expect(whole).toEqual(paged);
      const byOrder = [...logged].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
      expect(whole.map((m) => [m.step, m.timestamp])).toEqual(byOrder.map((m) => [m.step, m.timestamp]));
    });

    it('refuses a missing run and stops early without error', async () => {
      await expectOrreryError(
        (async () => {
          for await (const batch of readWholeMetricHistory(h.store, 'f'.repeat(32), 'loss')) void batch;
        })(),
        'RESOURCE_DOES_NOT_EXIST',
      );
      const experimentId = await createExperiment(h.store, 'early-stop');
      const run = await h.store.createRun({ experimentId, startTime: BASE_TIME });
      await h.store.logBatch(run.info.runId, { metrics: [{ key: 'm', value: 1, timestamp: BASE_TIME, step: 0 }] });
      for await (const batch of readWholeMetricHistory(h.store, run.info.runId, 'm')) {
        expect(batch).toEqual([{ key: 'm', value: 1, timestamp: BASE_TIME, step: 0 }]);
        break;
      }
    });
  });
}
