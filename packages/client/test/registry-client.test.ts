/** The client's registry API against the real SQLite stores (through plugin discovery) and local artifacts. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { OrreryClient } from '../src/index.js';

let tmp: string;
let client: OrreryClient;
let experimentId: string;
let runA: string;
let runB: string;

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOrreryError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error;
}

/** A run with a logged model folder `<dir>/model` holding MLmodel and weights.bin. */
async function runWithModel(tag: string, dir = 'model'): Promise<string> {
  const run = await client.createRun(experimentId, { runName: `train-${tag}` });
  await client.logParam(run.info.runId, 'lr', tag === 'a' ? '0.1' : '0.01');
  await client.logMetric(run.info.runId, 'auc', 0.5, { step: 0 });
  await client.logMetric(run.info.runId, 'auc', tag === 'a' ? 0.9 : 0.95, { step: 1 });
  const local = mkdtempSync(path.join(tmp, 'model-'));
  writeFileSync(path.join(local, 'MLmodel'), `flavor: ${tag}\n`);
  writeFileSync(path.join(local, 'weights.bin'), Buffer.from([1, 2, 3, tag.charCodeAt(0)]));
  await client.logArtifacts(run.info.runId, local, dir);
  return run.info.runId;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'orrery-registry-client-'));
  client = await OrreryClient.create({
    trackingUri: `sqlite:///${path.join(tmp, 'orrery.db')}`,
    defaultArtifactRoot: pathToFileURL(path.join(tmp, 'artifacts')).href,
  });
  experimentId = await client.createExperiment('fraud-training');
  runA = await runWithModel('a');
  runB = await runWithModel('b', 'nested/model');
});

