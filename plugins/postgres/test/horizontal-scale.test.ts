/**
 * Three `orrery server` processes on one PostgreSQL database, started at the same moment on an
 * empty database (so their start-up migrations meet at the advisory lock), with 16 clients writing
 * to the same runs and the same registered model through all three.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FreshPostgresDatabase, TestService } from '@orrery/testkit';
import { createFreshPostgresDatabase, getTestService } from '@orrery/testkit';
import { postJson, startOrreryServer, type OrreryServerProcess } from './orrery-server-process.js';
import { pgAdmin, queryRows } from './postgres-test-helpers.js';

const CLIENTS = 16;
const RUNS = 4;
const BATCHES_PER_CLIENT = 12;
const VERSIONS_PER_CLIENT = 5;

let service: TestService;
let database: FreshPostgresDatabase;
let servers: OrreryServerProcess[] = [];

beforeAll(async () => {
  service = await getTestService('postgres');
  database = await createFreshPostgresDatabase(service.url, pgAdmin);
  servers = await Promise.all([0, 1, 2].map(() => startOrreryServer(`${database.url}?pool_size=4`)));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await database?.drop();
  await service?.stop();
});

async function ok(baseUrl: string, route: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await postJson(baseUrl, route, body);
  if (response.status !== 200) throw new Error(`${route} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

describe('three servers on one PostgreSQL database', () => {
  it('keep every metric, param and tag from 16 concurrent clients exactly once', async () => {
    const experimentId = (await ok(servers[0]!.url, 'experiments/create', { name: 'shared' })).experiment_id as string;
    const runIds: string[] = [];
    for (let r = 0; r < RUNS; r++) {
      const created = await ok(servers[r % 3]!.url, 'runs/create', { experiment_id: experimentId, start_time: 1000 + r });
      runIds.push((created.run as { info: { run_id: string } }).info.run_id);
    }

    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
          // Each request goes to the next server: one client's writes are spread over all three.
          const server = servers[(c + b) % 3]!;
          const runId = runIds[(c + b) % RUNS]!;
          await ok(server.url, 'runs/log-batch', {
            run_id: runId,
            metrics: [
              ...Array.from({ length: 50 }, (_, s) => ({ key: `own_${c}`, value: b * 1000 + s, timestamp: b, step: b * 50 + s })),
              { key: 'shared', value: c, timestamp: c, step: c * 100 + b },
            ],
            // The same param from every client is accepted and stored once.
            params: [{ key: `p_${c}_${b}`, value: `${c}:${b}` }, { key: 'common', value: 'same' }],
            tags: [{ key: `t_${c}_${b}`, value: `${c}/${b}` }, { key: 'last_writer', value: String(c) }],
          });
        }
      }),
    );

    const url = database.url;
    const metricRows = await queryRows<{ run_uuid: string; key: string; n: number; distinct_steps: number }>(
      url,
      `SELECT run_uuid, key, COUNT(*)::int AS n, COUNT(DISTINCT step)::int AS distinct_steps FROM metric_history GROUP BY run_uuid, key`,
    );
    const expected = new Map<string, number>();
    for (let c = 0; c < CLIENTS; c++) {
      for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
        const runId = runIds[(c + b) % RUNS]!;
        expected.set(`${runId}/own_${c}`, (expected.get(`${runId}/own_${c}`) ?? 0) + 50);
        expected.set(`${runId}/shared`, (expected.get(`${runId}/shared`) ?? 0) + 1);
      }
    }
    expect(new Map(metricRows.map((r) => [`${r.run_uuid}/${r.key}`, r.n]))).toEqual(expected);
    // No observation twice: every (run, key) has as many distinct steps as rows.
    for (const row of metricRows) expect(row.distinct_steps).toBe(row.n);

    const params = await queryRows<{ run_uuid: string; key: string; value: string }>(url, `SELECT run_uuid, key, value FROM params`);
    const tags = await queryRows<{ run_uuid: string; key: string; value: string }>(url, `SELECT run_uuid, key, value FROM tags WHERE key LIKE 't\\_%'`);
    const expectedParams: string[] = runIds.map((id) => `${id} common=same`);
    const expectedTags: string[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
        const runId = runIds[(c + b) % RUNS]!;
        expectedParams.push(`${runId} p_${c}_${b}=${c}:${b}`);
        expectedTags.push(`${runId} t_${c}_${b}=${c}/${b}`);
      }
    }
    expect(params.map((p) => `${p.run_uuid} ${p.key}=${p.value}`).sort()).toEqual(expectedParams.sort());
    expect(tags.map((t) => `${t.run_uuid} ${t.key}=${t.value}`).sort()).toEqual(expectedTags.sort());

    // latest_metrics agrees with the history, whichever server wrote last.
    const latest = await queryRows<{ run_uuid: string; step: number; expected: number }>(
      url,
      `SELECT l.run_uuid, l.step::int AS step, (SELECT MAX(step)::int FROM metric_history m WHERE m.run_uuid = l.run_uuid AND m.key = l.key) AS expected
       FROM latest_metrics l`,
    );
    expect(latest.length).toBe(expected.size);
    for (const row of latest) expect(row.step).toBe(row.expected);
  });

  it('give concurrent model-version creates across the servers unique numbers with no gaps', async () => {
    await ok(servers[1]!.url, 'registered-models/create', { name: 'contended' });
    const numbers = (
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          const mine: number[] = [];
          for (let i = 0; i < VERSIONS_PER_CLIENT; i++) {
            const created = await ok(servers[(c + i) % 3]!.url, 'model-versions/create', { name: 'contended', source: `s3://b/${c}/${i}` });
            mine.push(Number((created.model_version as { version: string }).version));
          }
          return mine;
        }),
      )
    ).flat();
    const total = CLIENTS * VERSIONS_PER_CLIENT;
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const stored = await queryRows<{ n: number; max: number }>(database.url, `SELECT COUNT(*)::int AS n, MAX(version)::int AS max FROM model_versions WHERE name = 'contended'`);
    expect(stored[0]).toEqual({ n: total, max: total });
    for (const server of servers) expect(server.alive()).toBe(true);
  });
});
