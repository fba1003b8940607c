import { beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, type DatasetInput, type Metric, type Run, type RunStatus, type TrackingStore } from '@orrery/core';
import {
  BASE_TIME,
  collectPages,
  createExperiment,
  expectOrreryError,
  freshStorePerTest,
  sharedStorePerBlock,
  type TrackingStoreConformanceOptions,
} from './harness.js';

const T = BASE_TIME;

interface RunSeed {
  name: string;
  user: string;
  status: RunStatus;
  start: number;
  end?: number;
  /** Metric key → values logged at steps 0, 1, ...; the last one is the latest. */
  metrics?: Record<string, number[]>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasets?: Array<{ name: string; digest: string; context: string }>;
}

/**
 * Five runs chosen so that every operator has matches and non-matches, some runs lack each key
 * (to show `!=` never matches a missing key), cases differ for LIKE versus ILIKE, and `_`/`%`
 * wildcards have something to do.
 */
const SEEDS: RunSeed[] = [
  {
    name: 'alpha-one', user: 'alice', status: 'FINISHED', start: T + 1, end: T + 100,
    metrics: { acc: [0.1, 0.9], loss: [0.5], 'my metric': [1] },
    params: { model: 'ResNet', lr: '0.01', 'param.with.dots': 'x', opt: 'sgd' },
    tags: { team: 'Vision', env: 'prod', 'tag with space': 'yes' },
    datasets: [{ name: 'mnist', digest: 'd1', context: 'training' }],
  },
  {
    name: 'alpha-two', user: 'bob', status: 'FINISHED', start: T + 2, end: T + 200,
    metrics: { acc: [0.7], loss: [0.8] },
    params: { model: 'resnet', lr: '0.1', opt: 'adam' },
    tags: { team: 'vision' },
    datasets: [{ name: 'cifar', digest: 'd2', context: 'eval' }],
  },
  {
    name: 'beta', user: 'alice', status: 'RUNNING', start: T + 3,
    metrics: { acc: [0.7] },
    params: { model: 'BERT', opt: 'lbfgs' },
    tags: { env: 'dev' },
  },
  {
    name: 'gamma_1', user: 'carol', status: 'FAILED', start: T + 4, end: T + 400,
    params: { model: 'gpt' },
    tags: { team: 'Audio' },
  },
  {
    name: 'gamma21', user: 'bob', status: 'KILLED', start: T + 5, end: T + 500,
    metrics: { acc: [1.0], loss: [0.1] },
    params: { opt: 'adamw' },
    tags: { team: 'vision-x' },
  },
];

async function seedRun(store: TrackingStore, experimentId: string, seed: RunSeed): Promise<string> {
  const run = await store.createRun({ experimentId, userId: seed.user, startTime: seed.start, runName: seed.name });
  const runId = run.info.runId;
  const metrics: Metric[] = [];
  for (const [key, values] of Object.entries(seed.metrics ?? {})) {
    values.forEach((value, step) => metrics.push({ key, value, step, timestamp: seed.start + step }));
  }
  await store.logBatch(runId, {
    metrics,
    params: Object.entries(seed.params ?? {}).map(([key, value]) => ({ key, value })),
    tags: Object.entries(seed.tags ?? {}).map(([key, value]) => ({ key, value })),
  });
  const inputs: DatasetInput[] = (seed.datasets ?? []).map((d) => ({
    tags: [{ key: 'mlflow.data.context', value: d.context }],
    dataset: { name: d.name, digest: d.digest, sourceType: 'local', source: '{}' },
  }));
  if (inputs.length > 0) await store.logInputs(runId, inputs);
  if (seed.status !== 'RUNNING' || seed.end !== undefined) {
    await store.updateRun(runId, { status: seed.status, ...(seed.end !== undefined ? { endTime: seed.end } : {}) });
  }
  return runId;
}

