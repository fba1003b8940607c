import { describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, sql } from '@orrery/sql';
import { createFreshPostgresDatabase, getTestService } from '@orrery/testkit';
import {
  PostgresExecutor,
  openPostgresModelRegistryStore,
  openPostgresTrackingStore,
  parsePostgresUri,
  postgresTrackingStorePlugin,
  postgresModelRegistryStorePlugin,
} from '@orrery/plugin-postgres';
import { pgAdmin, queryRows, silentLogger, useTestDatabase } from './postgres-test-helpers.js';

const db = useTestDatabase();
const ARTIFACTS = 'file:///tmp/orrery-pg-migrations';

function executorFor(uri: string): PostgresExecutor {
  return new PostgresExecutor(parsePostgresUri(uri).poolConfig);
}

/** Writes data that every schema version from 1 on can hold, straight into the tables. */
async function seedAtVersion(executor: PostgresExecutor, version: number): Promise<void> {
  if (version >= 1) {
    await executor.run(sql`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
                           VALUES (0, 'Default', 'file:///a/0', 'active', 1, 1), (7, 'old-exp', 'file:///a/7', 'active', 2, 2)`);
    await executor.run(sql`INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
                           VALUES ('0123456789abcdef0123456789abcdef', 'old-run', 7, 'ada', 'FINISHED', 10, 20, 'file:///a/7/r', 'active')`);
    await executor.run(sql`INSERT INTO params (run_uuid, key, value) VALUES ('0123456789abcdef0123456789abcdef', 'lr', 'B'), ('0123456789abcdef0123456789abcdef', 'opt', 'a')`);
    await executor.run(sql`INSERT INTO tags (run_uuid, key, value) VALUES ('0123456789abcdef0123456789abcdef', 'mlflow.runName', 'old-run')`);
    await executor.run(sql`INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES ('0123456789abcdef0123456789abcdef', 'loss', 0.5, 11, 1, 0)`);
    await executor.run(sql`INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES ('0123456789abcdef0123456789abcdef', 'loss', 0.5, 11, 1, 0)`);
  }
  if (version >= 2) {
    await executor.run(sql`INSERT INTO registered_models (name, creation_time, last_updated_time, last_version) VALUES ('old-model', 1, 1, 1)`);
    await executor.run(sql`INSERT INTO model_versions (name, version, creation_time, last_updated_time, source, storage_location)
                           VALUES ('old-model', 1, 1, 1, 's3://b/m', 's3://b/m')`);
  }
}

