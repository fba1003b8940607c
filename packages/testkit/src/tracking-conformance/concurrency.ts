import { describe, expect, it } from 'vitest';
import {
  BASE_TIME,
  createExperiment,
  freshStorePerTest,
  paramMap,
  userTags,
  type TrackingStoreConformanceOptions,
} from './harness.js';

const WRITERS = 8;
const METRICS_PER_WRITER = 25;

/** Concurrent writers lose nothing. Fresh store per test. */
export function concurrencyConformance(options: TrackingStoreConformanceOptions): void {
  describe('concurrency', () => {
    const h = freshStorePerTest(options);

    it(`keeps every write of ${WRITERS} concurrent writers to one run`, async () => {
      const experimentId = await createExperiment(h.store, 'concurrent');
      const runId = (await h.store.createRun({ experimentId, startTime: BASE_TIME })).info.runId;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let i = 0; i < METRICS_PER_WRITER; i += 1) {
            await h.store.logMetric(runId, { key: 'shared', value: writer * 1000 + i, step: i, timestamp: BASE_TIME + writer });
            await h.store.logMetric(runId, { key: `own_${writer}`, value: i, step: i, timestamp: BASE_TIME });
            if (i % 5 === 0) {
              await h.store.logParam(runId, { key: `p_${writer}_${i}`, value: `${writer}:${i}` });
              await h.store.setTag(runId, { key: `t_${writer}_${i}`, value: `${writer}:${i}` });
              await h.store.logBatch(runId, {
                metrics: [{ key: 'batched', value: writer, step: i, timestamp: BASE_TIME }],
                params: [{ key: 'same_everywhere', value: 'x' }],
                tags: [{ key: `bt_${writer}_${i}`, value: 'v' }],
              });
            }
          }
        }),
      );
      const shared = (await h.store.getMetricHistory(runId, 'shared')).items;
      expect(shared).toHaveLength(WRITERS * METRICS_PER_WRITER);
      expect(new Set(shared.map((m) => m.value)).size).toBe(WRITERS * METRICS_PER_WRITER);
      for (let writer = 0; writer < WRITERS; writer += 1) {
        expect((await h.store.getMetricHistory(runId, `own_${writer}`)).items).toHaveLength(METRICS_PER_WRITER);
      }
      const perWriter = METRICS_PER_WRITER / 5;
      expect((await h.store.getMetricHistory(runId, 'batched')).items).toHaveLength(WRITERS * perWriter);
      const run = await h.store.getRun(runId);
      expect(paramMap(run).size).toBe(WRITERS * perWriter + 1);
      expect(userTags(run).size).toBe(2 * WRITERS * perWriter);
      expect(run.data.metrics).toHaveLength(2 + WRITERS);
    });

    it('creates runs concurrently with distinct ids', async () => {
      const experimentId = await createExperiment(h.store, 'concurrent-create');
      const ids = (
        await Promise.all(
          Array.from({ length: WRITERS }, async (_, writer) => {
            const mine: string[] = [];
            for (let i = 0; i < 3; i += 1) {
              mine.push((await h.store.createRun({ experimentId, startTime: BASE_TIME + writer * 10 + i })).info.runId);
            }
            return mine;
          }),
        )
      ).flat();
      expect(new Set(ids).size).toBe(WRITERS * 3);
      const found = await h.store.searchRuns({ experimentIds: [experimentId] });
      expect(new Set(found.items.map((r) => r.info.runId))).toEqual(new Set(ids));
    });
  });
}
