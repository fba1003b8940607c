import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_STATUSES, evaluateFilter, parseSearchFilter } from '@orrery/core';
import type { Metric, Run } from '@orrery/core';
import { BASE_TIME, createExperiment, sharedStorePerBlock, type TrackingStoreConformanceOptions } from './harness.js';
import { SeededRandom, conformanceSeed } from './seeded-random.js';

const RUNS = 60;
const FILTERS = 250;

const NUMBERS = [-2, -0.5, 0, 0.25, 1, 1.5, 3, 10, 100];
const STRINGS = ['alpha', 'Alpha', 'ALPHA', 'alp', 'beta', 'Beta-2', 'b_ta', 'gamma ray', 'x', 'xy', 'Gamma'];
const USERS = ['alice', 'bob', 'Carol', 'dave'];
const NAMES = ['alpha', 'Alpha', 'beta-1', 'beta_2', 'gamma'];
const METRIC_KEYS = ['m1', 'm2', 'm3'];
const PARAM_KEYS = ['p1', 'p2', 'p.dotted'];
const TAG_KEYS = ['t1', 't2', 'key with space'];

function quoteKey(key: string, rng: SeededRandom): string {
  if (/^[\w]+$/.test(key)) return key;
  return rng.chance(0.5) ? `\`${key}\`` : `"${key}"`;
}

