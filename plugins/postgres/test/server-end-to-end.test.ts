/**
 * `orrery db upgrade` and `orrery server --backend-store-uri postgresql://...` as users run them
 * (the built CLI), driven by the request sequences of MLflow's Python client (the replay helpers
 * of test/mlflow-compat).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '@orrery/sql';
import type { FreshPostgresDatabase } from '@orrery/testkit';
import { createFreshPostgresDatabase, getTestService, type TestService } from '@orrery/testkit';
import type { ParsedMessage } from '../../../test/mlflow-compat/protobuf-json.js';
import { PythonRestClient, RestException } from '../../../test/mlflow-compat/python-client-wire.js';
import { PythonRestStore, type PyMetric } from '../../../test/mlflow-compat/python-rest-store.js';
import { getJson, postJson, runCli, startOrreryServer, type OrreryServerProcess } from './orrery-server-process.js';
import { pgAdmin } from './postgres-test-helpers.js';

let service: TestService;
let database: FreshPostgresDatabase;
let server: OrreryServerProcess;
let client: PythonRestClient;
let store: PythonRestStore;

/** The database URL in MLflow's SQLAlchemy spelling, driver included. */
const sqlalchemyUri = (url: string): string => url.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');

beforeAll(async () => {
  service = await getTestService('postgres');
  database = await createFreshPostgresDatabase(service.url, pgAdmin);
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  await database?.drop();
  await service?.stop();
});

const tagsOf = (run: ParsedMessage): Record<string, string> =>
  Object.fromEntries((((run.data as ParsedMessage).tags ?? []) as ParsedMessage[]).map((t) => [t.key as string, t.value as string]));
const paramsOf = (run: ParsedMessage): Record<string, string> =>
  Object.fromEntries((((run.data as ParsedMessage).params ?? []) as ParsedMessage[]).map((t) => [t.key as string, t.value as string]));

