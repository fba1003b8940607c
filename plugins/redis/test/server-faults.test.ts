/**
 * `orrery server --backend-store-uri redis://...` as users run it (the built CLI in a child
 * process) against a private redis-server: the MLflow REST API end to end, then Redis killed and
 * restarted under load. While Redis is down the server answers 503 TEMPORARILY_UNAVAILABLE; it
 * recovers by itself; every acknowledged batch is there afterwards and no batch is half-written.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisTrackingStore } from '@orrery/plugin-redis';
import { ARTIFACT_ROOT, startPrivateRedisServer } from './redis-service-helpers.js';
import { startOrreryServerProcess } from '@orrery/testkit';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = path.join(REPO, 'packages', 'cli', 'dist', 'bin.js');

interface ServerProcess {
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

async function startOrreryServer(storeUri: string, dir: string): Promise<ServerProcess> {
  return startOrreryServerProcess({
    cwd: dir,
    args: ['--backend-store-uri', storeUri, '--artifacts-destination', `file://${dir}/artifacts`],
    logLevel: 'fatal',
  });
}

describe('orrery server on a Redis store', () => {
  let redis: Awaited<ReturnType<typeof startPrivateRedisServer>>;
  let server: ServerProcess;
  let dir: string;
  let storeUri: string;

  async function api(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${server.url}/api/2.0/mlflow/${route}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function ok(method: 'GET' | 'POST', route: string, body?: unknown): Promise<Record<string, unknown>> {
    const { status, json } = await api(method, route, body);
    if (status !== 200) throw new Error(`${method} ${route} → ${status} ${JSON.stringify(json)}\n${server.stderr()}`);
    return json;
  }

  beforeAll(async () => {
    expect(existsSync(CLI), 'build first: pnpm tsc -b').toBe(true);
    dir = mkdtempSync(path.join(tmpdir(), 'orrery-redis-server-'));
    // appendfsync always: every acknowledged write is on disk, so even a SIGKILL loses none.
    redis = await startPrivateRedisServer({ config: { appendonly: 'yes', appendfsync: 'always' } });
    storeUri = `${redis.url}/0?prefix=e2e`;
    server = await startOrreryServer(storeUri, dir);
  });

  afterAll(async () => {
    await server?.stop();
    await redis?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves tracking and registry calls end to end', async () => {
    const { experiment_id: experimentId } = (await ok('POST', 'experiments/create', { name: 'e2e' })) as { experiment_id: string };
    const created = (await ok('POST', 'runs/create', { experiment_id: experimentId, start_time: 1000, run_name: 'first' })) as {
      run: { info: { run_id: string } };
    };
    const runId = created.run.info.run_id;
    await ok('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'acc', value: 0.5, timestamp: 1, step: 0 },
        { key: 'acc', value: 0.9, timestamp: 2, step: 1 },
      ],
      params: [{ key: 'lr', value: '0.1' }],
      tags: [{ key: 'team', value: 'vision' }],
    });
    const conflict = await api('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' });
    expect(conflict.status).toBe(400);
    expect(conflict.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const search = (await ok('POST', 'runs/search', { experiment_ids: [experimentId], filter: "metrics.acc > 0.8 AND params.lr = '0.1'" })) as {
      runs: Array<{ info: { run_id: string } }>;
    };
    expect(search.runs.map((r) => r.info.run_id)).toEqual([runId]);
    const history = (await ok('GET', `metrics/get-history?run_id=${runId}&metric_key=acc`)) as { metrics: Array<{ value: number }> };
    expect(history.metrics.map((m) => m.value)).toEqual([0.5, 0.9]);

    await ok('POST', 'registered-models/create', { name: 'e2e-model' });
    const v1 = (await ok('POST', 'model-versions/create', { name: 'e2e-model', source: 's3://b/1', run_id: runId })) as {
      model_version: { version: string };
    };
    expect(v1.model_version.version).toBe('1');
  });

  it('answers 503 TEMPORARILY_UNAVAILABLE while Redis is down, recovers by itself, and leaves no batch half-written', async () => {
    const { experiment_id: experimentId } = (await ok('POST', 'experiments/create', { name: 'faults' })) as { experiment_id: string };
    const runId = ((await ok('POST', 'runs/create', { experiment_id: experimentId, start_time: 1 })) as { run: { info: { run_id: string } } })
      .run.info.run_id;
    const PER_BATCH = 50;
    const acknowledged = new Set<string>();
    const attempted = new Set<string>();
    const unavailable: string[] = [];
    const otherFailures: string[] = [];
    let stop = false;

    const worker = async (w: number) => {
      for (let b = 0; !stop; b += 1) {
        const id = `w${w}-b${b}`;
        attempted.add(id);
        const metrics = Array.from({ length: PER_BATCH }, (_, i) => ({ key: `w${w}`, value: b * 1000 + i, timestamp: b, step: b * PER_BATCH + i }));
        try {
          const { status, json } = await api('POST', 'runs/log-batch', { run_id: runId, metrics, params: [{ key: id, value: 'x' }] });
          if (status === 200) acknowledged.add(id);
          else if (status === 503 && json.error_code === 'TEMPORARILY_UNAVAILABLE') unavailable.push(id);
          else otherFailures.push(`${id}: ${status} ${JSON.stringify(json)}`);
        } catch (error) {
          otherFailures.push(`${id}: ${String(error)}`);
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    const waitFor = async (test: () => boolean, ms: number, what: string) => {
      const deadline = Date.now() + ms;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    await waitFor(() => acknowledged.size >= 20, 20_000, 'load to build up');
    await redis.kill();
    await waitFor(() => unavailable.length >= 10, 20_000, '503 answers during the outage');
    const health = await api('POST', 'runs/search', { experiment_ids: [experimentId] });
    expect(health.status).toBe(503);
    expect(health.json.error_code).toBe('TEMPORARILY_UNAVAILABLE');
    await new Promise((resolve) => setTimeout(resolve, 500));

    await redis.start();
    const before = acknowledged.size;
    await waitFor(() => acknowledged.size >= before + 20, 30_000, 'the server to recover by itself');
    stop = true;
    await Promise.all(workers);
    expect(otherFailures).toEqual([]);

    const store = await openRedisTrackingStore(storeUri, { defaultArtifactRoot: ARTIFACT_ROOT });
    try {
      const run = await store.getRun(runId);
      const params = new Set(run.data.params.map((p) => p.key));
      const halfWritten: string[] = [];
      for (const w of [0, 1, 2, 3]) {
        const history = (await store.getMetricHistory(runId, `w${w}`)).items;
        const perBatch = new Map<number, number>();
        for (const m of history) perBatch.set(Math.floor(m.value / 1000), (perBatch.get(Math.floor(m.value / 1000)) ?? 0) + 1);
        for (const id of attempted) {
          if (!id.startsWith(`w${w}-`)) continue;
          const b = Number(id.split('-b')[1]);
          const count = perBatch.get(b) ?? 0;
          if (count !== 0 && count !== PER_BATCH) halfWritten.push(`${id}: ${count} of ${PER_BATCH} metrics`);
          if ((count === PER_BATCH) !== params.has(id)) halfWritten.push(`${id}: metrics ${count}, param ${params.has(id)}`);
          if (acknowledged.has(id) && count !== PER_BATCH) halfWritten.push(`${id}: acknowledged but ${count} metrics stored`);
        }
      }
      expect(halfWritten).toEqual([]);
      expect(unavailable.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
