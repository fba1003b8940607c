/**
 * PostgreSQL restarts under load. This test starts its OWN PostgreSQL (a private instance from the
 * installed binaries, on a free port in a temp dir), never the shared one other test files use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrivatePostgres } from '@orrery/testkit';
import { startPrivatePostgres } from '@orrery/testkit';
import { getJson, postJson, startOrreryServer, type OrreryServerProcess } from './orrery-server-process.js';
import { queryRows } from './postgres-test-helpers.js';

const CLIENTS = 6;
const METRICS_PER_BATCH = 20;

let postgres: PrivatePostgres;
let server: OrreryServerProcess;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  server = await startOrreryServer(`${postgres.url}?pool_size=4&connect_timeout=3&statement_timeout=10000`);
});

afterAll(async () => {
  await server?.stop();
  await postgres?.stop();
});

type Outcome = 'ok' | 'unavailable' | `bad: ${string}`;

async function attempt(route: string, body: unknown): Promise<Outcome> {
  try {
    // Far above any healthy answer time: a request still open after it counts as a hang.
    const response = await postJson(server.url, route, body, 20_000);
    if (response.status === 200) return 'ok';
    if (response.status === 503 && response.body.error_code === 'TEMPORARILY_UNAVAILABLE') return 'unavailable';
    return `bad: ${response.status} ${JSON.stringify(response.body)}`;
  } catch (error) {
    return `bad: ${(error as Error).message}`;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a server whose PostgreSQL restarts under load', () => {
  it('answers 503 TEMPORARILY_UNAVAILABLE during the outage, recovers by itself, and keeps each log-batch whole or absent', async () => {
    const created = await postJson(server.url, 'experiments/create', { name: 'faults' });
    const experimentId = created.body.experiment_id as string;
    const runs = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const run = await postJson(server.url, 'runs/create', { experiment_id: experimentId });
        return (run.body.run as { info: { run_id: string } }).info.run_id;
      }),
    );

    type Attempt = { client: number; seq: number; outcome: Outcome; phase: 'before' | 'during' | 'after' };
    const attempts: Attempt[] = [];
    let phase: Attempt['phase'] = 'before';
    const okAfter = new Array<number>(CLIENTS).fill(0);
    let stopLoad = false;

    const load = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let seq = 0; !stopLoad; seq++) {
        const startedIn = phase;
        const outcome = await attempt('runs/log-batch', {
          run_id: runs[c],
          metrics: Array.from({ length: METRICS_PER_BATCH }, (_, i) => ({ key: `m${c}`, value: seq, timestamp: seq, step: seq * METRICS_PER_BATCH + i })),
          params: [{ key: `p${seq}`, value: String(seq) }],
          tags: [{ key: `t${seq}`, value: String(seq) }],
        });
        attempts.push({ client: c, seq, outcome, phase: startedIn });
        if (outcome === 'ok' && startedIn === 'after') okAfter[c]! += 1;
        if (outcome !== 'ok') await sleep(50);
      }
    });

    await sleep(800);
    phase = 'during';
    await postgres.stopServer();
    // Reads during the outage must not hang or crash either.
    const read = await getJson(server.url, 'experiments/get-by-name', { experiment_name: 'faults' }).catch((e: unknown) => ({ status: 0, body: { error: String(e) } as Record<string, unknown> }));
    const readDuringOutage = read.status === 200 ? 'ok' : read.status === 503 && read.body.error_code === 'TEMPORARILY_UNAVAILABLE' ? 'unavailable' : `bad: ${JSON.stringify(read)}`;
    await sleep(1500);
    await postgres.startServer();
    phase = 'after';
    const deadline = Date.now() + 30_000;
    while (okAfter.some((n) => n < 5) && Date.now() < deadline) await sleep(100);
    stopLoad = true;
    await Promise.all(load);
    const tally: Record<string, number> = {};
    for (const a of attempts) tally[`${a.phase} ${a.outcome.slice(0, 120)}`] = (tally[`${a.phase} ${a.outcome.slice(0, 120)}`] ?? 0) + 1;

    const bad = attempts.filter((a) => a.outcome.startsWith('bad'));
    expect(bad.map((a) => a.outcome), `outcomes by phase: ${JSON.stringify(tally)}`).toEqual([]);
    expect(server.alive()).toBe(true);
    expect(attempts.filter((a) => a.phase === 'before' && a.outcome === 'ok').length).toBeGreaterThan(0);
    expect(attempts.filter((a) => a.outcome === 'unavailable').length).toBeGreaterThan(0);
    expect(['ok', 'unavailable']).toContain(readDuringOutage);
    // Recovered by itself: every client's requests succeed again.
    expect(okAfter.every((n) => n >= 5)).toBe(true);

    // Each batch is all there or not there at all (judged by content), and every acknowledged one is there.
    const metricRows = await queryRows<{ run_uuid: string; seq: number; n: number }>(
      postgres.url,
      `SELECT run_uuid, value::int AS seq, COUNT(*)::int AS n FROM metric_history GROUP BY run_uuid, value`,
    );
    const paramRows = await queryRows<{ run_uuid: string; key: string }>(postgres.url, `SELECT run_uuid, key FROM params`);
    const tagRows = await queryRows<{ run_uuid: string; key: string }>(postgres.url, `SELECT run_uuid, key FROM tags WHERE key LIKE 't%'`);
    const metricsOf = new Map(metricRows.map((r) => [`${r.run_uuid}/${r.seq}`, r.n]));
    const params = new Set(paramRows.map((r) => `${r.run_uuid}/${r.key.slice(1)}`));
    const tags = new Set(tagRows.map((r) => `${r.run_uuid}/${r.key.slice(1)}`));
    let partial = 0;
    let lostAcknowledged = 0;
    for (const a of attempts) {
      const id = `${runs[a.client]}/${a.seq}`;
      const n = metricsOf.get(id) ?? 0;
      const present = [n === METRICS_PER_BATCH, params.has(id), tags.has(id)];
      const absent = [n === 0, !params.has(id), !tags.has(id)];
      if (!present.every(Boolean) && !absent.every(Boolean)) partial += 1;
      if (a.outcome === 'ok' && !present.every(Boolean)) lostAcknowledged += 1;
    }
    expect({ partial, lostAcknowledged }).toEqual({ partial: 0, lostAcknowledged: 0 });
    // Nothing was written that no request asked for.
    expect(metricRows.every((r) => attempts.some((a) => `${runs[a.client]}/${a.seq}` === `${r.run_uuid}/${r.seq}`))).toBe(true);
  }, 90_000);
});
