import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric } from '@orrery/core';
import { TrackingService, isOrreryError } from '@orrery/core';
import type { RunResult, SqlExecutor, SqlFragment } from '@orrery/sql';
import { SqlTrackingStore, renderQuery, sql } from '@orrery/sql';
import { freeLocalPort } from '@orrery/testkit';
import { PostgresExecutor, ensureSchema, postgresDialect, migratePostgres, openPostgresTrackingStore, parsePostgresUri } from '@orrery/plugin-postgres';
import { queryRows, useTestDatabase } from './postgres-test-helpers.js';

const db = useTestDatabase();
const ARTIFACTS = 'file:///tmp/orrery-pg-store';

async function codeOf(action: Promise<unknown>): Promise<string> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOrreryError(error)) throw new Error(`expected an OrreryError, got ${String(error)}`);
  return error.code;
}

/** Records the statements a store sends (the search query and its loads), delegating to PostgreSQL. */
class RecordingExecutor implements SqlExecutor {
  readonly dialect = postgresDialect;
  readonly statements: SqlFragment[] = [];
  constructor(readonly inner: SqlExecutor) {}
  all<T>(q: SqlFragment): Promise<T[]> {
    this.statements.push(q);
    return this.inner.all<T>(q);
  }
  get<T>(q: SqlFragment): Promise<T | undefined> {
    this.statements.push(q);
    return this.inner.get<T>(q);
  }
  run(q: SqlFragment): Promise<RunResult> {
    this.statements.push(q);
    return this.inner.run(q);
  }
  insertMany(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], onConflict?: string): Promise<void> {
    return this.inner.insertMany(table, columns, rows, onConflict);
  }
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inner.transaction(fn);
  }
  isUniqueViolation(error: unknown): boolean {
    return this.inner.isUniqueViolation(error);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('PostgreSQL store: searches are one indexed query', () => {
  let executor: PostgresExecutor;
  let recorder: RecordingExecutor;
  let store: TrackingService;
  let experimentId: string;

  beforeAll(async () => {
    const uri = db.freshSchemaUri();
    executor = new PostgresExecutor(parsePostgresUri(uri).poolConfig);
    await ensureSchema(executor, parsePostgresUri(uri).settings.schema);
    await migratePostgres(executor);
    recorder = new RecordingExecutor(executor);
    const persistence = new SqlTrackingStore(recorder, { defaultArtifactRoot: ARTIFACTS });
    await persistence.ensureDefaultExperiment();
    store = new TrackingService(persistence);
    experimentId = await store.createExperiment({ name: 'many' });
    for (let i = 0; i < 300; i++) {
      const run = await store.createRun({ experimentId, startTime: 1000 + i, tags: [{ key: 'team', value: i % 3 === 0 ? 'vision' : 'nlp' }] });
      await store.logBatch(run.info.runId, {
        params: [{ key: 'model', value: `resnet-${i % 10}` }, { key: 'lr', value: String(i / 1000) }],
        metrics: [{ key: 'acc', value: (i % 97) / 97, timestamp: 1, step: 0 }],
      });
      if (i % 2 === 0) await store.updateRun(run.info.runId, { status: 'FINISHED', endTime: 5000 + i });
    }
    await executor.run(sql`ANALYZE`);
  });
  afterAll(async () => {
    await store?.close();
  });

  const SHAPES = [
    { filter: 'metrics.acc > 0.5', orderBy: ['metrics.acc DESC'], index: 'latest_metrics_key_value' },
    { filter: "params.model LIKE 'resnet-1%'", orderBy: [], index: 'params_key_value' },
    { filter: "tags.team = 'vision' AND attributes.status = 'FINISHED'", orderBy: [], index: 'tags_key_value' },
  ];

  for (const shape of SHAPES) {
    it(`answers ${shape.filter} with a fixed number of statements and an index on the filtered table`, async () => {
      const counts: number[] = [];
      for (const maxResults of [5, 100]) {
        recorder.statements.length = 0;
        const page = await store.searchRuns({ experimentIds: [experimentId], filter: shape.filter, orderBy: shape.orderBy, maxResults });
        expect(page.items.length).toBeGreaterThan(0);
        counts.push(recorder.statements.length);
      }
      // The same statements whatever the page size: no per-run lookups. One read of the run ids
      // of each metric/param/tag clause (the store plans from them), the search, and one read per
      // table loading the page's params, tags, metrics and inputs.
      const keyValueClauses = shape.filter.split(' AND ').filter((clause) => !clause.startsWith('attributes.')).length;
      expect(counts[0]).toBe(counts[1]);
      expect(counts[0]).toBe(keyValueClauses + 1 + 4);
      const search = recorder.statements.find((statement) => /^SELECT .* FROM runs r/s.test(renderQuery(statement, postgresDialect).text));
      expect(search).toBeDefined();
      // Every read of the filtered table goes through an index, the `(key, value)` one among them.
      const plans = await executor.withSession(async (session) => {
        await session.run(sql`SET enable_seqscan = off`);
        const all: string[] = [];
        for (const statement of recorder.statements) {
          const rows = await session.all<{ 'QUERY PLAN': string }>(sql`EXPLAIN ${statement}`);
          all.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
        }
        await session.run(sql`RESET enable_seqscan`);
        return all.join('\n');
      });
      expect(plans).toContain(shape.index);
      expect(plans).not.toContain('Seq Scan');
    });
  }

  it('pages through every matching run exactly once with keyset tokens', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.searchRuns({ experimentIds: [experimentId], filter: "tags.team = 'nlp'", orderBy: ['params.lr ASC'], maxResults: 37, ...(pageToken ? { pageToken } : {}) });
      seen.push(...page.items.map((r) => r.info.runId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toHaveLength(200);
    expect(new Set(seen).size).toBe(200);
  });

  it('refuses a garbage page token even when experiment_ids is empty', async () => {
    expect(await codeOf(store.searchRuns({ experimentIds: [], pageToken: 'garbage' }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await store.searchRuns({ experimentIds: [] })).toEqual({ items: [] });
  });
});

describe('PostgreSQL store: concurrency and errors', () => {
  it('turns concurrent creates of one experiment name into one success and RESOURCE_ALREADY_EXISTS', async () => {
    const uri = db.freshSchemaUri();
    const stores = await Promise.all([0, 1, 2, 3].map(() => openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS })));
    const results = await Promise.allSettled(stores.flatMap((s) => [s.createExperiment({ name: 'race' }), s.createExperiment({ name: 'race' })]));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
      expect(isOrreryError(r.reason) && r.reason.code).toBe('RESOURCE_ALREADY_EXISTS');
      expect((r.reason as Error).message).toContain("'race'");
    }
    await Promise.all(stores.map((s) => s.close()));
  });

  it('logs concurrent batches to one run with the same keys in opposite orders without deadlocks or lost rows', async () => {
    const uri = db.freshSchemaUri();
    const stores = await Promise.all([0, 1].map(() => openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS })));
    const run = await stores[0]!.createRun({ experimentId: '0' });
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const batches = Array.from({ length: 24 }, (_, b) => {
      const ordered = b % 2 === 0 ? keys : [...keys].reverse();
      return {
        metrics: ordered.map((key): Metric => ({ key, value: b, timestamp: b, step: b })),
        tags: ordered.map((key) => ({ key, value: String(b) })),
      };
    });
    await Promise.all(batches.map((batch, i) => stores[i % 2]!.logBatch(run.info.runId, batch)));
    const counts = await queryRows<{ n: number }>(uri.replace(/\?.*$/, ''), `SELECT COUNT(*)::int AS n FROM ${parsePostgresUri(uri).settings.schema}.metrics`);
    expect(counts[0]!.n).toBe(24 * 40);
    const latest = await stores[1]!.getRun(run.info.runId);
    expect(latest.data.metrics.every((m) => m.step === 23 && m.value === 23)).toBe(true);
    expect(latest.data.metrics.map((m) => m.key)).toEqual([...keys].sort());
    await Promise.all(stores.map((s) => s.close()));
  });

  it('answers TEMPORARILY_UNAVAILABLE when PostgreSQL cannot be reached', async () => {
    const port = await freeLocalPort();
    const error = await openPostgresTrackingStore(`postgresql://postgres@127.0.0.1:${port}/none?connect_timeout=2`, { defaultArtifactRoot: ARTIFACTS }).catch(
      (e: unknown) => e,
    );
    expect(isOrreryError(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect((error as Error).message).toMatch(/unreachable or restarting \(ECONNREFUSED\)/);
  });

  it('answers TEMPORARILY_UNAVAILABLE when a statement exceeds statement_timeout', async () => {
    const executor = new PostgresExecutor(parsePostgresUri(`${db.url}?statement_timeout=100`).poolConfig);
    expect(await codeOf(executor.all(sql`SELECT pg_sleep(2)`))).toBe('TEMPORARILY_UNAVAILABLE');
    expect(await executor.get<{ one: number }>(sql`SELECT 1 AS one`)).toEqual({ one: 1 });
    await executor.close();
  });

  it('discards connections PostgreSQL ended and reconnects on the next call', async () => {
    const uri = db.freshSchemaUri('application_name=orrery_killme&pool_size=3');
    const store = await openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS });
    const id = await store.createExperiment({ name: 'survivor' });
    // Hold connections open in a transaction-less burst so the pool has several.
    await Promise.all([1, 2, 3].map(() => store.getExperiment(id)));
    const killed = await queryRows<{ n: number }>(
      db.url,
      `SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'orrery_killme'`,
    );
    expect(killed[0]!.n).toBeGreaterThan(0);
    // Each call either works or says "retry"; within a few calls every dead connection is gone.
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      outcomes.push(await store.getExperiment(id).then(() => 'ok', (e: unknown) => (isOrreryError(e) ? e.code : `other: ${String(e)}`)));
    }
    expect(outcomes.every((o) => o === 'ok' || o === 'TEMPORARILY_UNAVAILABLE')).toBe(true);
    expect(outcomes.slice(-3)).toEqual(['ok', 'ok', 'ok']);
    expect((await store.getExperiment(id)).name).toBe('survivor');
    await store.close();
  });
});

