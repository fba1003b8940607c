/**
 * The Redis search walks an index in order and stops early, or enumerates a selective clause and
 * sorts, depending on page size and selectivity (lua/search-script.ts). The conformance suite's
 * pages are mostly large; here many small pages over a few hundred runs with ties, NaN values and
 * missing keys drive the ordered walk and its tie handling, checked against core's filter
 * evaluator and the ordering rules written out below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFilter, parseSearchFilter, RUN_STATUSES } from '@orrery/core';
import type { Metric, Run, TrackingStore } from '@orrery/core';
import { SeededRandom } from '@orrery/testkit';
import { openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, sharedRedis } from './redis-service-helpers.js';

const redis = sharedRedis();
const T = 1_700_000_000_000;
const RUNS = 240;

type Term = { kind: 'metric' | 'param' | 'tag' | 'attr'; key: string; asc: boolean };

function parseTerm(text: string): Term {
  const [key, dir] = text.split(' ');
  const asc = dir !== 'DESC';
  const [prefix, name] = [key!.slice(0, key!.indexOf('.')), key!.slice(key!.indexOf('.') + 1)];
  const kind = prefix === 'metrics' ? 'metric' : prefix === 'params' ? 'param' : prefix === 'tags' ? 'tag' : 'attr';
  return { kind, key: name, asc };
}

/** Rank (0 value, 1 NaN, 2 missing) and value of a run for one term. */
function sortValue(run: Run, term: Term): [number, number | string] {
  switch (term.kind) {
    case 'metric': {
      const m = run.data.metrics.find((x) => x.key === term.key);
      if (!m) return [2, 0];
      return Number.isNaN(m.value) ? [1, 0] : [0, m.value];
    }
    case 'param': {
      const p = run.data.params.find((x) => x.key === term.key);
      return p ? [0, p.value] : [2, ''];
    }
    case 'tag': {
      const t = run.data.tags.find((x) => x.key === term.key);
      return t ? [0, t.value] : [2, ''];
    }
    case 'attr':
      switch (term.key) {
        case 'start_time':
          return [0, run.info.startTime];
        case 'end_time':
          return run.info.endTime === null ? [2, 0] : [0, run.info.endTime];
        case 'run_name':
          return [0, run.info.runName];
        case 'status':
          return [0, run.info.status];
        default:
          return [0, run.info.runId];
      }
  }
}

/** Missing values last in either direction; then start_time DESC (unless ordered by it) and run_id ASC. */
function expectedOrder(runs: Run[], orderBy: string[]): Run[] {
  const terms = orderBy.map(parseTerm);
  if (!terms.some((t) => t.kind === 'attr' && t.key === 'start_time')) terms.push({ kind: 'attr', key: 'start_time', asc: false });
  terms.push({ kind: 'attr', key: 'run_id', asc: true });
  return [...runs].sort((a, b) => {
    for (const term of terms) {
      const [ra, va] = sortValue(a, term);
      const [rb, vb] = sortValue(b, term);
      if (ra !== rb) return ra - rb;
      if (ra !== 0 || va === vb) continue;
      const c = va < vb ? -1 : 1;
      return term.asc ? c : -c;
    }
    return 0;
  });
}

const VALUES = [0, 0.5, 1, 1, 2, 3, NaN];
const WORDS = ['alpha', 'alp', 'beta', 'Beta', 'gamma', 'delta'];

function randomFilter(rng: SeededRandom): string {
  const clauses: string[] = [];
  const count = rng.int(3);
  for (let i = 0; i < count; i += 1) {
    switch (rng.int(6)) {
      case 0:
        clauses.push(`metrics.m${1 + rng.int(2)} ${rng.pick(['=', '!=', '>', '>=', '<', '<='])} ${rng.pick([0, 0.5, 1, 2, 3])}`);
        break;
      case 1:
        clauses.push(`params.p1 ${rng.pick(['=', '!='])} '${rng.pick(WORDS)}'`);
        break;
      case 2:
        clauses.push(`params.p1 ${rng.pick(['LIKE', 'ILIKE'])} '${rng.pick(['al%', '%ta', 'b_ta', '%'])}'`);
        break;
      case 3:
        clauses.push(`tags.t1 ${rng.pick(['=', '!=', 'LIKE'])} '${rng.pick(WORDS)}'`);
        break;
      case 4:
        clauses.push(`attributes.start_time ${rng.pick(['>', '<=', '='])} ${T + rng.int(60)}`);
        break;
      default:
        clauses.push(`attributes.status ${rng.pick(['=', '!='])} '${rng.pick(RUN_STATUSES)}'`);
    }
  }
  return clauses.join(' AND ');
}

