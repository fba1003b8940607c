import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, RunStatus } from '@orrery/core';
import { evaluateFilter, isOrreryError, parseOrderBy, parseSearchFilter } from '@orrery/core';
import type { TrackingService } from '@orrery/core';
import { compileRunFilter, compileRunOrder, likeToGlob, renderQuery, sql } from '@orrery/sql';
import { openSqliteTrackingStore, sqliteDialect } from '@orrery/plugin-sqlite';
import { ARTIFACT_ROOT } from './store-helpers.js';

/** Deterministic pseudo-random numbers, so failures reproduce. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PARAM_VALUES = ['Alpha', 'alpha', 'ALPHA-2', 'beta_1', 'beta%x', 'gamma*', 'Éclair', 'éclair', '[x]'];
const STATUSES: RunStatus[] = ['RUNNING', 'FINISHED', 'FAILED'];

let store: TrackingService;
let experimentIds: string[];
let allRuns: Run[];

async function searchAll(filter: string | undefined, orderBy?: string[], runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL', pageSize = 1000): Promise<Run[]> {
  const out: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchRuns({
      experimentIds,
      ...(filter !== undefined ? { filter } : {}),
      ...(orderBy ? { orderBy } : {}),
      ...(runViewType ? { runViewType } : {}),
      maxResults: pageSize,
      ...(pageToken ? { pageToken } : {}),
    });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

/** The order the store promises: each term with NULLs last (NaN before NULL for metrics), then start_time DESC, run id. */
function referenceOrder(runs: Run[], orderBy: string[]): Run[] {
  const terms = parseOrderBy(orderBy, 'run');
  const value = (run: Run, type: string, key: string): { rank: number; v: number | string | null } => {
    let v: number | string | null | undefined;
    if (type === 'metric') {
      v = run.data.metrics.find((m) => m.key === key)?.value;
      if (typeof v === 'number' && Number.isNaN(v)) return { rank: 1, v: null };
      return v === undefined ? { rank: 2, v: null } : { rank: 0, v };
    }
    if (type === 'param') v = run.data.params.find((p) => p.key === key)?.value;
    else if (type === 'tag') v = run.data.tags.find((t) => t.key === key)?.value;
    else {
      const attribute: Record<string, unknown> = {
        start_time: run.info.startTime, end_time: run.info.endTime, run_name: run.info.runName, status: run.info.status,
        run_id: run.info.runId, user_id: run.info.userId, artifact_uri: run.info.artifactUri,
      };
      v = attribute[key] as number | string | null | undefined;
    }
    return v === undefined || v === null ? { rank: 1, v: null } : { rank: 0, v };
  };
  const cmp = (a: number | string | null, b: number | string | null): number =>
    a === b || a === null || b === null ? 0 : a < b ? -1 : 1;
  return [...runs].sort((x, y) => {
    for (const term of terms) {
      const a = value(x, term.type, term.key);
      const b = value(y, term.type, term.key);
      if (a.rank !== b.rank) return a.rank - b.rank;
      const c = cmp(a.v, b.v);
      if (c !== 0) return term.ascending ? c : -c;
    }
    if (x.info.startTime !== y.info.startTime) return y.info.startTime - x.info.startTime;
    return x.info.runId < y.info.runId ? -1 : 1;
  });
}

