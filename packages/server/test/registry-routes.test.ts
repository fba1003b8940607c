/* eslint-disable @typescript-eslint/no-explicit-any -- the tests walk response JSON freely in assertions */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelRegistryStore, TrackingStore } from '@orrery/core';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import { getJson, postJson } from './server-fixture.js';

const API = '/api/2.0/mlflow';

interface Reply {
  status: number;
  body: Record<string, any>;
}

/** The fixture's JSON helpers, with bodies typed loosely for deep assertions on MLflow shapes. */
const getAny = async (app: FastifyInstance, url: string) => (await getJson(app, url)) as Reply;
const postAny = async (app: FastifyInstance, url: string, body: unknown) => (await postJson(app, url, body)) as Reply;

async function send(app: FastifyInstance, method: 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<Reply> {
  const response = await app.inject({
    method,
    url,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) } : {}),
  });
  return { status: response.statusCode, body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, any>) };
}

describe('registry routes: MLflow request and response shapes', () => {
  let dir: string;
  let tracking: TrackingStore;
  let registry: ModelRegistryStore;
  let app: FastifyInstance;
  let artifactRoot: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'orrery-registry-routes-'));
    const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
    artifactRoot = pathToFileURL(path.join(dir, 'artifacts')).href;
    tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: artifactRoot });
    registry = await openSqliteModelRegistryStore(uri);
    app = createServer({ trackingStore: tracking, modelRegistryStore: registry, serveArtifacts: false });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await registry.close();
    await tracking.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function newRun(): Promise<{ runId: string; artifactUri: string }> {
    const created = await postAny(app, `${API}/runs/create`, { experiment_id: '0', start_time: 1000 });
    const info = (created.body.run as any).info;
    return { runId: info.run_id, artifactUri: info.artifact_uri };
  }

  async function createVersion(name: string, source = 's3://bucket/model', extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const created = await postAny(app, `${API}/model-versions/create`, { name, source, ...extra });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body.model_version as Record<string, any>;
  }

  it('creates and reads registered models in MLflow form, under both prefixes', async () => {
    const created = await postAny(app, `${API}/registered-models/create`, {
      name: 'fraud',
      description: 'flags fraud',
      tags: [{ key: 'team', value: 'risk' }],
    });
    expect(created.status).toBe(200);
    const model = created.body.registered_model as Record<string, any>;
    expect(Object.keys(model).sort()).toEqual(['creation_timestamp', 'description', 'last_updated_timestamp', 'name', 'tags']);
    expect(model).toMatchObject({ name: 'fraud', description: 'flags fraud', tags: [{ key: 'team', value: 'risk' }] });
    expect(typeof model.creation_timestamp).toBe('number');

    const run = await newRun();
    const version = await createVersion('fraud', `${run.artifactUri}/model`, { run_id: run.runId, description: 'v1', tags: [{ key: 'k', value: 'v' }] });
    expect(Object.keys(version).sort()).toEqual(
      ['creation_timestamp', 'current_stage', 'description', 'last_updated_timestamp', 'name', 'run_id', 'source', 'status', 'tags', 'version'].sort(),
    );
    expect(version).toMatchObject({ name: 'fraud', version: '1', current_stage: 'None', status: 'READY', run_id: run.runId, source: `${run.artifactUri}/model` });

    const got = await getAny(app, `${API}/registered-models/get?name=fraud`);
    expect(got.status).toBe(200);
    expect((got.body.registered_model as any).latest_versions).toEqual([expect.objectContaining({ version: '1', current_stage: 'None' })]);
    const ajax = await getAny(app, `/ajax-api/2.0/mlflow/registered-models/get?name=fraud`);
    expect(ajax.body).toEqual(got.body);
  });

  it('renames, updates (PATCH), tags and deletes registered models', async () => {
    await postAny(app, `${API}/registered-models/create`, { name: 'a' });
    await createVersion('a');
    const renamed = await postAny(app, `${API}/registered-models/rename`, { name: 'a', new_name: 'b' });
    expect((renamed.body.registered_model as any).name).toBe('b');
    expect((await getAny(app, `${API}/model-versions/get?name=b&version=1`)).status).toBe(200);

    const updated = await send(app, 'PATCH', `${API}/registered-models/update`, { name: 'b', description: 'new text' });
    expect(updated.body.registered_model.description).toBe('new text');

    expect((await postAny(app, `${API}/registered-models/set-tag`, { name: 'b', key: 'k', value: 'v' })).status).toBe(200);
    expect((await getAny(app, `${API}/registered-models/get?name=b`)).body.registered_model.tags).toEqual([{ key: 'k', value: 'v' }]);
    // MLflow's Python client sends DELETE parameters as a JSON body; others send a query string.
    expect(await send(app, 'DELETE', `${API}/registered-models/delete-tag`, { name: 'b', key: 'k' })).toEqual({ status: 200, body: {} });
    expect((await getAny(app, `${API}/registered-models/get?name=b`)).body.registered_model.tags).toBeUndefined();

    expect(await send(app, 'DELETE', `${API}/registered-models/delete?name=b`)).toEqual({ status: 200, body: {} });
    const gone = await getAny(app, `${API}/registered-models/get?name=b`);
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('searches registered models and model versions by GET with paging', async () => {
    for (const name of ['m1', 'm2', 'm3']) {
      await postAny(app, `${API}/registered-models/create`, { name });
      await createVersion(name, `s3://bucket/${name}`);
    }
    const first = await getAny(app, `${API}/registered-models/search?max_results=2&order_by=name+DESC`);
    expect(first.body.registered_models.map((m: any) => m.name)).toEqual(['m3', 'm2']);
    const second = await getAny(app, `${API}/registered-models/search?max_results=2&order_by=name+DESC&page_token=${encodeURIComponent(first.body.next_page_token)}`);
    expect(second.body.registered_models.map((m: any) => m.name)).toEqual(['m1']);
    expect(second.body.next_page_token).toBeUndefined();
    const filtered = await getAny(app, `${API}/registered-models/search?filter=${encodeURIComponent("name LIKE 'm%2'")}`);
    expect(filtered.body.registered_models.map((m: any) => m.name)).toEqual(['m2']);
    const none = await getAny(app, `${API}/registered-models/search?filter=${encodeURIComponent("name = 'zzz'")}`);
    expect(none.body).toEqual({});

    const versions = await getAny(app, `${API}/model-versions/search?filter=${encodeURIComponent("name = 'm1'")}`);
    expect(versions.body.model_versions.map((v: any) => [v.name, v.version])).toEqual([['m1', '1']]);
    const tooMany = await getAny(app, `${API}/registered-models/search?max_results=1001`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('transitions stages (any letter case, archiving existing versions) and answers get-latest-versions by GET and POST', async () => {
    await postAny(app, `${API}/registered-models/create`, { name: 'staged' });
    for (let i = 0; i < 3; i += 1) await createVersion('staged', `s3://bucket/${i}`);
    const moved = await postAny(app, `${API}/model-versions/transition-stage`, { name: 'staged', version: '1', stage: 'production', archive_existing_versions: false });
    expect(moved.status).toBe(200);
    expect((moved.body.model_version as any).current_stage).toBe('Production');
    await postAny(app, `${API}/model-versions/transition-stage`, { name: 'staged', version: '2', stage: 'Production', archive_existing_versions: true });
    expect((await getAny(app, `${API}/model-versions/get?name=staged&version=1`)).body.model_version.current_stage).toBe('Archived');

    const byGet = await getAny(app, `${API}/registered-models/get-latest-versions?name=staged&stages=Production&stages=None`);
    expect(byGet.body.model_versions.map((v: any) => [v.current_stage, v.version]).sort()).toEqual([['None', '3'], ['Production', '2']]);
    const byPost = await postAny(app, `${API}/registered-models/get-latest-versions`, { name: 'staged', stages: ['Archived'] });
    expect((byPost.body.model_versions as any[]).map((v) => v.version)).toEqual(['1']);

    const badStage = await postAny(app, `${API}/model-versions/transition-stage`, { name: 'staged', version: '3', stage: 'Prod', archive_existing_versions: false });
    expect(badStage.status).toBe(400);
    expect(badStage.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(badStage.body.message).toMatch(/Prod.*None, Staging, Production, Archived/);
    expect((await getAny(app, `${API}/model-versions/get?name=staged&version=3`)).body.model_version.current_stage).toBe('None');
  });

  it('sets, reads and deletes aliases; version tags; update and delete of versions; the download URI', async () => {
    await postAny(app, `${API}/registered-models/create`, { name: 'al' });
    await createVersion('al', 's3://bucket/1');
    await createVersion('al', 's3://bucket/2');
    expect((await postAny(app, `${API}/registered-models/alias`, { name: 'al', alias: 'champion', version: '1' })).status).toBe(200);
    const byAlias = await getAny(app, `${API}/registered-models/alias?name=al&alias=champion`);
    expect(byAlias.body.model_version).toMatchObject({ version: '1', aliases: ['champion'] });
    expect((await getAny(app, `${API}/registered-models/get?name=al`)).body.registered_model.aliases).toEqual([{ alias: 'champion', version: '1' }]);

    const missing = await postAny(app, `${API}/registered-models/alias`, { name: 'al', alias: 'champion', version: '9' });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await getAny(app, `${API}/registered-models/alias?name=al&alias=champion`)).body.model_version.version).toBe('1');

    expect(await send(app, 'DELETE', `${API}/registered-models/alias`, { name: 'al', alias: 'champion' })).toEqual({ status: 200, body: {} });
    expect((await getAny(app, `${API}/registered-models/alias?name=al&alias=champion`)).status).toBe(404);

    await postAny(app, `${API}/model-versions/set-tag`, { name: 'al', version: '2', key: 'k', value: 'v' });
    expect((await getAny(app, `${API}/model-versions/get?name=al&version=2`)).body.model_version.tags).toEqual([{ key: 'k', value: 'v' }]);
    await send(app, 'DELETE', `${API}/model-versions/delete-tag?name=al&version=2&key=k`);
    expect((await getAny(app, `${API}/model-versions/get?name=al&version=2`)).body.model_version.tags).toBeUndefined();

    const updated = await send(app, 'PATCH', `${API}/model-versions/update`, { name: 'al', version: '2', description: 'better' });
    expect(updated.body.model_version.description).toBe('better');
    expect((await getAny(app, `${API}/model-versions/get-download-uri?name=al&version=2`)).body).toEqual({ artifact_uri: 's3://bucket/2' });

    expect(await send(app, 'DELETE', `${API}/model-versions/delete`, { name: 'al', version: '1' })).toEqual({ status: 200, body: {} });
    expect((await getAny(app, `${API}/model-versions/get?name=al&version=1`)).status).toBe(404);
  });

  it('answers bad input with MLflow codes and statuses, changing nothing', async () => {
    const missingName = await postAny(app, `${API}/registered-models/create`, {});
    expect(missingName.status).toBe(400);
    expect(missingName.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
    });
    await postAny(app, `${API}/registered-models/create`, { name: 'x' });
    const again = await postAny(app, `${API}/registered-models/create`, { name: 'x' });
    expect(again.status).toBe(400);
    expect(again.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    const notNumber = await getAny(app, `${API}/model-versions/get?name=x&version=abc`);
    expect(notNumber.status).toBe(400);
    expect(notNumber.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const unknown = await getAny(app, `${API}/model-versions/get?name=x&version=7`);
    expect(unknown.status).toBe(404);

    const longTag = await postAny(app, `${API}/registered-models/set-tag`, { name: 'x', key: 'k', value: 'v'.repeat(5001) });
    expect(longTag.status).toBe(400);
    expect(longTag.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await getAny(app, `${API}/registered-models/get?name=x`)).body.registered_model.tags).toBeUndefined();

    const notJson = await app.inject({ method: 'POST', url: `${API}/registered-models/create`, headers: { 'content-type': 'text/plain' }, payload: 'name=y' });
    expect(notJson.statusCode).toBe(400);
  });

  it('checks model version sources as MLflow does: local paths only inside the run artifact folder', async () => {
    await postAny(app, `${API}/registered-models/create`, { name: 'src' });
    const local = await postAny(app, `${API}/model-versions/create`, { name: 'src', source: path.join(dir, 'elsewhere') });
    expect(local.status).toBe(400);
    expect(local.body.message).toMatch(/Invalid model version source/);
    const run = await newRun();
    const escaping = await postAny(app, `${API}/model-versions/create`, { name: 'src', source: `${run.artifactUri}/../../secrets`, run_id: run.runId });
    expect(escaping.status).toBe(400);
    const traversal = await postAny(app, `${API}/model-versions/create`, { name: 'src', source: 's3://bucket/a/%2E%2E/b' });
    expect(traversal.status).toBe(400);
    expect((await getAny(app, `${API}/model-versions/search?filter=${encodeURIComponent("name = 'src'")}`)).body).toEqual({});
    const inside = await createVersion('src', `${run.artifactUri}/model`, { run_id: run.runId });
    expect(inside.version).toBe('1');
  });

  it('answers NOT_IMPLEMENTED on registry routes when the server has no registry store', async () => {
    const bare = createServer({ trackingStore: tracking, serveArtifacts: false });
    await bare.ready();
    try {
      const reply = await getJson(bare, `${API}/registered-models/search`);
      expect(reply.status).toBe(501);
      expect(reply.body.error_code).toBe('NOT_IMPLEMENTED');
    } finally {
      await bare.close();
    }
  });
});
