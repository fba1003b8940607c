import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingRestoreOf } from '@orrery/core';
import { ok, orrery } from './in-process-cli.js';
import { openPostgresModelRegistryStore, openPostgresTrackingStore } from '@orrery/plugin-postgres';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { openRedisModelRegistryStore, openRedisTrackingStore, deleteRedisPrefix } from '@orrery/plugin-redis';
import { getTestService, mlflowSample, MLFLOW_2_12_HEAD_REVISION, redisNamespaceUrl, uniqueNamespace } from '@orrery/testkit';
import { expectImported, makeMlflowPostgres, makeMlflowSqlite, makeMlruns } from './mlflow-store-fixtures.js';

let dir: string;

async function openSqlite(file: string) {
  const uri = `sqlite:///${file}`;
  const defaultArtifactRoot = pathToFileURL(path.join(dir, 'orrery-artifacts')).href;
  return { tracking: await openSqliteTrackingStore(uri, { defaultArtifactRoot }), registry: await openSqliteModelRegistryStore(uri) };
}

beforeAll(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-import-')));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('orrery import from an MLflow SQLite database', () => {
  const sample = mlflowSample();
  let from: string;
  let target: string;

  beforeAll(async () => {
    from = await makeMlflowSqlite(path.join(dir, 'sqlite-src', 'mlflow.db'), sample);
    target = path.join(dir, 'sqlite-target', 'orrery.db');
  });

  it('copies every experiment, run, metric point, dataset input, model, version, tag and alias with their ids', async () => {
    const result = await ok(['import', '--from', from, '--to', `sqlite:///${target}`, '--quiet']);
    expect(result.stdout).toContain('experiments 2 new, 0 already there, Default merged; runs 4 new, 0 already there; 10 metric points; registered models 2 new');
    expect(result.stdout).toContain('Count check passed');
    const { tracking, registry } = await openSqlite(target);
    try {
      await expectImported(sample, tracking, registry);
    } finally {
      await tracking.close();
      await registry.close();
    }
  });

  it('lists imported artifact locations outside the trusted roots with the option that trusts them', async () => {
    const result = await ok(['import', '--from', from, '--to', `sqlite:///${target}`, '--quiet', '--allowed-artifact-root', 's3://team-bucket/mlflow']);
    expect(result.stdout).toContain('outside the server\'s trusted roots');
    expect(result.stdout).toContain('  file:///srv/mlruns/7');
    expect(result.stdout).not.toContain('  s3://team-bucket/mlflow/1');
    expect(result.stdout).toContain('--allowed-artifact-root file:///srv/mlruns/7');
  });

  it('is idempotent, and resumes: a run missing from the target is the only one written again', async () => {
    const again = await ok(['import', '--from', from, '--to', `sqlite:///${target}`, '--quiet']);
    expect(again.stdout).toContain('experiments 0 new, 2 already there, Default merged; runs 0 new, 4 already there');
    const { tracking } = await openSqlite(target);
    await trackingRestoreOf(tracking)!.purgeRun(sample.runs[0]!.runId);
    await tracking.close();
    const resumed = await ok(['import', '--from', from, '--to', `sqlite:///${target}`]);
    expect(resumed.stdout).toContain('runs 1 new, 3 already there');
    expect(resumed.stderr).toContain('Importing MLflow SQLite database (schema revision f5a4f2784254): 3 experiments, 4 runs, 10 metric points, 2 registered models (2 versions)');
    const reopened = await openSqlite(target);
    try {
      await expectImported(sample, reopened.tracking, reopened.registry);
    } finally {
      await reopened.tracking.close();
      await reopened.registry.close();
    }
  });

  it('refuses ids taken by other experiments unless --remap-ids, which prints the mapping', async () => {
    const busy = path.join(dir, 'busy', 'orrery.db');
    const { tracking, registry } = await openSqlite(busy);
    await tracking.createExperiment({ name: 'someone-elses' });
    await tracking.close();
    await registry.close();
    const refused = await orrery(['import', '--from', from, '--to', `sqlite:///${busy}`, '--quiet']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^orrery: .*id 1 \('fraud'\) is taken by experiment 'someone-elses'.*--remap-ids/);
    const remapped = await ok(['import', '--from', from, '--to', `sqlite:///${busy}`, '--quiet', '--remap-ids']);
    expect(remapped.stdout).toContain('Experiment ids changed (MLflow id -> Orrery id):\n  1 -> 2\n');
    const reopened = await openSqlite(busy);
    try {
      await expectImported(sample, reopened.tracking, reopened.registry, { '1': '2' });
      expect((await reopened.tracking.getExperiment('1')).name).toBe('someone-elses');
    } finally {
      await reopened.tracking.close();
      await reopened.registry.close();
    }
    const rerun = await ok(['import', '--from', from, '--to', `sqlite:///${busy}`, '--quiet', '--remap-ids']);
    expect(rerun.stdout).toContain('runs 0 new, 4 already there');
  });

  it('refuses an unknown schema revision by name, and an MLflow database opened as a store names orrery import', async () => {
    const future = await makeMlflowSqlite(path.join(dir, 'future', 'mlflow.db'), mlflowSample(), '1b5f0d9ad7c1');
    const refused = await orrery(['import', '--from', future, '--to', `sqlite:///${path.join(dir, 'future', 'orrery.db')}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^orrery: The MLflow database is at schema revision '1b5f0d9ad7c1', which this Orrery release does not know/);
    const opened = await orrery(['experiments', 'list', '--tracking-uri', from]);
    expect(opened.code).not.toBe(0);
    expect(opened.stderr).toMatch(/created by MLflow \(schema revision f5a4f2784254\).*orrery import --from/);
    const mlruns = await orrery(['experiments', 'list', '--tracking-uri', 'mlruns']);
    expect(mlruns.stderr).toMatch(/MLflow's file store.*orrery import --from/);
  });
});

describe('orrery import from an MLflow PostgreSQL database (2.12.2 schema) into PostgreSQL', () => {
  const sample = mlflowSample();
  let source: { uri: string; drop: () => Promise<void> };
  let serverUrl: string;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const service = await getTestService('postgres');
    stop = service.stop;
    serverUrl = service.url;
    source = await makeMlflowPostgres(serverUrl, sample, MLFLOW_2_12_HEAD_REVISION);
  });
  afterAll(async () => {
    await source?.drop();
    await stop?.();
  });

  it('compares every field after the import', async () => {
    const target = `${serverUrl}${serverUrl.includes('?') ? '&' : '?'}schema=${uniqueNamespace('orrery_import')}`;
    const result = await ok(['import', '--from', source.uri, '--to', target, '--quiet']);
    expect(result.stdout).toContain('runs 4 new');
    const tracking = await openPostgresTrackingStore(target, { defaultArtifactRoot: 'file:///tmp/unused' });
    const registry = await openPostgresModelRegistryStore(target);
    try {
      await expectImported(sample, tracking, registry);
      // The identity moved past the imported ids: a new experiment gets a free one.
      expect(Number(await tracking.createExperiment({ name: 'after-import' }))).toBeGreaterThan(7);
    } finally {
      await tracking.close();
      await registry.close();
    }
    // Opening the MLflow database as an Orrery store is refused, naming the command that converts it.
    await expect(openPostgresTrackingStore(source.uri, { defaultArtifactRoot: 'file:///tmp/unused' })).rejects.toThrow(
      /created by MLflow \(schema revision acf3f17fdcc7\).*orrery import --from/,
    );
  });
});

describe('orrery import from an mlruns/ file store', () => {
  it('compares every field after an import into Redis', async () => {
    const service = await getTestService('redis');
    const root = makeMlruns(path.join(dir, 'redis-src', 'mlruns'), sample);
    const { url } = redisNamespaceUrl(service.url, 'import');
    try {
      await ok(['import', '--from', root, '--to', url, '--quiet']);
      const tracking = await openRedisTrackingStore(url, { defaultArtifactRoot: 'file:///tmp/unused' });
      const registry = await openRedisModelRegistryStore(url);
      try {
        await expectImported(sample, tracking, registry);
      } finally {
        await tracking.close();
        await registry.close();
      }
    } finally {
      await deleteRedisPrefix(url);
      await service.stop();
    }
  });

  const local = () => pathToFileURL(path.join(dir, 'file-src', 'artifacts')).href;
  let sample: ReturnType<typeof mlflowSample>;
  beforeAll(() => {
    sample = mlflowSample(`${local()}/0`);
  });

  it('compares every field after the import, and copies artifacts with --copy-artifacts', async () => {
    const root = path.join(dir, 'file-src', 'mlruns');
    makeMlruns(root, sample);
    const target = path.join(dir, 'file-target', 'orrery.db');
    await ok(['import', '--from', root, '--to', `sqlite:///${target}`, '--quiet']);
    const { tracking, registry } = await openSqlite(target);
    try {
      await expectImported(sample, tracking, registry);
    } finally {
      await tracking.close();
      await registry.close();
    }

    // The run in the Default experiment has local artifacts; the others live on s3: (no plugin here).
    const runD = sample.runs[3]!;
    const artifactDir = fileURLToPath(runD.artifactUri);
    mkdirSync(path.join(artifactDir, 'model'), { recursive: true });
    writeFileSync(path.join(artifactDir, 'model', 'MLmodel'), 'flavors: {}\n');
    const copyTarget = path.join(dir, 'copy-target', 'orrery.db');
    const copyRoot = pathToFileURL(path.join(dir, 'copied')).href;
    const copied = await ok(['import', '--from', pathToFileURL(root).href, '--to', `sqlite:///${copyTarget}`, '--copy-artifacts', copyRoot]);
    expect(copied.stderr).toContain(`warning: run ${sample.runs[0]!.runId}: no artifact repository serves s3://team-bucket/mlflow/1/${sample.runs[0]!.runId}/artifacts; its artifact URI is kept`);
    const reopened = await openSqlite(copyTarget);
    try {
      const run = await reopened.tracking.getRun(runD.runId);
      expect(run.info.artifactUri).toBe(`${copyRoot}/0/${runD.runId}/artifacts`);
      expect(readFileSync(path.join(fileURLToPath(run.info.artifactUri), 'model', 'MLmodel'), 'utf8')).toBe('flavors: {}\n');
      expect((await reopened.tracking.getRun(sample.runs[0]!.runId)).info.artifactUri).toBe(sample.runs[0]!.artifactUri);
    } finally {
      await reopened.tracking.close();
      await reopened.registry.close();
    }
    expect(existsSync(path.join(artifactDir, 'model', 'MLmodel'))).toBe(true);
  });
});
