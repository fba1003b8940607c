/**
 * Finding 5 of issue #15: a NUL character in 22 of 28 string fields answered 500 on PostgreSQL
 * (its text types cannot hold one). Every backend now refuses NUL in every text field of a
 * tracking or registry request with 400 INVALID_PARAMETER_VALUE naming the field, before anything
 * is stored; PostgreSQL's own refusal (SQLSTATE 22021) is a 400 too, for any path core misses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { openPostgresTrackingStore } from '@orrery/plugin-postgres';
import { useTestDatabase } from '../../plugins/postgres/test/postgres-test-helpers.js';
import { callJson, securityServers, SECURITY_BACKENDS, type SecurityServer } from './security-servers.js';

const servers = securityServers();
const API = '/api/2.0/mlflow';
const NUL = '\u0000';
const bad = (text: string) => `${text}${NUL}tail`;

interface Ids {
  experimentId: string;
  runId: string;
  model: string;
}

/** One request per text field, each with a NUL in exactly that field; `field` is how the answer must name it. */
type FieldCase = { field: string; method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; route: string; request: (ids: Ids) => Record<string, unknown> };

const query = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const CASES: FieldCase[] = [
  // ---- tracking ----
  { field: 'name', method: 'POST', route: 'experiments/create', request: () => ({ name: bad('exp') }) },
  { field: 'artifact_location', method: 'POST', route: 'experiments/create', request: () => ({ name: 'fresh-1', artifact_location: bad('/tmp/x') }) },
  { field: 'tags[0].key', method: 'POST', route: 'experiments/create', request: () => ({ name: 'fresh-2', tags: [{ key: bad('k'), value: 'v' }] }) },
  { field: 'tags[0].value', method: 'POST', route: 'experiments/create', request: () => ({ name: 'fresh-3', tags: [{ key: 'k', value: bad('v') }] }) },
  { field: 'experiment_name', method: 'GET', route: 'experiments/get-by-name', request: () => ({ experiment_name: bad('exp') }) },
  { field: 'experiment_id', method: 'GET', route: 'experiments/get', request: () => ({ experiment_id: bad('1') }) },
  { field: 'filter', method: 'POST', route: 'experiments/search', request: () => ({ filter: `name = '${bad('x')}'` }) },
  { field: 'order_by[0]', method: 'POST', route: 'experiments/search', request: () => ({ order_by: [bad('name')] }) },
  { field: 'new_name', method: 'POST', route: 'experiments/update', request: (ids) => ({ experiment_id: ids.experimentId, new_name: bad('renamed') }) },
  { field: 'key', method: 'POST', route: 'experiments/set-experiment-tag', request: (ids) => ({ experiment_id: ids.experimentId, key: bad('k'), value: 'v' }) },
  { field: 'value', method: 'POST', route: 'experiments/set-experiment-tag', request: (ids) => ({ experiment_id: ids.experimentId, key: 'k', value: bad('v') }) },
  { field: 'run_name', method: 'POST', route: 'runs/create', request: (ids) => ({ experiment_id: ids.experimentId, run_name: bad('run') }) },
  { field: 'user_id', method: 'POST', route: 'runs/create', request: (ids) => ({ experiment_id: ids.experimentId, user_id: bad('me') }) },
  { field: 'tags[0].value', method: 'POST', route: 'runs/create', request: (ids) => ({ experiment_id: ids.experimentId, tags: [{ key: 't', value: bad('v') }] }) },
  { field: 'run_name', method: 'POST', route: 'runs/update', request: (ids) => ({ run_id: ids.runId, run_name: bad('renamed') }) },
  { field: 'run_id', method: 'GET', route: 'runs/get', request: () => ({ run_id: bad('abc') }) },
  { field: 'key', method: 'POST', route: 'runs/log-parameter', request: (ids) => ({ run_id: ids.runId, key: bad('p'), value: 'v' }) },
  { field: 'value', method: 'POST', route: 'runs/log-parameter', request: (ids) => ({ run_id: ids.runId, key: 'p', value: bad('v') }) },
  { field: 'key', method: 'POST', route: 'runs/log-metric', request: (ids) => ({ run_id: ids.runId, key: bad('m'), value: 1, timestamp: 1, step: 0 }) },
  { field: 'value', method: 'POST', route: 'runs/set-tag', request: (ids) => ({ run_id: ids.runId, key: 't', value: bad('v') }) },
  { field: 'key', method: 'POST', route: 'runs/delete-tag', request: (ids) => ({ run_id: ids.runId, key: bad('keep') }) },
  { field: 'params[0].value', method: 'POST', route: 'runs/log-batch', request: (ids) => ({ run_id: ids.runId, params: [{ key: 'p', value: bad('v') }] }) },
  { field: 'tags[0].value', method: 'POST', route: 'runs/log-batch', request: (ids) => ({ run_id: ids.runId, tags: [{ key: 't', value: bad('v') }] }) },
  {
    field: 'datasets[0].dataset.name',
    method: 'POST',
    route: 'runs/log-inputs',
    request: (ids) => ({ run_id: ids.runId, datasets: [{ dataset: { name: bad('d'), digest: 'abc', source_type: 'local', source: '{}' } }] }),
  },
  {
    field: 'datasets[0].dataset.source',
    method: 'POST',
    route: 'runs/log-inputs',
    request: (ids) => ({ run_id: ids.runId, datasets: [{ dataset: { name: 'd', digest: 'abc', source_type: 'local', source: bad('{}') } }] }),
  },
  {
    field: 'datasets[0].tags[0].value',
    method: 'POST',
    route: 'runs/log-inputs',
    request: (ids) => ({ run_id: ids.runId, datasets: [{ tags: [{ key: 'mlflow.data.context', value: bad('train') }], dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' } }] }),
  },
  { field: 'filter', method: 'POST', route: 'runs/search', request: (ids) => ({ experiment_ids: [ids.experimentId], filter: `params.p = '${bad('v')}'` }) },
  { field: 'experiment_ids[0]', method: 'POST', route: 'runs/search', request: () => ({ experiment_ids: [bad('0')] }) },
  { field: 'metric_key', method: 'GET', route: 'metrics/get-history', request: (ids) => ({ run_id: ids.runId, metric_key: bad('m') }) },
  { field: 'metric_key', method: 'GET', route: 'metrics/get-history-bulk-interval', request: (ids) => ({ run_ids: ids.runId, metric_key: bad('m') }) },
  { field: 'metrics[0].key', method: 'POST', route: 'runs/log-batch', request: (ids) => ({ run_id: ids.runId, metrics: [{ key: bad('m'), value: 1, timestamp: 1, step: 0 }] }) },
  { field: 'run_id', method: 'POST', route: 'runs/delete', request: () => ({ run_id: bad('abc') }) },
  { field: 'key', method: 'POST', route: 'experiments/delete-experiment-tag', request: (ids) => ({ experiment_id: ids.experimentId, key: bad('k') }) },
  // ---- registry ----
  { field: 'name', method: 'POST', route: 'registered-models/create', request: () => ({ name: bad('model') }) },
  { field: 'description', method: 'POST', route: 'registered-models/create', request: () => ({ name: 'fresh-model-1', description: bad('about') }) },
  { field: 'tags[0].value', method: 'POST', route: 'registered-models/create', request: () => ({ name: 'fresh-model-2', tags: [{ key: 'k', value: bad('v') }] }) },
  { field: 'name', method: 'GET', route: 'registered-models/get', request: () => ({ name: bad('model') }) },
  { field: 'new_name', method: 'POST', route: 'registered-models/rename', request: (ids) => ({ name: ids.model, new_name: bad('renamed') }) },
  { field: 'description', method: 'PATCH', route: 'registered-models/update', request: (ids) => ({ name: ids.model, description: bad('about') }) },
  { field: 'filter', method: 'GET', route: 'registered-models/search', request: () => ({ filter: `name = '${bad('m')}'` }) },
  { field: 'value', method: 'POST', route: 'registered-models/set-tag', request: (ids) => ({ name: ids.model, key: 'k', value: bad('v') }) },
  { field: 'alias', method: 'POST', route: 'registered-models/alias', request: (ids) => ({ name: ids.model, alias: bad('champion'), version: '1' }) },
  { field: 'stages[0]', method: 'POST', route: 'registered-models/get-latest-versions', request: (ids) => ({ name: ids.model, stages: [bad('Production')] }) },
  { field: 'source', method: 'POST', route: 'model-versions/create', request: (ids) => ({ name: ids.model, source: bad('s3://bucket/model') }) },
  { field: 'description', method: 'POST', route: 'model-versions/create', request: (ids) => ({ name: ids.model, source: 's3://bucket/model', description: bad('about') }) },
  { field: 'run_link', method: 'POST', route: 'model-versions/create', request: (ids) => ({ name: ids.model, source: 's3://bucket/model', run_link: bad('http://x') }) },
  { field: 'tags[0].value', method: 'POST', route: 'model-versions/create', request: (ids) => ({ name: ids.model, source: 's3://bucket/model', tags: [{ key: 'k', value: bad('v') }] }) },
  { field: 'description', method: 'PATCH', route: 'model-versions/update', request: (ids) => ({ name: ids.model, version: '1', description: bad('about') }) },
  { field: 'filter', method: 'GET', route: 'model-versions/search', request: () => ({ filter: `name = '${bad('m')}'` }) },
  { field: 'value', method: 'POST', route: 'model-versions/set-tag', request: (ids) => ({ name: ids.model, version: '1', key: 'k', value: bad('v') }) },
  { field: 'key', method: 'DELETE', route: 'registered-models/delete-tag', request: (ids) => ({ name: ids.model, key: bad('k') }) },
  { field: 'name', method: 'DELETE', route: 'registered-models/delete', request: () => ({ name: bad('nul-model') }) },
  { field: 'stage', method: 'POST', route: 'model-versions/transition-stage', request: (ids) => ({ name: ids.model, version: '1', stage: bad('Production'), archive_existing_versions: false }) },
  { field: 'version', method: 'GET', route: 'model-versions/get-download-uri', request: (ids) => ({ name: ids.model, version: bad('1') }) },
];

/** Everything a NUL request could have changed, read back through the API. */
async function snapshot(server: SecurityServer, ids: Ids): Promise<unknown> {
  const get = async (route: string, fields: Record<string, string>) => (await callJson(server, `${API}/${route}?${query(fields)}`, undefined, 'GET')).body;
  return {
    experiments: await callJson(server, `${API}/experiments/search`, { view_type: 'ALL' }).then((r) => r.body),
    runs: await callJson(server, `${API}/runs/search`, { experiment_ids: [ids.experimentId, '0'], run_view_type: 'ALL' }).then((r) => r.body),
    models: await get('registered-models/search', {}),
    versions: await get('model-versions/search', {}),
    history: await get('metrics/get-history', { run_id: ids.runId, metric_key: 'm' }),
  };
}

describe.each(SECURITY_BACKENDS)('NUL characters in request fields on %s', (backend) => {
  let server: SecurityServer;
  let ids: Ids;
  beforeAll(async () => {
    server = await servers.start(backend);
    const experimentId = (await callJson(server, `${API}/experiments/create`, { name: 'nul-target' })).body.experiment_id as string;
    const run = (await callJson(server, `${API}/runs/create`, { experiment_id: experimentId, start_time: 1, tags: [{ key: 'keep', value: 'me' }] })).body.run as { info: { run_id: string } };
    const model = 'nul-model';
    expect((await callJson(server, `${API}/registered-models/create`, { name: model })).status).toBe(200);
    expect((await callJson(server, `${API}/model-versions/create`, { name: model, source: 's3://bucket/model' })).status).toBe(200);
    ids = { experimentId, runId: run.info.run_id, model };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 400 INVALID_PARAMETER_VALUE naming the field for a NUL in any text field, and stores nothing', async () => {
    const before = await snapshot(server, ids);
    const answers = [];
    for (const c of CASES) {
      const fields = c.request(ids);
      const answer =
        c.method === 'GET'
          ? await callJson(server, `${API}/${c.route}?${query(fields as Record<string, string>)}`, undefined, 'GET')
          : await callJson(server, `${API}/${c.route}`, fields, c.method);
      answers.push({ route: c.route, field: c.field, status: answer.status, code: answer.body.error_code, namesField: String(answer.body.message).includes(c.field) });
    }
    expect(answers).toEqual(CASES.map((c) => ({ route: c.route, field: c.field, status: 400, code: 'INVALID_PARAMETER_VALUE', namesField: true })));
    expect(await snapshot(server, ids)).toEqual(before);
  });
});

describe('PostgreSQL refusing a NUL byte the store did not check', () => {
  const db = useTestDatabase();

  it('turns SQLSTATE 22021 into INVALID_PARAMETER_VALUE, not an internal error', async () => {
    const store = await openPostgresTrackingStore(db.freshSchemaUri(), { defaultArtifactRoot: '/tmp/orrery-nul' });
    try {
      // Look-ups take no validation: the database is the first to see the NUL.
      const error = await store.getExperimentByName(`exp${NUL}`).catch((caught: unknown) => caught);
      expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
      expect(String((error as Error).message)).toContain('22021');
    } finally {
      await store.close();
    }
  });
});