describe('PostgreSQL store: metric history pages', () => {
  it('page by keyset through repeated steps without repeating or skipping an observation', async () => {
    const store = await openPostgresTrackingStore(db.freshSchemaUri(), { defaultArtifactRoot: ARTIFACTS });
    const run = await store.createRun({ experimentId: '0' });
    const metrics: Metric[] = [];
    for (let step = 0; step < 50; step++) {
      for (let k = 0; k < 3; k++) metrics.push({ key: 'loss', value: k === 2 ? Number.NaN : (step * 3 + k) / 7, timestamp: 1000 + ((step + k) % 4), step });
    }
    // The same observation twice is two rows.
    metrics.push({ ...metrics[10]! });
    await store.logBatch(run.info.runId, { metrics });
    const full = (await store.getMetricHistory(run.info.runId, 'loss')).items;
    expect(full).toHaveLength(151);
    for (const size of [1, 2, 7, 150, 151]) {
      const paged: Metric[] = [];
      let pageToken: string | undefined;
      do {
        const page = await store.getMetricHistory(run.info.runId, 'loss', { maxResults: size, ...(pageToken ? { pageToken } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(size);
        paged.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(paged).toEqual(full);
    }
    await store.close();
  });
});

describe('PostgreSQL store: doubles read back exactly', () => {
  it('whatever extra_float_digits the server defaults to', async () => {
    // A server configured to print doubles with 15 digits (extra_float_digits = 0) would round
    // every value read as text or JSON; the store's sessions set their own.
    const name = new URL(db.url).pathname.slice(1);
    await queryRows(db.url, `ALTER DATABASE "${name}" SET extra_float_digits = 0`);
    try {
      const store = await openPostgresTrackingStore(db.freshSchemaUri(), { defaultArtifactRoot: ARTIFACTS });
      const run = await store.createRun({ experimentId: '0' });
      const values = [0.1 + 0.2, 1 / 3, Math.PI * 1e-300, 123456789.12345678, -Number.MIN_VALUE, Number.MAX_VALUE, Infinity, -Infinity];
      await store.logBatch(run.info.runId, { metrics: values.map((value, step) => ({ key: 'v', value, timestamp: 1, step })) });
      await store.logBatch(run.info.runId, { metrics: values.map((value, i) => ({ key: `latest${i}`, value, timestamp: 1, step: 0 })) });
      const history = await store.getMetricHistory(run.info.runId, 'v');
      expect(history.items.map((m) => m.value)).toEqual(values);
      const latest = (await store.getRun(run.info.runId)).data.metrics;
      expect(values.map((_, i) => latest.find((m) => m.key === `latest${i}`)?.value)).toEqual(values);
      await store.close();
    } finally {
      await queryRows(db.url, `ALTER DATABASE "${name}" RESET extra_float_digits`);
    }
  });
});

describe('PostgreSQL store: params stay immutable under concurrent writers', () => {
  it('accepts one of several different values logged at once for a key and rejects the rest', async () => {
    const uri = db.freshSchemaUri();
    const stores = await Promise.all([0, 1, 2].map(() => openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS })));
    for (let round = 0; round < 5; round++) {
      const run = await stores[0]!.createRun({ experimentId: '0' });
      const runId = run.info.runId;
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => stores[i % 3]!.logBatch(runId, { params: [{ key: 'lr', value: String(i) }, { key: `own${i}`, value: 'x' }] })),
      );
      const accepted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(accepted).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(isOrreryError(r.reason) && r.reason.code).toBe('INVALID_PARAMETER_VALUE');
      const params = (await stores[1]!.getRun(runId)).data.params;
      // The accepted batch is there whole; the rejected ones left nothing behind.
      expect(params).toEqual([{ key: 'lr', value: String(accepted[0]) }, { key: `own${accepted[0]}`, value: 'x' }]);
    }
    await Promise.all(stores.map((s) => s.close()));
  });
});