beforeAll(async () => {
  store = await openSqliteTrackingStore('sqlite:///:memory:', { defaultArtifactRoot: ARTIFACT_ROOT });
  experimentIds = [await store.createExperiment({ name: 'search-a' }), await store.createExperiment({ name: 'search-b' })];
  const random = seeded(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  for (let i = 0; i < 80; i++) {
    const run = await store.createRun({
      experimentId: experimentIds[i % 2]!,
      userId: pick(['ann', 'bob']),
      startTime: 1_000 + Math.floor(random() * 20), // many ties on start_time
      runName: `run-${i % 13}`,
    });
    const id = run.info.runId;
    const metrics = [];
    if (random() < 0.85) {
      const special = random();
      const v = special < 0.08 ? NaN : special < 0.12 ? Infinity : special < 0.16 ? -Infinity : Math.round(random() * 100) / 10;
      metrics.push({ key: 'acc', value: v, timestamp: 1, step: 0 });
    }
    if (random() < 0.6) metrics.push({ key: 'loss', value: Math.floor(random() * 5), timestamp: 1, step: 0 });
    const params = random() < 0.8 ? [{ key: 'p1', value: pick(PARAM_VALUES) }] : [];
    if (random() < 0.5) params.push({ key: 'odd key', value: String(Math.floor(random() * 3)) });
    const tags = random() < 0.7 ? [{ key: 't1', value: pick(PARAM_VALUES) }] : [];
    await store.logBatch(id, { metrics, params, tags });
    if (random() < 0.5) {
      await store.logInputs(id, [
        {
          tags: random() < 0.7 ? [{ key: 'mlflow.data.context', value: pick(['training', 'eval']) }] : [],
          dataset: { name: pick(['iris', 'wine']), digest: pick(['d1', 'd2']), sourceType: 'local', source: 'x' },
        },
      ]);
    }
    if (random() < 0.5) await store.updateRun(id, { status: pick(STATUSES), endTime: 2_000 + Math.floor(random() * 5) });
    if (random() < 0.1) await store.deleteRun(id);
  }
  allRuns = await searchAll(undefined, undefined, 'ALL');
  expect(allRuns).toHaveLength(80);
});

afterAll(async () => {
  await store.close();
});

describe('searchRuns filters agree with the reference evaluator', () => {
  const filters = [
    'metrics.acc > 5', 'metrics.acc >= 5.5', 'metrics.acc < 3', 'metrics.acc <= 0', 'metrics.acc = 4.2', 'metrics.acc != 4.2',
    'metrics.acc > 1e300', 'metrics.acc < -1e300', 'metrics.acc > 2 AND metrics.loss <= 2', 'metrics.missing >= 0',
    "params.p1 = 'alpha'", "params.p1 != 'alpha'", "params.p1 LIKE 'alpha%'", "params.p1 ILIKE 'alpha%'",
    "params.p1 LIKE 'A%'", "params.p1 LIKE 'beta_%'", "params.p1 LIKE '%\\%%'", "params.p1 LIKE 'gamma*'",
    "params.p1 LIKE '[x]'", "params.p1 ILIKE 'éclair'", "params.p1 LIKE 'é%'", "params.`odd key` = '1'",
    "tags.t1 = 'Alpha'", "tags.t1 ILIKE '%A%'", "tags.t1 LIKE '%a%'", "tags.t1 != 'beta_1'",
    "attributes.status = 'FINISHED'", "attributes.status != 'RUNNING'", "attributes.user_id = 'ann'",
    "attributes.run_name LIKE 'run-1%'", "attributes.run_name ILIKE 'RUN-1_'", 'attributes.start_time > 1010',
    'attributes.end_time >= 2002', 'attributes.end_time != 2001', 'created < 1005', "attributes.artifact_uri LIKE '%/1/%'",
    "datasets.name = 'iris'", "datasets.digest IN ('d1')", "datasets.name NOT IN ('iris')", "datasets.context = 'training'",
    "datasets.context LIKE 'ev%' AND datasets.name = 'wine'", "params.p1 = 'alpha' AND tags.t1 LIKE '%a%' AND metrics.acc > 0",
    "attributes.lifecycle_stage = 'active'",
  ];
  for (const filter of filters) {
    it(filter, async () => {
      const ast = parseSearchFilter(filter, 'run');
      for (const view of ['ACTIVE_ONLY', 'ALL'] as const) {
        const expected = referenceOrder(
          allRuns.filter((r) => (view === 'ALL' || r.info.lifecycleStage === 'active') && evaluateFilter(ast, r)),
          [],
        ).map((r) => r.info.runId);
        const actual = (await searchAll(filter, undefined, view)).map((r) => r.info.runId);
        expect(actual).toEqual(expected);
      }
    });
  }

  it('matches run ids with IN and NOT IN', async () => {
    const some = allRuns.filter((r) => r.info.lifecycleStage === 'active').slice(0, 3).map((r) => r.info.runId);
    const inList = (await searchAll(`attributes.run_id IN (${some.map((id) => `'${id}'`).join(', ')})`)).map((r) => r.info.runId);
    expect(new Set(inList)).toEqual(new Set(some));
    const notIn = await searchAll(`attributes.run_id NOT IN ('${some[0]}')`);
    expect(notIn.map((r) => r.info.runId)).not.toContain(some[0]);
    expect(notIn).toHaveLength(allRuns.filter((r) => r.info.lifecycleStage === 'active').length - 1);
  });
});

describe('searchRuns ordering and paging', () => {
  const orders: string[][] = [
    [], ['metrics.acc ASC'], ['metrics.acc DESC'], ['params.p1'], ['params.p1 DESC', 'metrics.loss ASC'],
    ['tags.t1 ASC'], ['attributes.end_time DESC'], ['attributes.end_time ASC'], ['start_time ASC'],
    ['attributes.run_name ASC', 'metrics.acc DESC'], ['status DESC'], ['params.`odd key` DESC'],
  ];
  for (const orderBy of orders) {
    it(`orders by ${JSON.stringify(orderBy)} with NULLs last, and pages without duplicates or gaps`, async () => {
      const active = allRuns.filter((r) => r.info.lifecycleStage === 'active');
      const expected = referenceOrder(active, orderBy).map((r) => r.info.runId);
      const whole = (await searchAll(undefined, orderBy)).map((r) => r.info.runId);
      expect(whole).toEqual(expected);
      const paged = (await searchAll(undefined, orderBy, undefined, 7)).map((r) => r.info.runId);
      expect(paged).toEqual(expected);
    });
  }

  it('pages a filtered search ordered by a metric', async () => {
    const filter = 'metrics.acc >= 0';
    const orderBy = ['metrics.acc DESC'];
    const whole = (await searchAll(filter, orderBy)).map((r) => r.info.runId);
    expect(whole.length).toBeGreaterThan(10);
    expect((await searchAll(filter, orderBy, undefined, 3)).map((r) => r.info.runId)).toEqual(whole);
  });

  it('respects run_view_type', async () => {
    const deleted = await searchAll(undefined, undefined, 'DELETED_ONLY');
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((r) => r.info.lifecycleStage === 'deleted')).toBe(true);
    const active = await searchAll(undefined);
    expect(active.length + deleted.length).toBe(80);
  });

  it('returns the page runs with their params, tags, latest metrics and inputs', async () => {
    const page = await searchAll(undefined, undefined, 'ALL');
    for (const run of page) {
      const direct = await store.getRun(run.info.runId);
      const sortByKey = <T extends { key: string }>(xs: T[]) => [...xs].sort((a, b) => (a.key < b.key ? -1 : 1));
      expect(sortByKey(run.data.params)).toEqual(sortByKey(direct.data.params));
      expect(sortByKey(run.data.tags)).toEqual(sortByKey(direct.data.tags));
      expect(sortByKey(run.data.metrics)).toEqual(sortByKey(direct.data.metrics));
      expect(run.inputs).toEqual(direct.inputs);
    }
  });

  it('validates max_results and page tokens', async () => {
    for (const maxResults of [0, 50001, 1.5]) {
      await expect(store.searchRuns({ experimentIds, maxResults })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    }
    const first = await store.searchRuns({ experimentIds, maxResults: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextPageToken).toBeDefined();
    // A token from one query is refused by another.
    const other = store.searchRuns({ experimentIds, orderBy: ['metrics.acc ASC'], pageToken: first.nextPageToken! });
    await expect(other).rejects.toSatisfy((e: unknown) => isOrreryError(e) && e.code === 'INVALID_PARAMETER_VALUE');
    await expect(store.searchRuns({ experimentIds, pageToken: 'not-a-token' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(store.searchRuns({ experimentIds, filter: 'metrics.acc >' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });
});

describe('search compilation', () => {
  it('binds every user value and key as a parameter', () => {
    const hostile = "x'; DROP TABLE runs; --";
    const ast = parseSearchFilter(`params.p = "${hostile}" AND tags.\`${'t'}\` LIKE '${'%a'}' AND metrics.\`m\` > 3`, 'run');
    const fragment = compileRunFilter(ast);
    const sqlite = renderQuery(fragment, sqliteDialect);
    expect(sqlite.text).not.toContain('DROP');
    expect(sqlite.values).toEqual(['p', hostile, 't', '*a', 'm', 3]);
    // PostgreSQL's rendering of the same filter: plugins/postgres/test/postgres-dialect.test.ts.
  });

  it('orders by joins on the ordered keys and ends with start_time and run id', () => {
    const order = compileRunOrder(parseOrderBy(['metrics.acc DESC', 'params.p ASC'], 'run'));
    const rendered = renderQuery(sql`SELECT 1 FROM runs r${order.joins}`, sqliteDialect);
    expect(rendered.text).toContain('LEFT JOIN latest_metrics o0');
    expect(rendered.text).toContain('LEFT JOIN params o1');
    expect(rendered.values).toEqual(['acc', 'p']);
    const last = order.keys.slice(-2).map((k) => [renderQuery(k.expr, sqliteDialect).text, k.ascending]);
    expect(last).toEqual([['r.start_time', false], ['r.run_uuid', true]]);
  });

  it('translates LIKE patterns to GLOB so that only % and _ are wildcards', () => {
    expect(likeToGlob('a%b_c')).toBe('a*b?c');
    expect(likeToGlob('*?[]')).toBe('[*][?][[]]');
  });
});
