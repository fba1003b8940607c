/**
 * Finding 7 of issue #15 (Redis data loss): after Redis lost the store's keys while the server ran
 * (a FLUSHDB, a restart without persistence), the Default experiment (0) was missing until the
 * server restarted, and new experiment ids started again at 1, so new experiments shared the
 * artifact folders (`<root>/<id>`) of lost ones. Now the Default experiment comes back on first
 * use, and an id handed out before the loss is never handed out again by the same server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deleteRedisPrefix } from '@orrery/plugin-redis';
import { callJson, securityServers, type SecurityServer } from './security-servers.js';

const servers = securityServers();
const API = '/api/2.0/mlflow';

type Call = (server: SecurityServer) => Promise<void>;

/** The first request after the loss, each of which must bring the Default experiment back. */
const FIRST_REQUESTS: Array<[string, Call]> = [
  ['experiments/search', async (server) => {
    const answer = await callJson(server, `${API}/experiments/search`, {});
    expect((answer.body.experiments as Array<{ name: string }>).map((e) => e.name)).toEqual(['Default']);
  }],
  ['experiments/get of 0', async (server) => {
    const answer = await callJson(server, `${API}/experiments/get?experiment_id=0`, undefined, 'GET');
    expect((answer.body.experiment as { name: string }).name).toBe('Default');
  }],
  ['experiments/get-by-name Default', async (server) => {
    const answer = await callJson(server, `${API}/experiments/get-by-name?experiment_name=Default`, undefined, 'GET');
    expect((answer.body.experiment as { experiment_id: string }).experiment_id).toBe('0');
  }],
  ['runs/create in experiment 0', async (server) => {
    const answer = await callJson(server, `${API}/runs/create`, { experiment_id: '0', start_time: 1 });
    expect(answer.status).toBe(200);
  }],
  ['experiments/create', async (server) => {
    expect((await callJson(server, `${API}/experiments/create`, { name: 'first-after-loss' })).status).toBe(200);
  }],
];

describe('a Redis store that loses its keys while the server runs', () => {
  let server: SecurityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(FIRST_REQUESTS)('brings the Default experiment back and never repeats an experiment id (first request: %s)', async (_label, firstRequest) => {
    server = await servers.start('redis');
    const before: Array<{ id: string; location: string }> = [];
    for (const name of ['a', 'b', 'c']) {
      const id = (await callJson(server, `${API}/experiments/create`, { name })).body.experiment_id as string;
      const experiment = (await callJson(server, `${API}/experiments/get?experiment_id=${id}`, undefined, 'GET')).body.experiment as { artifact_location: string };
      before.push({ id, location: experiment.artifact_location });
    }

    await deleteRedisPrefix(server.storeUri);
    await firstRequest(server);

    const zero = await callJson(server, `${API}/experiments/get?experiment_id=0`, undefined, 'GET');
    expect(zero.status).toBe(200);
    expect((zero.body.experiment as { name: string; lifecycle_stage: string }).lifecycle_stage).toBe('active');
    const after: string[] = [];
    for (const name of ['a', 'b', 'd']) {
      after.push((await callJson(server, `${API}/experiments/create`, { name })).body.experiment_id as string);
    }
    const search = await callJson(server, `${API}/experiments/search`, { max_results: 100 });
    const experiments = search.body.experiments as Array<{ experiment_id: string; artifact_location: string }>;
    const oldIds = new Set(before.map((e) => e.id));
    const oldLocations = new Set(before.map((e) => e.location));
    for (const experiment of experiments.filter((e) => e.experiment_id !== '0')) {
      expect(oldIds.has(experiment.experiment_id), `id ${experiment.experiment_id} was handed out before the loss`).toBe(false);
      expect(oldLocations.has(experiment.artifact_location), `${experiment.artifact_location} belonged to a lost experiment`).toBe(false);
    }
    expect(new Set(after).size).toBe(after.length);
  });
});