/** Run search: every operator, key kind and quoting, ordering, paging and malformed input. */
export function searchRunsConformance(options: TrackingStoreConformanceOptions): void {
  describe('searchRuns: filters and ordering (one seeded store for the block)', () => {
    const h = sharedStorePerBlock(options);
    let experimentId = '';
    const idOf = new Map<string, string>();
    const nameOf = new Map<string, string>();

    beforeAll(async () => {
      experimentId = await createExperiment(h.store, 'search');
      for (const seed of SEEDS) {
        const runId = await seedRun(h.store, experimentId, seed);
        idOf.set(seed.name, runId);
        nameOf.set(runId, seed.name);
      }
      // A look-alike of alpha-one elsewhere: searches must stay inside the experiments asked for.
      const other = await createExperiment(h.store, 'search-other');
      await seedRun(h.store, other, { ...SEEDS[0]!, name: 'elsewhere' });
    });

    async function search(filter?: string, orderBy?: string[]): Promise<string[]> {
      const page = await h.store.searchRuns({
        experimentIds: [experimentId],
        ...(filter !== undefined ? { filter } : {}),
        ...(orderBy ? { orderBy } : {}),
      });
      expect(page.nextPageToken || undefined).toBeUndefined();
      return page.items.map((r: Run) => nameOf.get(r.info.runId) ?? `unexpected run ${r.info.runId}`);
    }

    const cases: Array<[string, string[]]> = [
      // metrics (latest values: alpha-one acc 0.9 after 0.1)
      ['metrics.acc = 0.7', ['alpha-two', 'beta']],
      ['metrics.acc != 0.7', ['alpha-one', 'gamma21']],
      ['metrics.acc > 0.7', ['alpha-one', 'gamma21']],
      ['metrics.acc >= 0.7', ['alpha-one', 'alpha-two', 'beta', 'gamma21']],
      ['metrics.acc < 0.9', ['alpha-two', 'beta']],
      ['metrics.acc <= 0.9', ['alpha-one', 'alpha-two', 'beta']],
      ['metrics.acc < 0.5', []],
      ['metrics.acc >= 1', ['gamma21']],
      ['metrics.acc > -1 AND metrics.loss < 0.6', ['alpha-one', 'gamma21']],
      ['metrics.loss != 0.5', ['alpha-two', 'gamma21']],
      ['metrics.`my metric` = 1', ['alpha-one']],
      ['metrics."my metric" >= 1', ['alpha-one']],
      ['metrics.never_logged != 0', []],
      // params: = and != are case-sensitive; LIKE is case-sensitive, ILIKE is not
      ["params.model = 'ResNet'", ['alpha-one']],
      ["params.model = 'resnet'", ['alpha-two']],
      ["params.model != 'ResNet'", ['alpha-two', 'beta', 'gamma_1']],
      ["params.model LIKE 'Res%'", ['alpha-one']],
      ["params.model ILIKE 'res%'", ['alpha-one', 'alpha-two']],
      ["params.model ILIKE '%NET'", ['alpha-one', 'alpha-two']],
      ["params.model LIKE '%e%'", ['alpha-one', 'alpha-two']],
      ["params.model LIKE 'BER_'", ['beta']],
      ["params.model LIKE 'B_T'", []],
      ["param.lr = '0.01'", ['alpha-one']],
      ["params.`param.with.dots` = 'x'", ['alpha-one']],
      ['params."param.with.dots" = \'x\'', ['alpha-one']],
      // tags
      ["tags.team = 'vision'", ['alpha-two']],
      ["tags.team ILIKE 'vision'", ['alpha-one', 'alpha-two']],
      ["tags.team LIKE 'vision%'", ['alpha-two', 'gamma21']],
      ["tags.team != 'vision'", ['alpha-one', 'gamma21', 'gamma_1']],
      ["tag.env = 'dev'", ['beta']],
      ["tags.`tag with space` = 'yes'", ['alpha-one']],
      ['tags."tag with space" LIKE \'y%\'', ['alpha-one']],
      ["tags.mlflow.runName = 'beta'", ['beta']],
      ["tags.`mlflow.runName` ILIKE 'GAMMA%'", ['gamma21', 'gamma_1']],
      // attributes
      ["attributes.run_name = 'beta'", ['beta']],
      ["attributes.run_name != 'beta'", ['alpha-one', 'alpha-two', 'gamma21', 'gamma_1']],
      ["run.run_name LIKE 'alpha%'", ['alpha-one', 'alpha-two']],
      ["attributes.run_name ILIKE 'ALPHA-%'", ['alpha-one', 'alpha-two']],
      ["attributes.run_name LIKE 'gamma_1'", ['gamma21', 'gamma_1']],
      ["attributes.status = 'FINISHED'", ['alpha-one', 'alpha-two']],
      ["attr.status != 'FINISHED'", ['beta', 'gamma21', 'gamma_1']],
      ["attributes.user_id = 'alice'", ['alpha-one', 'beta']],
      ["attributes.user_id LIKE '%o%'", ['alpha-two', 'gamma21', 'gamma_1']],
      [`attributes.start_time > ${T + 2}`, ['beta', 'gamma21', 'gamma_1']],
      [`attributes.start_time <= ${T + 2}`, ['alpha-one', 'alpha-two']],
      [`attributes.start_time = ${T + 3}`, ['beta']],
      [`attributes.created = ${T + 3}`, ['beta']],
      [`attributes.end_time >= ${T + 200}`, ['alpha-two', 'gamma21', 'gamma_1']],
      [`attributes.end_time < ${T + 200}`, ['alpha-one']],
      // datasets
      ["datasets.name = 'mnist'", ['alpha-one']],
      ["datasets.digest = 'd2'", ['alpha-two']],
      ["datasets.context = 'training'", ['alpha-one']],
      ["datasets.name LIKE '%ifar'", ['alpha-two']],
      ["datasets.name IN ('mnist', 'cifar')", ['alpha-one', 'alpha-two']],
      // several clauses, AND in any case
      ["metrics.acc >= 0.7 AND params.model ILIKE 'res%' AND attributes.status = 'FINISHED'", ['alpha-one', 'alpha-two']],
      ["tags.team ILIKE 'vision%' and metrics.acc > 0.8 And attributes.user_id = 'bob'", ['gamma21']],
      ['', ['alpha-one', 'alpha-two', 'beta', 'gamma21', 'gamma_1']],
    ];

    it.each(cases.map(([filter, expected]) => ({ filter, expected, title: filter || '(empty filter)' })))(
      '$title',
      async ({ filter, expected }) => {
        expect((await search(filter)).sort()).toEqual([...expected].sort());
      },
    );

    it('filters run ids with IN and NOT IN', async () => {
      const a = idOf.get('alpha-one')!;
      const c = idOf.get('beta')!;
      expect((await search(`attributes.run_id IN ('${a}', '${c}')`)).sort()).toEqual(['alpha-one', 'beta']);
      expect((await search(`attributes.run_id NOT IN ('${a}', '${c}')`)).sort()).toEqual([
        'alpha-two',
        'gamma21',
        'gamma_1',
      ]);
      expect(await search(`attributes.run_id = '${c}'`)).toEqual(['beta']);
    });

    it('orders by start time, newest first, by default', async () => {
      expect(await search()).toEqual(['gamma21', 'gamma_1', 'beta', 'alpha-two', 'alpha-one']);
      expect(await search(undefined, ['attributes.start_time ASC'])).toEqual([
        'alpha-one', 'alpha-two', 'beta', 'gamma_1', 'gamma21',
      ]);
      expect(await search(undefined, ['start_time'])).toEqual(['alpha-one', 'alpha-two', 'beta', 'gamma_1', 'gamma21']);
    });

    it('orders by metrics with missing values last in both directions', async () => {
      const desc = await search(undefined, ['metrics.acc DESC']);
      expect(desc.slice(0, 2)).toEqual(['gamma21', 'alpha-one']);
      expect(desc.slice(2, 4).sort()).toEqual(['alpha-two', 'beta']);
      expect(desc[4]).toBe('gamma_1');
      const asc = await search(undefined, ['metrics.acc ASC']);
      expect(asc.slice(0, 2).sort()).toEqual(['alpha-two', 'beta']);
      expect(asc.slice(2)).toEqual(['alpha-one', 'gamma21', 'gamma_1']);
      expect(await search(undefined, ['metrics.acc DESC', 'attributes.start_time ASC'])).toEqual([
        'gamma21', 'alpha-one', 'alpha-two', 'beta', 'gamma_1',
      ]);
      expect(await search(undefined, ['metrics.acc ASC', 'start_time DESC'])).toEqual([
        'beta', 'alpha-two', 'alpha-one', 'gamma21', 'gamma_1',
      ]);
      expect(await search(undefined, ['metrics.`my metric` DESC'])).toHaveLength(5);
    });

    it('orders by params and tags with missing values last in both directions', async () => {
      expect(await search(undefined, ['params.opt ASC'])).toEqual(['alpha-two', 'gamma21', 'beta', 'alpha-one', 'gamma_1']);
      expect(await search(undefined, ['params.opt DESC'])).toEqual(['alpha-one', 'beta', 'gamma21', 'alpha-two', 'gamma_1']);
      const envDesc = await search(undefined, ['tags.env DESC']);
      expect(envDesc.slice(0, 2)).toEqual(['alpha-one', 'beta']);
      expect(envDesc.slice(2).sort()).toEqual(['alpha-two', 'gamma21', 'gamma_1']);
      const envAsc = await search(undefined, ['tags.env ASC']);
      expect(envAsc.slice(0, 2)).toEqual(['beta', 'alpha-one']);
    });

    it('orders by attributes, with runs that have not ended last', async () => {
      expect(await search(undefined, ['attributes.end_time DESC'])).toEqual([
        'gamma21', 'gamma_1', 'alpha-two', 'alpha-one', 'beta',
      ]);
      expect(await search(undefined, ['attributes.end_time ASC'])).toEqual([
        'alpha-one', 'alpha-two', 'gamma_1', 'gamma21', 'beta',
      ]);
      const byName = await search(undefined, ['attributes.run_name ASC']);
      expect(byName.slice(0, 3)).toEqual(['alpha-one', 'alpha-two', 'beta']);
      const byNameDesc = await search(undefined, ['attributes.run_name DESC']);
      expect(byNameDesc.slice(2)).toEqual(['beta', 'alpha-two', 'alpha-one']);
    });

    it('rejects malformed filters and order_by terms with INVALID_PARAMETER_VALUE', async () => {
      const badFilters = [
        'metrics.acc >',
        "metrics.acc = 'high'",
        "params.model > 'a'",
        'params.model = ResNet',
        "params.model = 'unterminated",
        "nonsense.key = 'x'",
        "attributes.no_such_attribute = 'x'",
        'metrics.acc = 1 OR metrics.acc = 2',
        "tags.team LIKE",
        'metrics.acc IN (1, 2)',
        "attributes.start_time > 'yesterday'",
        'metrics.acc = 1 AND',
      ];
      for (const filter of badFilters) {
        await expectOrreryError(
          h.store.searchRuns({ experimentIds: [experimentId], filter }),
          'INVALID_PARAMETER_VALUE',
        ).catch((error: unknown) => {
          throw new Error(`filter ${JSON.stringify(filter)}: ${String(error)}`);
        });
      }
      // LIKE and ILIKE patterns are bounded (LIMITS.maxLikePatternLength): a pattern's cost multiplies with every value.
      const longest = `%${'x'.repeat(LIMITS.maxLikePatternLength - 1)}`;
      for (const comparator of ['LIKE', 'ILIKE']) {
        expect((await h.store.searchRuns({ experimentIds: [experimentId], filter: `params.model ${comparator} '${longest}'` })).items).toEqual([]);
        expect((await h.store.searchExperiments({ filter: `name ${comparator} '${longest}'` })).items).toEqual([]);
        const tooLong = await expectOrreryError(
          h.store.searchRuns({ experimentIds: [experimentId], filter: `params.model ${comparator} '${longest}%'` }),
          'INVALID_PARAMETER_VALUE',
        );
        expect(tooLong.message).toContain(`at most ${LIMITS.maxLikePatternLength} characters`);
        await expectOrreryError(h.store.searchExperiments({ filter: `name ${comparator} '${longest}%'` }), 'INVALID_PARAMETER_VALUE');
      }
      for (const orderBy of [['metrics.acc SIDEWAYS'], ['nonsense.key ASC'], ['attributes.no_such_attribute']]) {
        await expectOrreryError(
          h.store.searchRuns({ experimentIds: [experimentId], orderBy }),
          'INVALID_PARAMETER_VALUE',
        );
      }
    });
  });

  describe('searchRuns: paging (one seeded store for the block)', () => {
    const h = sharedStorePerBlock(options);
    let experimentId = '';
    const allIds: string[] = [];

    beforeAll(async () => {
      experimentId = await createExperiment(h.store, 'paging');
      for (let i = 0; i < 25; i += 1) {
        const run = await h.store.createRun({ experimentId, startTime: T + i, runName: `page-${i}` });
        await h.store.logMetric(run.info.runId, { key: 'm', value: i % 3, step: 0, timestamp: T });
        allIds.push(run.info.runId);
      }
      const deleted = await h.store.createRun({ experimentId, startTime: T + 100 });
      await h.store.deleteRun(deleted.info.runId);
    });

    async function pagedIds(pageSize: number, extra: { filter?: string; orderBy?: string[] } = {}) {
      const pages = await collectPages((pageToken) =>
        h.store.searchRuns({ experimentIds: [experimentId], maxResults: pageSize, ...extra, ...(pageToken ? { pageToken } : {}) }),
      );
      return { sizes: pages.map((p) => p.length), ids: pages.flat().map((r) => r.info.runId) };
    }

    async function onePage(extra: { filter?: string; orderBy?: string[] } = {}) {
      const page = await h.store.searchRuns({ experimentIds: [experimentId], ...extra });
      return page.items.map((r) => r.info.runId);
    }

    it('pages in the default order with no duplicates or gaps', async () => {
      const { sizes, ids } = await pagedIds(7);
      expect(sizes).toEqual([7, 7, 7, 4]);
      expect(ids).toEqual([...allIds].reverse());
    });

    it('pages stably when the order_by key has ties', async () => {
      const orderBy = ['metrics.m ASC'];
      const { sizes, ids } = await pagedIds(7, { orderBy });
      expect(sizes).toEqual([7, 7, 7, 4]);
      expect(new Set(ids).size).toBe(25);
      expect(ids).toEqual(await onePage({ orderBy }));
      const values = ids.map((id) => allIds.indexOf(id) % 3);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    });

    it('pages through a filtered search', async () => {
      const filter = 'metrics.m >= 1';
      const { sizes, ids } = await pagedIds(7, { filter });
      expect(sizes).toEqual([7, 7, 2]);
      expect(ids).toEqual(await onePage({ filter }));
      expect(ids.every((id) => allIds.indexOf(id) % 3 !== 0)).toBe(true);
    });

    it('pages in pages of one', async () => {
      const { sizes, ids } = await pagedIds(1, { orderBy: ['attributes.run_name DESC'] });
      expect(sizes).toEqual(Array(25).fill(1));
      expect(new Set(ids)).toEqual(new Set(allIds));
    });

    it('checks max_results bounds and page tokens', async () => {
      for (const maxResults of [0, -1, 50001, 2.5]) {
        await expectOrreryError(h.store.searchRuns({ experimentIds: [experimentId], maxResults }), 'INVALID_PARAMETER_VALUE');
      }
      expect((await h.store.searchRuns({ experimentIds: [experimentId], maxResults: 50000 })).items).toHaveLength(25);
      await expectOrreryError(
        h.store.searchRuns({ experimentIds: [experimentId], pageToken: 'definitely not a token' }),
        'INVALID_PARAMETER_VALUE',
      );
    });
  });

  describe('searchRuns: paging ordered by a metric (ties, NaN, missing values; one seeded store for the block)', () => {
    const h = sharedStorePerBlock(options);
    let experimentId = '';
    /** Per run, as logged: its id, start time, name, latest `m` (absent: never logged) and `g`. */
    const seeded: Array<{ id: string; start: number; name: string; m?: number; g: number }> = [];

    beforeAll(async () => {
      experimentId = await createExperiment(h.store, 'metric-paging');
      // 30 runs: `m` takes 4 values with many ties (two runs share each start time as well, so
      // only the run id tells them apart), NaN, ±Infinity, or is missing; `g` splits them for filters.
      const values = [0.5, -1, 0.5, Number.NaN, 2, Number.POSITIVE_INFINITY, 0.5, undefined, -1, Number.NEGATIVE_INFINITY];
      for (let i = 0; i < 30; i += 1) {
        const start = T + Math.floor(i / 2);
        const run = await h.store.createRun({ experimentId, startTime: start, runName: `mp-${String(i % 7)}` });
        const m = values[i % values.length];
        const g = i % 3;
        const metrics: Metric[] = [{ key: 'g', value: g, step: 0, timestamp: T }];
        if (m !== undefined) metrics.push({ key: 'm', value: m, step: 0, timestamp: T });
        await h.store.logBatch(run.info.runId, { metrics, params: [], tags: [] });
        seeded.push({ id: run.info.runId, start, name: `mp-${String(i % 7)}`, ...(m !== undefined ? { m } : {}), g });
      }
    });

    /**
     * The order the store promises: runs with a numeric `m` by value, then NaN, then runs without
     * `m` (in either direction), then the run name when asked, start time descending, run id.
     */
    function expectedOrder(ascending: boolean, byName: boolean, keep: (run: (typeof seeded)[number]) => boolean): string[] {
      const rank = (m: number | undefined) => (m === undefined ? 2 : Number.isNaN(m) ? 1 : 0);
      return seeded
        .filter(keep)
        .sort((a, b) => {
          const ra = rank(a.m);
          const rb = rank(b.m);
          if (ra !== rb) return ra - rb;
          if (ra === 0 && a.m !== b.m) return (a.m! < b.m! ? -1 : 1) * (ascending ? 1 : -1);
          if (byName && a.name !== b.name) return a.name < b.name ? -1 : 1;
          if (a.start !== b.start) return b.start - a.start;
          return a.id < b.id ? -1 : 1;
        })
        .map((run) => run.id);
    }

    const cases = [
      { orderBy: ['metrics.m DESC'], ascending: false, byName: false },
      { orderBy: ['metrics.m ASC'], ascending: true, byName: false },
      { orderBy: ['metrics.m DESC', 'attributes.run_name ASC'], ascending: false, byName: true },
    ];
    const filters: Array<{ filter: string; keep: (run: (typeof seeded)[number]) => boolean }> = [
      { filter: '', keep: () => true },
      { filter: 'metrics.g >= 1', keep: (run) => run.g >= 1 },
      { filter: 'metrics.g = 2', keep: (run) => run.g === 2 },
    ];

    it('pages in pages of 1, 3 and 7 exactly as the promised order, across ties, NaN and missing values', async () => {
      for (const { orderBy, ascending, byName } of cases) {
        for (const { filter, keep } of filters) {
          const expected = expectedOrder(ascending, byName, keep);
          // Pages of one (every boundary a cursor) once per order; 3 and 7 everywhere.
          for (const pageSize of filter === '' ? [1, 3, 7] : [3, 7]) {
            const pages = await collectPages((pageToken) =>
              h.store.searchRuns({ experimentIds: [experimentId], orderBy, filter, maxResults: pageSize, ...(pageToken ? { pageToken } : {}) }),
            );
            const ids = pages.flat().map((r) => r.info.runId);
            expect(ids, `${orderBy.join(', ')} / '${filter}' / pages of ${pageSize}`).toEqual(expected);
            expect(pages.slice(0, -1).every((page) => page.length === pageSize)).toBe(true);
          }
        }
      }
    });
  });

  describe('nested runs', () => {
    const h = freshStorePerTest(options);

    it('finds a child run by tags.mlflow.parentRunId', async () => {
      const experimentId = await createExperiment(h.store);
      const parent = await h.store.createRun({ experimentId, startTime: T });
      const child = await h.store.createRun({
        experimentId,
        startTime: T + 1,
        tags: [{ key: 'mlflow.parentRunId', value: parent.info.runId }],
      });
      await h.store.createRun({ experimentId, startTime: T + 2 });
      for (const filter of [
        `tags.mlflow.parentRunId = '${parent.info.runId}'`,
        `tags.\`mlflow.parentRunId\` = '${parent.info.runId}'`,
        `tags."mlflow.parentRunId" = '${parent.info.runId}'`,
      ]) {
        const page = await h.store.searchRuns({ experimentIds: [experimentId], filter });
        expect(page.items.map((r) => r.info.runId)).toEqual([child.info.runId]);
      }
    });
  });
}