describe('PostgreSQL migrations', () => {
  it('create the whole schema in an empty database through `orrery db upgrade` (the plugin definition)', async () => {
    const service = await getTestService('postgres');
    const empty = await createFreshPostgresDatabase(service.url, pgAdmin, 'orrery_empty');
    try {
      const result = await postgresTrackingStorePlugin.migrate!({ uri: empty.url, logger: silentLogger });
      expect(result).toEqual({ fromVersion: 0, toVersion: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => `${m.version}: ${m.name}`) });
      const tables = await queryRows<{ table_name: string }>(
        empty.url,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['experiments', 'runs', 'params', 'tags', 'metrics', 'latest_metrics', 'registered_models', 'model_versions', 'schema_migrations']),
      );
      // Again: nothing to do, through either definition.
      expect(await postgresModelRegistryStorePlugin.migrate!({ uri: empty.url, logger: silentLogger })).toEqual({
        fromVersion: LATEST_SCHEMA_VERSION,
        toVersion: LATEST_SCHEMA_VERSION,
        applied: [],
      });
    } finally {
      await empty.drop();
    }
  });

  for (let from = 0; from < LATEST_SCHEMA_VERSION; from++) {
    it(`upgrade a database at schema version ${from} to ${LATEST_SCHEMA_VERSION}, keeping its data`, async () => {
      const uri = db.freshSchemaUri();
      const old = executorFor(uri);
      await pgAdmin.execute(db.url, `CREATE SCHEMA ${parsePostgresUri(uri).settings.schema}`);
      await migrate(old, MIGRATIONS.slice(0, from));
      await seedAtVersion(old, from);
      await old.close();

      const result = await postgresTrackingStorePlugin.migrate!({ uri, logger: silentLogger });
      expect(result.fromVersion).toBe(from);
      expect(result.toVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(result.applied).toEqual(MIGRATIONS.filter((m) => m.version > from).map((m) => `${m.version}: ${m.name}`));

      const store = await openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS });
      try {
        if (from >= 1) {
          const page = await store.searchRuns({ experimentIds: ['7'], filter: "params.lr = 'B'", orderBy: ['params.opt DESC'] });
          expect(page.items.map((r) => r.info.runName)).toEqual(['old-run']);
          expect(page.items[0]!.data.metrics).toEqual([{ key: 'loss', value: 0.5, timestamp: 11, step: 1 }]);
        }
        // The upgraded schema takes new writes.
        const id = await store.createExperiment({ name: `after-${from}` });
        const run = await store.createRun({ experimentId: id });
        await store.logBatch(run.info.runId, { params: [{ key: 'p', value: 'v' }], metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
      } finally {
        await store.close();
      }
      const registry = await openPostgresModelRegistryStore(uri);
      try {
        if (from >= 2) expect((await registry.getModelVersion('old-model', '1')).source).toBe('s3://b/m');
        await registry.createRegisteredModel(`model-${from}`);
        expect((await registry.createModelVersion({ name: `model-${from}`, source: 's3://x' })).version).toBe('1');
      } finally {
        await registry.close();
      }
    });
  }

  it('do not race when several servers start at once: one applies, the others wait and find nothing to do', async () => {
    const uri = db.freshSchemaUri();
    const results = await Promise.all(Array.from({ length: 6 }, () => postgresTrackingStorePlugin.migrate!({ uri, logger: silentLogger })));
    const appliers = results.filter((r) => r.applied.length > 0);
    expect(appliers).toHaveLength(1);
    expect(appliers[0]!.applied).toHaveLength(MIGRATIONS.length);
    expect(results.filter((r) => r.applied.length === 0 && r.fromVersion === LATEST_SCHEMA_VERSION)).toHaveLength(5);
    // Stores opening together (each migrates at start) agree too.
    const other = db.freshSchemaUri();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresTrackingStore(other, { defaultArtifactRoot: ARTIFACTS })));
    const recorded = await queryRows<{ version: number }>(db.url, `SELECT version FROM ${parsePostgresUri(other).settings.schema}.schema_migrations ORDER BY version`);
    expect(recorded.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('with migrate=false, refuse to open an outdated schema and name the command that fixes it', async () => {
    const uri = db.freshSchemaUri('migrate=false');
    const error = await openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS }).catch((e: unknown) => e);
    expect(isOrreryError(error) && error.code).toBe('INVALID_STATE');
    expect((error as Error).message).toMatch(/version 0, older than this release needs.*orrery db upgrade postgres(ql)?:\/\//);
    await postgresTrackingStorePlugin.migrate!({ uri, logger: silentLogger });
    const store = await openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS });
    expect((await store.getExperiment('0')).name).toBe('Default');
    await store.close();
  });

  it('refuse a schema newer than the code', async () => {
    const uri = db.freshSchemaUri();
    await postgresTrackingStorePlugin.migrate!({ uri, logger: silentLogger });
    const schema = parsePostgresUri(uri).settings.schema!;
    await pgAdmin.execute(db.url, `INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', 0)`);
    await expect(openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS })).rejects.toThrow(/newer than this Orrery release/);
    await expect(openPostgresTrackingStore(`${uri}&migrate=false`, { defaultArtifactRoot: ARTIFACTS })).rejects.toThrow(/newer than this Orrery release/);
  });

  it('give compared and sorted tracking strings byte-order ("C") collation, as SQLite compares them', async () => {
    const uri = db.freshSchemaUri();
    await postgresTrackingStorePlugin.migrate!({ uri, logger: silentLogger });
    const schema = parsePostgresUri(uri).settings.schema!;
    const columns = await queryRows<{ table_name: string; column_name: string; collation_name: string | null }>(
      db.url,
      `SELECT table_name, column_name, collation_name FROM information_schema.columns
       WHERE table_schema = $1 AND ((table_name IN ('params', 'tags') AND column_name IN ('key', 'value'))
          OR (table_name = 'runs' AND column_name IN ('name', 'user_id', 'status')) OR (table_name = 'experiments' AND column_name = 'name')
          OR (table_name = 'registered_models' AND column_name = 'name'))`,
      [schema],
    );
    expect(columns).toHaveLength(9);
    for (const column of columns) expect(column).toMatchObject({ collation_name: 'C' });
  });
});
