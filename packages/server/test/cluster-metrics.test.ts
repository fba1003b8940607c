/**
 * `/metrics` of `orrery server --workers 2`, run as users run it (the built CLI in a child
 * process). The workers share the port and the primary hands new connections to them in turn,
 * so requests on fresh connections land on both. Before prom-client's cluster aggregation each
 * worker answered a scrape with its own counts: scrapes alternated between partial totals.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeTcpPort, startOrreryServerProcess, type OrreryServerProcess } from '@orrery/testkit';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startCluster(args: string[] = [], env: Record<string, string> = {}): Promise<{ server: OrreryServerProcess; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orrery-cluster-metrics-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // A fixed port: with port 0 the cluster primary could not say where its workers listen.
  const port = await freeTcpPort();
  const server = await startOrreryServerProcess({ cwd: dir, env, args: ['--workers', '2', '--port', String(port), ...args] });
  cleanups.push(() => server.stop());
  return { server, dir };
}

/** One request on its own connection, so that the cluster gives it to the next worker. */
async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { headers: { connection: 'close', ...headers } });
  return { status: response.status, text: await response.text() };
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const HEALTH_OK = 'orrery_http_requests_total{method="GET",route="/health",status="200"}';

describe('/metrics with --workers 2', () => {
  it('counts the requests of every worker in each scrape, whichever worker answers it', { timeout: 60_000 }, async () => {
    const { server } = await startCluster();
    for (let i = 0; i < 10; i += 1) expect((await get(`${server.url}/health`)).status).toBe(200);
    const missing = await get(`${server.url}/api/2.0/mlflow/runs/get?run_id=nope`);
    expect(missing.status).toBe(404);

    // Six scrapes, three per worker: each one sees all ten requests, not the half its worker served.
    for (let scrape = 0; scrape < 6; scrape += 1) {
      const answer = await get(`${server.url}/metrics`);
      expect(answer.status).toBe(200);
      expect(sample(answer.text, HEALTH_OK)).toBe(10);
      expect(sample(answer.text, 'orrery_http_requests_total{method="GET",route="/api/2.0/mlflow/runs/get",status="404"}')).toBe(1);
      expect(sample(answer.text, 'orrery_store_errors_total{store="tracking",operation="getRun",code="RESOURCE_DOES_NOT_EXIST"}')).toBe(1);
      // The scrapes answered before this one, spread over both workers, are counted too.
      expect(sample(answer.text, 'orrery_http_requests_total{method="GET",route="/metrics",status="200"}') ?? 0).toBe(scrape);
      expect(sample(answer.text, 'orrery_http_request_duration_seconds_count{method="GET",route="/health",status="200"}')).toBe(10);
      // Only the answering worker has a request in flight: this scrape.
      expect(sample(answer.text, 'orrery_http_requests_in_flight')).toBe(1);
      expect(sample(answer.text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(sample(answer.text, 'process_start_time_seconds')).toBeGreaterThan(0);
    }
  });

  it('still needs an authenticated user with --app-name basic-auth, and then shows every worker', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'orrery-cluster-auth-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const ini = path.join(dir, 'basic_auth.ini');
    await writeFile(
      ini,
      `[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///${path.join(dir, 'auth.db')}\nadmin_username = root\nadmin_password = s3cret-pw\n`,
    );
    const { server } = await startCluster(['--app-name', 'basic-auth'], { MLFLOW_AUTH_CONFIG_PATH: ini });
    const root = { authorization: `Basic ${Buffer.from('root:s3cret-pw').toString('base64')}` };
    for (let i = 0; i < 4; i += 1) expect((await get(`${server.url}/health`)).status).toBe(200);

    for (let scrape = 0; scrape < 2; scrape += 1) {
      const anonymous = await get(`${server.url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.text).not.toContain('orrery_http_requests_total');
      const wrong = await get(`${server.url}/metrics`, { authorization: `Basic ${Buffer.from('root:nope').toString('base64')}` });
      expect(wrong.status).toBe(401);
    }
    for (let scrape = 0; scrape < 2; scrape += 1) {
      const answer = await get(`${server.url}/metrics`, root);
      expect(answer.status).toBe(200);
      expect(sample(answer.text, HEALTH_OK)).toBe(4);
      expect(sample(answer.text, 'orrery_http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(4);
    }
  });
});
