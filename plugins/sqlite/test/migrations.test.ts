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