function flipCase(value: string, rng: SeededRandom): string {
  return [...value].map((c) => (rng.chance(0.3) ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
}

/** A LIKE pattern derived from a plausible value, so patterns match some runs and miss others. */
function likePattern(rng: SeededRandom, pool: readonly string[]): string {
  let base = rng.pick(pool);
  if (rng.chance(0.4)) base = flipCase(base, rng);
  const cut = 1 + rng.int(Math.max(1, base.length - 1));
  switch (rng.int(5)) {
    case 0:
      return `${base.slice(0, cut)}%`;
    case 1:
      return `%${base.slice(cut)}`;
    case 2:
      return `%${base.slice(1, cut + 1)}%`;
    case 3: {
      const at = rng.int(base.length);
      return `${base.slice(0, at)}_${base.slice(at + 1)}`;
    }
    default:
      return rng.chance(0.2) ? '%' : base;
  }
}

function stringClause(rng: SeededRandom, lhs: string, pool: readonly string[]): string {
  const op = rng.pick(['=', '!=', 'LIKE', 'ILIKE']);
  const value = op === '=' || op === '!=' ? (rng.chance(0.2) ? flipCase(rng.pick(pool), rng) : rng.pick(pool)) : likePattern(rng, pool);
  return `${lhs} ${op} '${value}'`;
}

function numberValue(rng: SeededRandom): number {
  const n = rng.pick(NUMBERS);
  return rng.chance(0.3) ? n + 0.1 : n;
}

function randomClause(rng: SeededRandom, runIds: string[]): string {
  const numericOps = ['=', '!=', '>', '>=', '<', '<='];
  switch (rng.int(9)) {
    case 0:
    case 1: {
      const key = rng.chance(0.1) ? 'never_logged' : rng.pick(METRIC_KEYS);
      return `metrics.${key} ${rng.pick(numericOps)} ${numberValue(rng)}`;
    }
    case 2:
    case 3:
      return stringClause(rng, `${rng.pick(['params', 'param'])}.${quoteKey(rng.pick(PARAM_KEYS), rng)}`, STRINGS);
    case 4:
    case 5:
      return stringClause(rng, `${rng.pick(['tags', 'tag'])}.${quoteKey(rng.pick(TAG_KEYS), rng)}`, STRINGS);
    case 6: {
      const attr = rng.pick(['status', 'user_id', 'run_name']);
      const prefix = rng.pick(['attributes', 'attr', 'run']);
      if (attr === 'status') return `${prefix}.status ${rng.pick(['=', '!='])} '${rng.pick(RUN_STATUSES)}'`;
      return stringClause(rng, `${prefix}.${attr}`, attr === 'user_id' ? USERS : NAMES);
    }
    case 7: {
      const attr = rng.pick(['start_time', 'end_time']);
      return `attributes.${attr} ${rng.pick(numericOps)} ${BASE_TIME + rng.int(700)}`;
    }
    default: {
      const chosen = rng.subset(runIds, 0.1);
      const list = (chosen.length > 0 ? chosen : [rng.pick(runIds)]).map((id) => `'${id}'`).join(', ');
      return `attributes.run_id ${rng.pick(['IN', 'NOT IN'])} (${list})`;
    }
  }
}

/**
 * Randomized cross-check of searchRuns against core's reference evaluator: seeded runs with
 * random data, random valid filters, and the store's result set compared with
 * `evaluateFilter(parseSearchFilter(filter), run)` over every run. One seeded store for the block.
 * Replay a failure with `ORRERY_CONFORMANCE_SEED=<seed>`.
 */
export function randomSearchConformance(options: TrackingStoreConformanceOptions): void {
  describe('searchRuns: randomized cross-check with the reference evaluator (one seeded store)', () => {
    const h = sharedStorePerBlock(options);
    const seed = conformanceSeed();
    let experimentId = '';
    const runs: Run[] = [];

    beforeAll(async () => {
      const rng = new SeededRandom(seed);
      experimentId = await createExperiment(h.store, 'random');
      for (let i = 0; i < RUNS; i += 1) {
        const start = BASE_TIME + i * 10;
        const created = await h.store.createRun({
          experimentId,
          userId: rng.pick(USERS),
          startTime: start,
          runName: `${rng.pick(NAMES)}-${i}`,
        });
        const runId = created.info.runId;
        const metrics: Metric[] = [];
        for (const key of METRIC_KEYS) {
          if (!rng.chance(0.7)) continue;
          const observations = 1 + rng.int(3);
          // Distinct timestamps per key, so no two observations are identical; steps may repeat
          // to exercise the timestamp tie-break of the latest value.
          for (let n = 0; n < observations; n += 1) {
            metrics.push({ key, value: numberValue(rng), step: rng.int(2), timestamp: start + n });
          }
        }
        const params = PARAM_KEYS.filter(() => rng.chance(0.7)).map((key) => ({ key, value: rng.pick(STRINGS) }));
        const tags = TAG_KEYS.filter(() => rng.chance(0.7)).map((key) => ({ key, value: rng.pick(STRINGS) }));
        await h.store.logBatch(runId, { metrics, params, tags });
        const status = rng.pick(RUN_STATUSES);
        const ended = rng.chance(0.5);
        await h.store.updateRun(runId, { status, ...(ended ? { endTime: start + rng.int(100) } : {}) });
      }
      const all = await h.store.searchRuns({ experimentIds: [experimentId], runViewType: 'ALL' });
      for (const item of all.items) runs.push(await h.store.getRun(item.info.runId));
    });

    it(`agrees with evaluateFilter on ${FILTERS} random filters (seed ${seed})`, async () => {
      expect(runs).toHaveLength(RUNS);
      const rng = new SeededRandom(seed + 1);
      const runIds = runs.map((r) => r.info.runId);
      const mismatches: string[] = [];
      let nonTrivial = 0;
      for (let i = 0; i < FILTERS; i += 1) {
        const clauses = Array.from({ length: 1 + rng.int(3) }, () => randomClause(rng, runIds));
        const filter = clauses.join(rng.chance(0.8) ? ' AND ' : ' and ');
        const ast = parseSearchFilter(filter, 'run');
        const expected = runs.filter((run) => evaluateFilter(ast, run)).map((r) => r.info.runId).sort();
        if (expected.length > 0 && expected.length < RUNS) nonTrivial += 1;
        let actual: string[];
        try {
          const page = await h.store.searchRuns({ experimentIds: [experimentId], filter, maxResults: 1000 });
          actual = page.items.map((r) => r.info.runId).sort();
        } catch (error) {
          mismatches.push(`${filter}\n    threw ${String(error)}`);
          continue;
        }
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          const missing = expected.filter((id) => !actual.includes(id)).length;
          const extra = actual.filter((id) => !expected.includes(id)).length;
          mismatches.push(`${filter}\n    expected ${expected.length} runs, got ${actual.length} (${missing} missing, ${extra} extra)`);
        }
      }
      expect(mismatches.slice(0, 15), `seed ${seed}: ${mismatches.length} of ${FILTERS} filters disagree`).toEqual([]);
      // The generator must exercise real selections, not mostly all-or-nothing filters.
      expect(nonTrivial).toBeGreaterThan(FILTERS / 4);
    });
  });
}