describe('PostgreSQL store: searches ordered by a metric read ranks in index order', () => {
  it('return the same runs in the same order, page by page, as SQLite (whose plans differ; the conformance suite checks both against the promised order)', async () => {
    const { openSqliteTrackingStore } = await import('@orrery/plugin-sqlite');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-pg-vs-sqlite-'));
    const sqlite = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'ref.db')}`, { defaultArtifactRoot: ARTIFACTS });
    const postgres = await openPostgresTrackingStore(db.freshSchemaUri(), { defaultArtifactRoot: ARTIFACTS });
    const stores = [sqlite, postgres];
    const experimentIds = await Promise.all(stores.map((s) => s.createExperiment({ name: 'ranks' })));
    for (let i = 0; i < 40; i++) {
      // Values with ties, NaN, ±Infinity and missing metrics. Start times differ, so the last tiebreak
      // (run ids, random per store) never decides between the two stores.
      const value = i % 9 === 0 ? Number.NaN : i % 11 === 0 ? Infinity : i % 13 === 0 ? -Infinity : (i % 5) / 4;
      for (const [s, store] of stores.entries()) {
        const run = await store.createRun({ experimentId: experimentIds[s]!, runName: `run-${i}`, startTime: 1000 + ((i * 17) % 40) });
        await store.logBatch(run.info.runId, {
          metrics: i % 6 === 5 ? [] : [{ key: 'acc', value, timestamp: 1, step: 0 }],
          params: [{ key: 'group', value: `g${i % 3}` }],
        });
      }
    }
    const cases = [
      { orderBy: ['metrics.acc DESC'] },
      { orderBy: ['metrics.acc ASC'] },
      { orderBy: ['metrics.acc DESC', 'params.group ASC'], filter: "params.group != 'g1'" },
      { orderBy: ['metrics.acc', 'attributes.run_name DESC'], filter: 'metrics.acc >= 0' },
    ];
    for (const c of cases) {
      for (const size of [1, 4, 9, 100]) {
        const names: string[][] = [];
        for (const [s, store] of stores.entries()) {
          const seen: string[] = [];
          let pageToken: string | undefined;
          do {
            const page = await store.searchRuns({ experimentIds: [experimentIds[s]!], maxResults: size, ...c, ...(pageToken ? { pageToken } : {}) });
            seen.push(...page.items.map((r) => r.info.runName));
            pageToken = page.nextPageToken;
          } while (pageToken);
          names.push(seen);
        }
        expect(names[1], `${JSON.stringify(c)} in pages of ${size}`).toEqual(names[0]);
      }
    }
    await sqlite.close();
    await postgres.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
