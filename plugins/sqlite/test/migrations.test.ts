import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, currentSchemaVersion, migrate, sql } from '@orrery/sql';
import { openSqliteExecutor, openSqliteTrackingStore, sqliteTrackingStorePlugin as sqlitePlugin } from '@orrery/plugin-sqlite';
import { ARTIFACT_ROOT, tempDir } from './store-helpers.js';

describe('migrations', () => {
  it('creates every table on a fresh database and records the version', async () => {
    const dir = tempDir();
    const executor = openSqliteExecutor(`sqlite:///${path.join(dir, 'm.db')}`);
    const result = await migrate(executor);
    expect(result.fromVersion).toBe(0);
    expect(result.toVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(result.applied).toHaveLength(MIGRATIONS.length);
    const tables = (await executor.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)).map(
      (t) => t.name,
    );
    expect(tables).toEqual(
      expect.arrayContaining([
        'experiments', 'experiment_tags', 'runs', 'params', 'tags', 'metrics', 'latest_metrics',
        'datasets', 'inputs', 'input_tags', 'schema_migrations',
      ]),
    );
    const recorded = await executor.all<{ version: number; name: string }>(sql`SELECT version, name FROM schema_migrations ORDER BY version`);
    expect(recorded.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await currentSchemaVersion(executor)).toBe(LATEST_SCHEMA_VERSION);
    await executor.close();
  });

  it('is idempotent: migrating again, or re-opening the store, applies nothing and keeps the data', async () => {
    const dir = tempDir();
    const uri = `sqlite:///${path.join(dir, 'm.db')}`;
    const first = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    const experimentId = await first.createExperiment({ name: 'kept' });
    await first.close();

    const again = await sqlitePlugin.migrate!({ uri, logger: silentLogger });
    expect(again).toEqual({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION, applied: [] });

    const reopened = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    expect((await reopened.getExperiment(experimentId)).name).toBe('kept');
    const defaults = await reopened.searchExperiments({ filter: "name = 'Default'" });
    expect(defaults.items).toHaveLength(1);
    await reopened.close();
  });

  it('refuses a database whose schema is newer than the code', async () => {
    const dir = tempDir();
    const executor = openSqliteExecutor(`sqlite:///${path.join(dir, 'm.db')}`);
    await migrate(executor);
    await executor.run(sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', 0)`);
    await expect(migrate(executor)).rejects.toThrow(/newer than this Orrery release/);
    await executor.close();
  });

  // Versions 1 and 8 bracket every change SQLite has seen (the tables; the history view); each
  // upgrade must keep the data and end with migration 9's run-name indexes in use.
  for (const from of [1, 8]) {
    it(`upgrades a database at schema version ${from} to ${LATEST_SCHEMA_VERSION}, keeping its runs and searching names by index`, async () => {
      const dir = tempDir();
      const uri = `sqlite:///${path.join(dir, 'm.db')}`;
      const old = openSqliteExecutor(uri);
      await migrate(old, MIGRATIONS.slice(0, from));
      await old.run(sql`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
                        VALUES (7, 'old', 'file:///a/7', 'active', 1, 1)`);
      for (const [id, name, start] of [['a'.repeat(32), 'old-run-1', 10], ['b'.repeat(32), 'old-run-2', 20], ['c'.repeat(32), 'other', 30]] as const) {
        await old.run(sql`INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, artifact_uri, lifecycle_stage)
                          VALUES (${id}, ${name}, 7, 'u', 'FINISHED', ${start}, 'file:///a/7/r', 'active')`);
      }
      await old.close();

      const result = await sqlitePlugin.migrate!({ uri, logger: silentLogger });
      expect(result).toMatchObject({ fromVersion: from, toVersion: LATEST_SCHEMA_VERSION });
      const store = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
      for (const [filter, names] of [
        ["attributes.run_name LIKE 'old-run%'", ['old-run-2', 'old-run-1']],
        ["attributes.run_name LIKE '%run-1'", ['old-run-1']],
      ] as const) {
        expect((await store.searchRuns({ experimentIds: ['7'], filter })).items.map((r) => r.info.runName)).toEqual(names);
      }
      await store.close();
      const check = openSqliteExecutor(uri);
      const indexes = (await check.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'`)).map((i) => i.name);
      expect(indexes).toEqual(expect.arrayContaining(['runs_experiment_stage_name', 'runs_experiment_stage_start_name']));
      expect(indexes).not.toContain('runs_experiment_stage_start');
      const plan = await check.all<{ detail: string }>(
        sql`EXPLAIN QUERY PLAN SELECT run_uuid FROM runs WHERE experiment_id = 7 AND lifecycle_stage = 'active' AND name GLOB 'old-run*'`,
      );
      expect(plan.map((p) => p.detail).join('\n')).toContain('runs_experiment_stage_name');
      await check.close();
    });
  }

  it('is exposed through the plugin definition for the sqlite scheme', () => {
    expect(sqlitePlugin.kind).toBe('trackingStore');
    expect(sqlitePlugin.schemes).toEqual(['sqlite']);
  });
});

const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