afterAll(async () => {
  await client.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('OrreryClient registry API', () => {
  it('uses the tracking URI as the registry URI by default', () => {
    expect(client.registryUri).toBe(client.trackingUri);
  });

  it('registers a runs:/ model as MLflow does: source = run artifact URI + path, run id set, model created if missing', async () => {
    const run = await client.getRun(runA);
    const v1 = await client.registerModel(`runs:/${runA}/model`, 'fraud', { tags: { stage: 'candidate' }, description: 'first' });
    expect(v1).toMatchObject({ name: 'fraud', version: '1', source: `${run.info.artifactUri}/model`, runId: runA, description: 'first', currentStage: 'None' });
    expect(v1.tags).toEqual([{ key: 'stage', value: 'candidate' }]);
    const v2 = await client.registerModel(`runs:/${runB}/nested/model`, 'fraud');
    expect(v2.version).toBe('2');
    expect(v2.runId).toBe(runB);
    expect((await client.getRegisteredModel('fraud')).latestVersions.map((v) => v.version)).toEqual(['2']);
    await expectCode(client.registerModel('runs:/no-such-run/model', 'fraud'), 'RESOURCE_DOES_NOT_EXIST');
    await expectCode(client.registerModel('runs:/x/../../etc', 'fraud'), 'INVALID_PARAMETER_VALUE');
    // Nothing was registered by the failures.
    expect((await client.searchModelVersions({ filter: "name = 'fraud'" })).items).toHaveLength(2);
  });

  it('registers a models:/ URI as the source of the version it names', async () => {
    const copy = await client.registerModel('models:/fraud/1', 'fraud-copy');
    const original = await client.getModelVersion('fraud', 1);
    expect(copy.source).toBe(original.source);
    expect(copy.runId).toBe(runA);
  });

  it('moves stages and aliases, and answers the latest versions', async () => {
    await client.transitionModelVersionStage('fraud', 1, 'production');
    await client.transitionModelVersionStage('fraud', '2', 'Staging');
    await client.setRegisteredModelAlias('fraud', 'champion', 2);
    expect((await client.getModelVersionByAlias('fraud', 'champion')).version).toBe('2');
    const latest = await client.getLatestVersions('fraud', ['production', 'staging']);
    expect(latest.map((v) => [v.currentStage, v.version]).sort()).toEqual([['Production', '1'], ['Staging', '2']]);
    await expectCode(client.transitionModelVersionStage('fraud', 1, 'Live'), 'INVALID_PARAMETER_VALUE');
    await expectCode(client.setRegisteredModelAlias('fraud', 'champion', 99), 'RESOURCE_DOES_NOT_EXIST');
    expect((await client.getModelVersionByAlias('fraud', 'champion')).version).toBe('2');
  });

  it('downloads what runs:/, models:/<version>, models:/<stage>, models:/latest and models:/@alias URIs name', async () => {
    const dst = (name: string) => {
      const dir = path.join(tmp, 'downloads', name);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const fromRun = await client.downloadArtifacts(`runs:/${runA}/model`, dst('run'));
    expect(fromRun).toBe(path.join(tmp, 'downloads', 'run', 'model'));
    expect(readFileSync(path.join(fromRun, 'MLmodel'), 'utf8')).toBe('flavor: a\n');
    const oneFile = await client.downloadArtifacts(`runs:/${runB}/nested/model/MLmodel`, dst('file'));
    expect(readFileSync(oneFile, 'utf8')).toBe('flavor: b\n');

    const expectModel = async (uri: string, flavor: string) => {
      const dir = dst(uri.replace(/[^\w]+/g, '_'));
      const local = await client.downloadArtifacts(uri, dir);
      expect(readFileSync(path.join(local, 'MLmodel'), 'utf8'), uri).toBe(`flavor: ${flavor}\n`);
      expect(existsSync(path.join(local, 'weights.bin'))).toBe(true);
    };
    await expectModel('models:/fraud/1', 'a');
    await expectModel('models:/fraud/2', 'b');
    await expectModel('models:/fraud/Production', 'a');
    await expectModel('models:/fraud/staging', 'b');
    await expectModel('models:/fraud/latest', 'b');
    await expectModel('models:/fraud@champion', 'b');
    await expectModel('models:/fraud-copy/1', 'a');
    const inner = await client.downloadArtifacts('models:/fraud@champion/MLmodel', dst('inner'));
    expect(readFileSync(inner, 'utf8')).toBe('flavor: b\n');

    await expectCode(client.downloadArtifacts('models:/fraud/Archived', dst('none')), 'RESOURCE_DOES_NOT_EXIST');
    await expectCode(client.downloadArtifacts('models:/fraud@nobody', dst('none')), 'RESOURCE_DOES_NOT_EXIST');
    await expectCode(client.downloadArtifacts('models:/fraud/9', dst('none')), 'RESOURCE_DOES_NOT_EXIST');
    await expectCode(client.downloadArtifacts('models:/fraud/Prod', dst('none')), 'INVALID_PARAMETER_VALUE');
  });

  it('describes a version with the run that produced it, and answers which runs are behind an alias or stage', async () => {
    const lineage = await client.describeModelVersionLineage('fraud', '2');
    expect(lineage.modelVersion.version).toBe('2');
    expect(lineage.run).toMatchObject({
      runId: runB,
      runName: 'train-b',
      experimentId,
      experimentName: 'fraud-training',
      link: `#/experiments/${experimentId}/runs/${runB}`,
      params: { lr: '0.01' },
      metrics: { auc: 0.95 },
    });
    expect(lineage.run?.url).toBeUndefined();

    const behindAlias = await client.runsBehind('fraud', { alias: 'champion' });
    expect(behindAlias.map((l) => l.run?.runId)).toEqual([runB]);
    await client.registerModel(`runs:/${runB}/nested/model`, 'fraud');
    await client.transitionModelVersionStage('fraud', 3, 'Production');
    const behindStage = await client.runsBehind('fraud', { stage: 'production' });
    expect(behindStage.map((l) => [l.modelVersion.version, l.run?.runId])).toEqual([
      ['3', runB],
      ['1', runA],
    ]);

    const noRun = await client.createModelVersion('fraud', 's3://bucket/elsewhere');
    const lonely = await client.describeModelVersionLineage('fraud', noRun.version);
    expect(lonely.run).toBeUndefined();
    expect(lonely.runUnavailable).toMatch(/without a run id/);
    await expectCode(client.runsBehind('ghost', { stage: 'Production' }), 'RESOURCE_DOES_NOT_EXIST');
  });

  it('manages registered models and versions: rename, describe, tags, search, delete', async () => {
    await client.createRegisteredModel('temp', { description: 'scratch', tags: { team: 'risk' } });
    await client.createModelVersion('temp', 's3://bucket/t1', { tags: [{ key: 'k', value: 'v' }] });
    await client.renameRegisteredModel('temp', 'temp2');
    await client.updateRegisteredModel('temp2', 'renamed');
    await client.setRegisteredModelTag('temp2', 'owner', 'ada');
    await client.deleteRegisteredModelTag('temp2', 'team');
    const model = await client.getRegisteredModel('temp2');
    expect(model).toMatchObject({ name: 'temp2', description: 'renamed', tags: [{ key: 'owner', value: 'ada' }] });
    await client.setModelVersionTag('temp2', 1, 'k2', 'v2');
    await client.deleteModelVersionTag('temp2', 1, 'k');
    expect((await client.updateModelVersion('temp2', 1, { description: 'd' })).description).toBe('d');
    expect((await client.getModelVersion('temp2', 1)).tags).toEqual([{ key: 'k2', value: 'v2' }]);
    expect(await client.getModelVersionDownloadUri('temp2', 1)).toBe('s3://bucket/t1');
    expect((await client.searchRegisteredModels({ filter: "name LIKE 'temp%'" })).items.map((m) => m.name)).toEqual(['temp2']);
    await client.deleteModelVersion('temp2', 1);
    await expectCode(client.getModelVersion('temp2', 1), 'RESOURCE_DOES_NOT_EXIST');
    await client.deleteRegisteredModel('temp2');
    await expectCode(client.getRegisteredModel('temp2'), 'RESOURCE_DOES_NOT_EXIST');
  });
});