describe('orrery CLI and server on PostgreSQL', () => {
  it('`orrery db upgrade postgresql+psycopg2://...` migrates an empty database, then reports it up to date', async () => {
    const uri = sqlalchemyUri(database.url);
    const first = JSON.parse(await runCli(['db', 'upgrade', uri, '--json'])) as { fromVersion: number; toVersion: number; applied: string[] };
    expect(first).toMatchObject({ fromVersion: 0, toVersion: LATEST_SCHEMA_VERSION });
    expect(first.applied).toHaveLength(LATEST_SCHEMA_VERSION);
    const again = await runCli(['db', 'upgrade', uri]);
    expect(again).toMatch(new RegExp(`up to date \\(schema version ${LATEST_SCHEMA_VERSION}\\)`));
  });

  it('serves MLflow Python client flows: set_experiment, start_run, log_*, log_batch, search_runs, get_metric_history, end_run', async () => {
    server = await startOrreryServer(sqlalchemyUri(database.url));
    client = new PythonRestClient(server.url);
    store = new PythonRestStore(client);

    // fluent.set_experiment: get-by-name misses, then create + get.
    expect(await store.getExperimentByName('pg flows')).toBeNull();
    const experimentId = await store.createExperiment('pg flows');
    expect((await store.getExperiment(experimentId)).name).toBe('pg flows');
    const duplicate = await store.createExperiment('pg flows').catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(RestException);
    expect(duplicate).toMatchObject({ status: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });

    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      // fluent.start_run(run_name=...): context tags plus mlflow.runName.
      const run = await store.createRun(experimentId, 'ada', Date.now() + i, [
        { key: 'mlflow.user', value: 'ada' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
        { key: 'mlflow.runName', value: `trial-${i}` },
      ], `trial-${i}`);
      const runId = (run.info as ParsedMessage).run_id as string;
      runIds.push(runId);
      await store.logParam(runId, { key: 'lr', value: String(0.1 * (i + 1)) });
      await store.setTag(runId, { key: 'team', value: i === 1 ? 'nlp' : 'vision' });
      const t = Date.now();
      await store.logMetric(runId, { key: 'acc', value: 0.5 + i / 10, timestamp: t, step: 0 });
      // TrackingServiceClient.log_batch: 1000 entities per request.
      const history: PyMetric[] = Array.from({ length: 1500 }, (_, s) => ({ key: 'loss', value: 1 / (s + 1), timestamp: t + s, step: s }));
      await store.logBatch(runId, history.slice(0, 990), [{ key: 'optimizer', value: 'adam' }], [{ key: 'phase', value: 'train' }]);
      await store.logBatch(runId, history.slice(990), [], []);
      await store.logMetric(runId, { key: 'diverged', value: Number.NaN, timestamp: t, step: 0 });
      await store.updateRunInfo(runId, 'FINISHED', Date.now());
    }
    // Params are immutable through this backend too.
    const change = await store.logParam(runIds[0]!, { key: 'lr', value: '9' }).catch((e: unknown) => e);
    expect(change).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });

    const fetched = await store.getRun(runIds[2]!);
    expect(paramsOf(fetched)).toEqual({ lr: String(0.1 * 3), optimizer: 'adam' });
    expect(tagsOf(fetched)).toMatchObject({ team: 'vision', phase: 'train', 'mlflow.runName': 'trial-2' });
    const metrics = Object.fromEntries((((fetched.data as ParsedMessage).metrics ?? []) as ParsedMessage[]).map((m) => [m.key as string, m]));
    expect(metrics.loss).toMatchObject({ value: 1 / 1500, step: 1499 });
    expect(metrics.diverged!.value).toBeNaN();

    const history = await store.getMetricHistory(runIds[0]!, 'loss');
    expect(history).toHaveLength(1500);
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 1500 }, (_, s) => s));

    // MlflowClient.search_runs with a filter, order_by and paging through tokens.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await store.searchRuns([experimentId], "tags.team = 'vision' and metrics.acc > 0.4", 'ACTIVE_ONLY', 1, ['metrics.acc DESC'], token);
      seen.push(...page.runs.map((r) => (r.info as ParsedMessage).run_id as string));
      token = page.nextPageToken ?? undefined;
    } while (token);
    expect(seen).toEqual([runIds[2], runIds[0]]);
    const bad = await store.searchRuns([experimentId], undefined, 'ACTIVE_ONLY', 10, undefined, 'not-a-token').catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });

    // get-history-bulk-interval, sampled in SQL.
    const sampled = await getJson(server.url, 'metrics/get-history-bulk-interval', { run_ids: runIds[0]!, metric_key: 'loss', max_results: '10' });
    expect(sampled.status).toBe(200);
    const steps = (sampled.body.metrics as { step: number }[]).map((m) => m.step);
    expect(steps).toHaveLength(10);
    expect(steps[0]).toBe(0);
    expect(steps[9]).toBe(1499);
  });

  it('serves the model registry from the same database: versions count up, latest versions per stage', async () => {
    expect((await postJson(server.url, 'registered-models/create', { name: 'pg-model' })).status).toBe(200);
    const versions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await postJson(server.url, 'model-versions/create', { name: 'pg-model', source: `s3://bucket/model/${i}` });
      expect(created.status).toBe(200);
      versions.push((created.body.model_version as { version: string }).version);
    }
    expect(versions).toEqual(['1', '2', '3']);
    await postJson(server.url, 'model-versions/transition-stage', { name: 'pg-model', version: '2', stage: 'Production', archive_existing_versions: false });
    const latest = await postJson(server.url, 'registered-models/get-latest-versions', { name: 'pg-model' });
    const byStage = Object.fromEntries((latest.body.model_versions as { current_stage: string; version: string }[]).map((v) => [v.current_stage, v.version]));
    expect(byStage).toEqual({ None: '3', Production: '2' });
  });
});
