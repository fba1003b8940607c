import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { discoverPlugins } from '@orrery/core';
import { MIGRATIONS, migrate, sql } from '@orrery/sql';
import {
  openSqliteExecutor,
  openSqliteModelRegistryStore,
  openSqliteTrackingStore,
  sqliteModelRegistryStorePlugin,
} from '@orrery/plugin-sqlite';
import { ARTIFACT_ROOT, tempDir } from './store-helpers.js';

const run = promisify(execFile);
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distIndex = path.join(packageRoot, 'dist', 'index.js');
const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silentLogger };

describe('SQLite model registry', () => {
  it('shares one database file with the tracking store when both get the same URI', async () => {
    const uri = `sqlite:///${path.join(tempDir(), 'shared.db')}`;
    const tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    const registry = await openSqliteModelRegistryStore(uri);
    const runInfo = (await tracking.createRun({ experimentId: '0' })).info;
    await registry.createRegisteredModel('shared');
    const v = await registry.createModelVersion({ name: 'shared', source: `${runInfo.artifactUri}/model`, runId: runInfo.runId });
    await tracking.logParam(runInfo.runId, { key: 'alpha', value: '0.5' });
    await tracking.close();
    await registry.close();

    const executor = openSqliteExecutor(uri);
    const tables = (await executor.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['runs', 'registered_models', 'model_versions', 'registered_model_aliases']));
    await executor.close();

    const reopened = await openSqliteModelRegistryStore(uri);
    expect((await reopened.getModelVersion('shared', v.version)).runId).toBe(runInfo.runId);
    await reopened.close();
  });

  it('upgrades a tracking-only database (schema version 1) in place, keeping its data', async () => {
    const uri = `sqlite:///${path.join(tempDir(), 'old.db')}`;
    const executor = openSqliteExecutor(uri);
    await migrate(executor, MIGRATIONS.slice(0, 1));
    await executor.run(
      sql`INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES ('kept', 'file:///x', 'active', 1, 1)`,
    );
    await executor.close();

    const registry = await openSqliteModelRegistryStore(uri);
    await registry.createRegisteredModel('new');
    expect((await registry.createModelVersion({ name: 'new', source: 's3://x' })).version).toBe('1');
    await registry.close();
    const tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    expect((await tracking.getExperimentByName('kept'))?.name).toBe('kept');
    await tracking.close();
  });

  it('numbers versions without gaps or repeats when two processes and this one create at once', async () => {
    expect(existsSync(distIndex), 'build plugins/sqlite first').toBe(true);
    const uri = `sqlite:///${path.join(tempDir(), 'procs.db')}`;
    const store = await openSqliteModelRegistryStore(uri);
    await store.createRegisteredModel('contended');
    const PER_WRITER = 25;
    const child = (writer: number) =>
      run(process.execPath, [
        '--input-type=module',
        '-e',
        `const { openSqliteModelRegistryStore } = await import(${JSON.stringify(pathToFileURL(distIndex).href)});
         const store = await openSqliteModelRegistryStore(${JSON.stringify(uri)});
         for (let i = 0; i < ${PER_WRITER}; i++) await store.createModelVersion({ name: 'contended', source: 'proc-${writer}-' + i });
         await store.close();`,
      ]);
    const own = async () => {
      for (let i = 0; i < PER_WRITER; i++) await store.createModelVersion({ name: 'contended', source: `own-${i}` });
    };
    await Promise.all([child(1), child(2), own()]);
    const versions = (await store.searchModelVersions({ filter: "name = 'contended'", orderBy: ['version_number ASC'] })).items;
    expect(versions.map((v) => Number(v.version))).toEqual(Array.from({ length: 3 * PER_WRITER }, (_, i) => i + 1));
    expect(new Set(versions.map((v) => v.source)).size).toBe(3 * PER_WRITER);
    await store.close();
  });

  it('is found through the package.json "orrery" field and opens from dist', async () => {
    expect(existsSync(path.join(packageRoot, 'dist', 'sqlite-registry-plugin.js')), 'build plugins/sqlite first').toBe(true);
    const registry = await discoverPlugins({
      cwd: tempDir(),
      builtinPackages: { from: path.join(packageRoot, 'package.json'), names: ['@orrery/plugin-sqlite'] },
      env: {},
      logger: silentLogger,
    });
    const entry = registry.findPlugin('modelRegistryStore', 'sqlite');
    expect(entry?.packageName).toBe('@orrery/plugin-sqlite');
    expect(entry?.modulePath).toMatch(/dist[/\\]sqlite-registry-plugin\.js$/);
    const store = await registry.openModelRegistryStore(`sqlite:///${path.join(tempDir(), 'found.db')}`);
    expect((await store.createRegisteredModel('found')).name).toBe('found');
    await store.close();
    expect(sqliteModelRegistryStorePlugin.kind).toBe('modelRegistryStore');
    expect(sqliteModelRegistryStorePlugin.schemes).toEqual(['sqlite']);
  });
});