const ORDERS: string[][] = [
  [],
  ['metrics.m1 DESC'],
  ['metrics.m1 ASC', 'params.p1 DESC'],
  ['params.p1 ASC'],
  ['tags.t1 DESC'],
  ['attributes.end_time ASC'],
  ['attributes.run_name DESC'],
  ['attributes.start_time ASC'],
  ['attributes.status ASC', 'metrics.m2 DESC'],
];

describe('Redis run search: ordered walk and enumeration agree with the reference rules', () => {
  let store: TrackingStore;
  /** The same data through a store whose script calls check at most 3 runs each: every walk resumes many times. */
  let boundedStore: TrackingStore;
  let cleanup: () => Promise<void>;
  const experiments: string[] = [];
  let runs: Run[] = [];

  beforeAll(async () => {
    const ns = redis.namespace('search');
    cleanup = ns.cleanup;
    store = await openRedisTrackingStore(ns.url, { defaultArtifactRoot: ARTIFACT_ROOT });
    boundedStore = await openRedisTrackingStore(ns.url, { defaultArtifactRoot: ARTIFACT_ROOT, searchVisitBudget: 3 });
    const rng = new SeededRandom(42);
    experiments.push(await store.createExperiment({ name: 'walk-a' }), await store.createExperiment({ name: 'walk-b' }));
    const created: string[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      // Start times repeat (ties) and interleave across the two experiments.
      const run = await store.createRun({ experimentId: experiments[i % 2]!, startTime: T + rng.int(60), runName: `r${rng.int(30)}` });
      const metrics: Metric[] = [];
      for (const key of ['m1', 'm2']) {
        if (rng.chance(0.75)) metrics.push({ key, value: rng.pick(VALUES), step: 0, timestamp: T });
      }
      await store.logBatch(run.info.runId, {
        metrics,
        params: rng.chance(0.8) ? [{ key: 'p1', value: rng.pick(WORDS) }] : [],
        tags: rng.chance(0.7) ? [{ key: 't1', value: rng.pick(WORDS) }] : [],
      });
      if (rng.chance(0.6)) {
        await store.updateRun(run.info.runId, { status: rng.pick(RUN_STATUSES), ...(rng.chance(0.7) ? { endTime: T + rng.int(40) } : {}) });
      }
      if (rng.chance(0.1)) await store.deleteRun(run.info.runId);
      created.push(run.info.runId);
    }
    runs = await Promise.all(created.map((id) => store.getRun(id)));
  }, 120_000);

  afterAll(async () => {
    await boundedStore?.close();
    await store?.close();
    await cleanup?.();
  });

  it.each([
    ['one script call per page', () => store],
    ['script calls bounded to 3 runs each', () => boundedStore],
  ])('pages of 1 to 9 runs give the same runs, in the same order, as the rules (%s)', async (_label, storeUnderTest) => {
    const store = storeUnderTest();
    const rng = new SeededRandom(7);
    const active = runs.filter((r) => r.info.lifecycleStage === 'active');
    const failures: string[] = [];
    for (let q = 0; q < 70; q += 1) {
      const filter = randomFilter(rng);
      const orderBy = rng.pick(ORDERS);
      const ast = parseSearchFilter(filter, 'run');
      const expected = expectedOrder(active.filter((r) => evaluateFilter(ast, r)), orderBy).map((r) => r.info.runId);
      const pageSize = 1 + rng.int(9);
      const got: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.searchRuns({ experimentIds: experiments, filter, orderBy, maxResults: pageSize, ...(token ? { pageToken: token } : {}) });
        got.push(...page.items.map((r) => r.info.runId));
        token = page.nextPageToken;
        pages += 1;
      } while (token && pages < 400);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        const firstDiff = got.findIndex((id, i) => id !== expected[i]);
        failures.push(`filter ${JSON.stringify(filter)} order ${JSON.stringify(orderBy)} pages of ${pageSize}: got ${got.length}, expected ${expected.length}, first difference at ${firstDiff}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps deleted runs apart by view and finds them with DELETED_ONLY', async () => {
    const deleted = runs.filter((r) => r.info.lifecycleStage === 'deleted').map((r) => r.info.runId).sort();
    expect(deleted.length).toBeGreaterThan(0);
    const page = await store.searchRuns({ experimentIds: experiments, runViewType: 'DELETED_ONLY', maxResults: 1000 });
    expect(page.items.map((r) => r.info.runId).sort()).toEqual(deleted);
  });
});
