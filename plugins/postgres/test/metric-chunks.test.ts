import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric } from '@orrery/core';
import { isOrreryError, sampleSortedHistory } from '@orrery/core';
import type { TrackingService } from '@orrery/core';
import { CHUNK_MAX_POINTS, CHUNK_MIN_POINTS } from '@orrery/plugin-postgres';
import { openPostgresTrackingStore, parsePostgresUri } from '@orrery/plugin-postgres';
import { queryRows, useTestDatabase } from './postgres-test-helpers.js';

/**
 * PostgreSQL stores a log-batch's points of one key as chunks (migration 8) when there are enough
 * of them, and as rows otherwise; every read takes both together. These batches mix the two on
 * purpose: chunks whose step ranges overlap each other and the rows, repeated steps, identical
 * observations, NaN and infinities, groups just under and over the chunk thresholds. Every read
 * is checked against a model of the history computed here.
 */
const db = useTestDatabase();

type Point = Pick<Metric, 'value' | 'timestamp' | 'step'>;

/** Small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** History order: step, timestamp, NaN above numbers, value. */
function compare(a: Point, b: Point): number {
  if (a.step !== b.step) return a.step - b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  const an = Number.isNaN(a.value) ? 1 : 0;
  const bn = Number.isNaN(b.value) ? 1 : 0;
  if (an !== bn) return an - bn;
  return an ? 0 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

const show = (p: Point): string => `${p.step}|${p.timestamp}|${Object.is(p.value, -0) ? '-0' : String(p.value)}`;

describe('PostgreSQL metric history stored as rows and chunks', () => {
  let store: TrackingService;
  let schema: string;
  const logged = new Map<string, Point[]>(); // `${runId}/${key}` -> points
  const runIds: string[] = [];
  const KEYS = ['a', 'b', 'c'];

  beforeAll(async () => {
    const uri = db.freshSchemaUri();
    schema = parsePostgresUri(uri).settings.schema!;
    store = await openPostgresTrackingStore(uri, { defaultArtifactRoot: 'file:///tmp/orrery-pg-chunks' });
    const next = random(20261127);
    const pool = [0.5, 1.25, -3, Infinity, -Infinity, NaN, 0, 7];
    const value = (): number => (next() < 0.5 ? pool[Math.floor(next() * pool.length)]! : Math.round(next() * 1e6) / 1e3);
    const sizes = [0, 1, CHUNK_MIN_POINTS - 1, CHUNK_MIN_POINTS, 5, 17, CHUNK_MAX_POINTS, CHUNK_MAX_POINTS + 1, 300];
    for (let r = 0; r < 2; r++) {
      const run = await store.createRun({ experimentId: '0' });
      const runId = run.info.runId;
      runIds.push(runId);
      const record = (key: string, p: Point): void => {
        const id = `${runId}/${key}`;
        if (!logged.has(id)) logged.set(id, []);
        logged.get(id)!.push(p);
      };
      for (let b = 0; b < 24; b++) {
        const metrics: Metric[] = [];
        for (const key of KEYS) {
          const size = Math.min(sizes[Math.floor(next() * sizes.length)]!, 1000 - metrics.length - 2);
          // Steps from a random base, mostly rising with repeats, so chunks overlap one another.
          const base = Math.floor(next() * 400);
          for (let i = 0; i < size; i++) {
            const p = { value: value(), timestamp: Math.floor(next() * 3), step: base + Math.floor(i * next() * 1.5) };
            metrics.push({ key, ...p });
            record(key, p);
          }
        }
        // Every fourth batch carries a param as well, so it takes the transaction path (rows).
        const params = b % 4 === 3 ? [{ key: `p${b}`, value: 'x' }] : [];
        if (metrics.length > 0 || params.length > 0) await store.logBatch(runId, { metrics, params, tags: [] });
        // And single log-metric calls in between (rows).
        const single = { key: KEYS[b % KEYS.length]!, value: value(), timestamp: 1, step: Math.floor(next() * 400) };
        await store.logMetric(runId, single);
        record(single.key, single);
      }
    }
  });

  afterAll(async () => {
    await store?.close();
  });

  const streamed = async (runId: string, key: string): Promise<Metric[]> => {
    const all: Metric[] = [];
    for await (const batch of store.streamMetricHistory!(runId, key)) all.push(...batch);
    return all;
  };

  it('store both kinds: chunks within the size cap, and rows', async () => {
    const chunks = await queryRows<{ n: number; biggest: number; smallest: number }>(
      db.url,
      `SELECT COUNT(*)::int AS n, MAX(points) AS biggest, MIN(points) AS smallest FROM ${schema}.metric_chunks`,
    );
    expect(chunks[0]!.n).toBeGreaterThan(10);
    expect(chunks[0]!.biggest).toBeLessThanOrEqual(CHUNK_MAX_POINTS);
    expect(chunks[0]!.smallest).toBeGreaterThanOrEqual(CHUNK_MIN_POINTS);
    const rows = await queryRows<{ n: number }>(db.url, `SELECT COUNT(*)::int AS n FROM ${schema}.metrics`);
    expect(rows[0]!.n).toBeGreaterThan(10);
  });

  it('stream each whole history in order, every observation once', async () => {
    for (const runId of runIds) {
      for (const key of KEYS) {
        const expected = [...(logged.get(`${runId}/${key}`) ?? [])].sort(compare);
        const got = await streamed(runId, key);
        expect(got.map(show)).toEqual(expected.map(show));
        expect(got.every((m) => m.key === key)).toBe(true);
      }
    }
  });

  it('page through each history with any page size to exactly the streamed history', { timeout: 120_000 }, async () => {
    for (const runId of runIds) {
      for (const key of KEYS) {
        const whole = await streamed(runId, key);
        // Pages of 1 for the first 50 observations only (a page is a round trip).
        for (const [size, most] of [[1, 50], [31, Infinity], [250, Infinity], [25_000, Infinity]] as const) {
          const pages: Metric[] = [];
          let token: string | undefined;
          do {
            const page = await store.getMetricHistory(runId, key, { maxResults: size, pageToken: token });
            if (page.nextPageToken) expect(page.items).toHaveLength(size);
            pages.push(...page.items);
            token = page.nextPageToken;
          } while (token && pages.length < most);
          expect(pages.map(show)).toEqual(whole.slice(0, Math.min(most, whole.length)).map(show));
        }
      }
    }
  });

  it('sample with get-history-bulk-interval as the model does, over rows and chunks alike', async () => {
    for (const key of KEYS) {
      for (const [maxResults, startStep, endStep] of [
        [1, undefined, undefined],
        [5, undefined, undefined],
        [50, 40, 300],
        [1000, 100, 101],
      ] as const) {
        const got = await store.getMetricHistoryBulkInterval({ runIds, metricKey: key, maxResults, startStep, endStep });
        const expected: string[] = [];
        for (const runId of [...runIds].sort()) {
          const points = (logged.get(`${runId}/${key}`) ?? []).filter(
            (p) => (startStep === undefined || p.step >= startStep) && (endStep === undefined || p.step <= endStep),
          );
          for (const p of sampleSortedHistory([...points].sort(compare), maxResults)) expected.push(`${runId} ${show(p)}`);
        }
        expect(got.map((m) => `${m.runId} ${show(m)}`)).toEqual(expected);
        expect(got.every((m) => m.key === key)).toBe(true);
      }
    }
  });

  it('keep signed zeros, infinities and NaN in a chunk exactly', async () => {
    const run = await store.createRun({ experimentId: '0' });
    const values = [-0, 0, Infinity, -Infinity, NaN, 5e-324, -1.7976931348623157e308, 0.1 + 0.2];
    await store.logBatch(run.info.runId, { metrics: values.map((value, step) => ({ key: 'z', value, timestamp: 3, step })) });
    const got = await streamed(run.info.runId, 'z');
    expect(got.map((m) => m.value)).toEqual(values);
    got.forEach((m, i) => expect(Object.is(m.value, values[i])).toBe(true));
    const paged = (await store.getMetricHistory(run.info.runId, 'z', { maxResults: 3 })).items.map((m) => m.value);
    expect(paged.map((v) => Object.is(v, -0))).toEqual([true, false, false]);
  });

  it('store full chunks of the longest key (250 three-byte characters) within a page', async () => {
    const run = await store.createRun({ experimentId: '0' });
    const key = '語'.repeat(250);
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key, value: i / 7, timestamp: 5, step: 999 - i }));
    await store.logBatch(run.info.runId, { metrics });
    const chunks = await queryRows<{ points: number }>(db.url, `SELECT points FROM ${schema}.metric_chunks WHERE run_uuid = $1 ORDER BY id`, [run.info.runId]);
    expect(chunks.map((c) => c.points)).toEqual([250, 250, 250, 250]);
    const got = await streamed(run.info.runId, key);
    expect(got.map(show)).toEqual([...metrics].sort(compare).map(show));
  });

  it('refuse a chunk-sized batch to a deleted run and store none of it', async () => {
    const run = await store.createRun({ experimentId: '0' });
    await store.deleteRun(run.info.runId);
    const metrics = Array.from({ length: 40 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    const error = await store.logBatch(run.info.runId, { metrics }).catch((e: unknown) => e);
    expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
    const stored = await queryRows<{ n: number }>(db.url, `SELECT COUNT(*)::int AS n FROM ${schema}.metric_history WHERE run_uuid = $1`, [run.info.runId]);
    expect(stored[0]!.n).toBe(0);
  });
});
