import { errors, type MigrationResult } from '@orrery/core';
import type { SqlExecutor } from './sql-executor.js';
import type { SqlDialect } from './sql-dialect.js';
import { byDialect, sql, trustedSql } from './sql-fragment.js';

/**
 * One schema for every SQL backend, changed only by versioned, forward-only migrations. Each
 * migration lists its DDL per dialect where the dialects differ (auto-increment keys, types);
 * the tables, columns and indexes are the same, so one query layer serves both.
 *
 * Column notes:
 * - `experiments.experiment_id` is an integer; the API renders it as a string.
 * - Metric values are IEEE doubles. ±Infinity is stored as is (SQLite REAL and PostgreSQL
 *   `double precision` both hold infinities). NaN is stored as value 0 with `is_nan = 1`,
 *   because SQLite turns a bound NaN into NULL.
 * - `runs.deleted_with_experiment` marks runs that `deleteExperiment` deleted, so that
 *   `restoreExperiment` restores exactly those.
 * - Booleans are 0/1 integers on both dialects so queries compare them the same way.
 */
export interface Migration {
  version: number;
  name: string;
  statements: (dialect: SqlDialect) => readonly string[];
}

/** Every migration, in order. Append only; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tracking schema',
    statements: (d) => [
      `CREATE TABLE experiments (
        experiment_id ${d.ddl.autoId},
        name VARCHAR(500) NOT NULL UNIQUE,
        artifact_location TEXT NOT NULL,
        lifecycle_stage VARCHAR(32) NOT NULL DEFAULT 'active',
        creation_time BIGINT NOT NULL,
        last_update_time BIGINT NOT NULL
      )`,
      `CREATE TABLE experiment_tags (
        experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id),
        key VARCHAR(250) NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (experiment_id, key)
      )${d.ddl.clustered}`,
      `CREATE TABLE runs (
        run_uuid VARCHAR(32) NOT NULL PRIMARY KEY,
        name VARCHAR(250) NOT NULL,
        experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id),
        user_id VARCHAR(256) NOT NULL,
        status VARCHAR(20) NOT NULL,
        start_time BIGINT NOT NULL,
        end_time BIGINT,
        artifact_uri TEXT NOT NULL,
        lifecycle_stage VARCHAR(20) NOT NULL DEFAULT 'active',
        deleted_time BIGINT,
        deleted_with_experiment INTEGER NOT NULL DEFAULT 0
      )${d.ddl.clustered}`,
      `CREATE INDEX runs_experiment_stage_start ON runs (experiment_id, lifecycle_stage, start_time)`,
      `CREATE TABLE params (
        run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid),
        key VARCHAR(250) NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_uuid, key)
      )${d.ddl.clustered}`,
      `CREATE INDEX params_key_value ON params (key, value, run_uuid)`,
      `CREATE TABLE tags (
        run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid),
        key VARCHAR(250) NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_uuid, key)
      )${d.ddl.clustered}`,
      `CREATE INDEX tags_key_value ON tags (key, value, run_uuid)`,
      // Full history; the surrogate id keeps repeated identical observations apart and gives
      // history paging a unique tiebreak. No foreign key here: this is the bulk-write path, a
      // per-row lookup in runs would cost a third of its speed, and every write checks the run
      // inside the same transaction anyway (runs are never removed). The index stays narrow for
      // the same reason; history reads sort the few rows that share a step.
      `CREATE TABLE metrics (
        id ${d.ddl.autoId},
        run_uuid VARCHAR(32)${d.ddl.hotNotNull},
        key VARCHAR(250)${d.ddl.hotNotNull},
        value ${d.ddl.double}${d.ddl.hotNotNull},
        timestamp BIGINT${d.ddl.hotNotNull},
        step BIGINT${d.ddl.hotNotNull},
        is_nan INTEGER${d.ddl.hotNotNull} DEFAULT 0
      )`,
      `CREATE INDEX metrics_run_key_step ON metrics (run_uuid, key, step)`,
      `CREATE TABLE latest_metrics (
        run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid),
        key VARCHAR(250) NOT NULL,
        value ${d.ddl.double} NOT NULL,
        timestamp BIGINT NOT NULL,
        step BIGINT NOT NULL,
        is_nan INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_uuid, key)
      )${d.ddl.clustered}`,
      `CREATE INDEX latest_metrics_key_value ON latest_metrics (key, value, run_uuid)`,
      `CREATE TABLE datasets (
        dataset_uuid VARCHAR(36) NOT NULL PRIMARY KEY,
        experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id),
        name VARCHAR(500) NOT NULL,
        digest VARCHAR(36) NOT NULL,
        dataset_source_type VARCHAR(36) NOT NULL,
        dataset_source TEXT NOT NULL,
        dataset_schema TEXT,
        dataset_profile TEXT,
        UNIQUE (experiment_id, name, digest)
      )`,
      `CREATE TABLE inputs (
        input_uuid VARCHAR(36) NOT NULL PRIMARY KEY,
        source_type VARCHAR(36) NOT NULL,
        source_id VARCHAR(36) NOT NULL,
        destination_type VARCHAR(36) NOT NULL,
        destination_id VARCHAR(36) NOT NULL,
        UNIQUE (source_type, source_id, destination_type, destination_id)
      )`,
      `CREATE INDEX inputs_destination ON inputs (destination_type, destination_id)`,
      `CREATE TABLE input_tags (
        input_uuid VARCHAR(36) NOT NULL REFERENCES inputs (input_uuid),
        name VARCHAR(255) NOT NULL,
        value VARCHAR(500) NOT NULL,
        PRIMARY KEY (input_uuid, name)
      )${d.ddl.clustered}`,
    ],
  },
  {
    version: 2,
    name: 'model registry',
    statements: registrySchema,
  },
  {
    version: 3,
    name: 'byte-order collation for tracking strings',
    statements: (d) => d.trackingSchemaChanges(3),
  },
  {
    version: 4,
    name: 'key/value statistics for search estimates',
    statements: (d) => d.trackingSchemaChanges(4),
  },
  {
    version: 5,
    name: 'metrics history without a primary-key index',
    statements: (d) => d.trackingSchemaChanges(5),
  },
  {
    version: 6,
    name: 'metrics history indexed by series hash and step',
    statements: (d) => d.trackingSchemaChanges(6),
  },
  {
    version: 7,
    name: 'metrics history ids handed out 1000 at a time',
    statements: (d) => d.trackingSchemaChanges(7),
  },
  {
    version: 8,
    name: 'metrics history in per-series chunks',
    statements: (d) => d.trackingSchemaChanges(8),
  },
  {
    version: 9,
    name: 'run names indexed for LIKE searches',
    // A run-name LIKE with a fixed prefix ('run-12%') reads the matching range of names in the
    // experiment instead of every run (bench/search.mjs: 100k runs). Dialects may change more.
    statements: (d) => [`CREATE INDEX runs_experiment_stage_name ON runs (experiment_id, lifecycle_stage, name)`, ...d.trackingSchemaChanges(9)],
  },
];

/**
 * The model registry (migration 2). Registered models are keyed by name; versions, tags and
 * aliases reference it with `ON UPDATE CASCADE ON DELETE CASCADE`, so a rename is one UPDATE of
 * `registered_models.name` that carries everything with it (tags and aliases cascade through
 * `model_versions`), and a delete removes it all.
 *
 * - `registered_models.last_version` is the highest version number ever issued for the model.
 *   `createModelVersion` increments it with `UPDATE ... RETURNING`, which takes the row's write
 *   lock on PostgreSQL and runs under SQLite's write lock, so concurrent creates get consecutive
 *   numbers and deleted numbers are never issued again.
 * - `model_versions.storage_location` is where the files are read from: the source, or the
 *   resolved location when the source is itself a `models:/<name>/<version>` URI.
 * - Aliases reference the version row, so deleting a version deletes its aliases.
 */
function registrySchema(d: SqlDialect): string[] {
  // Names sort and compare by code point on both dialects (SQLite's BINARY is the default; a
  // PostgreSQL database's default collation may be locale-aware), so ordering and paging agree.
  return [
    `CREATE TABLE registered_models (
      name VARCHAR(256)${d.ddl.byteOrder} NOT NULL PRIMARY KEY,
      creation_time BIGINT NOT NULL,
      last_updated_time BIGINT NOT NULL,
      description TEXT,
      user_id VARCHAR(256),
      last_version BIGINT NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX registered_models_last_updated ON registered_models (last_updated_time, name)`,
    `CREATE TABLE registered_model_tags (
      name VARCHAR(256)${d.ddl.byteOrder} NOT NULL REFERENCES registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
      key VARCHAR(250) NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (name, key)
    )${d.ddl.clustered}`,
    `CREATE INDEX registered_model_tags_key_value ON registered_model_tags (key, value, name)`,
    `CREATE TABLE model_versions (
      name VARCHAR(256)${d.ddl.byteOrder} NOT NULL REFERENCES registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
      version BIGINT NOT NULL,
      creation_time BIGINT NOT NULL,
      last_updated_time BIGINT NOT NULL,
      description TEXT,
      user_id VARCHAR(256),
      current_stage VARCHAR(20) NOT NULL DEFAULT 'None',
      source TEXT NOT NULL,
      storage_location TEXT NOT NULL,
      run_id VARCHAR(32),
      run_link TEXT,
      status VARCHAR(20) NOT NULL DEFAULT 'READY',
      status_message TEXT,
      PRIMARY KEY (name, version)
    )`,
    `CREATE INDEX model_versions_stage ON model_versions (name, current_stage, version)`,
    `CREATE INDEX model_versions_run_id ON model_versions (run_id)`,
    `CREATE INDEX model_versions_last_updated ON model_versions (last_updated_time, name, version)`,
    `CREATE TABLE model_version_tags (
      name VARCHAR(256)${d.ddl.byteOrder} NOT NULL,
      version BIGINT NOT NULL,
      key VARCHAR(250) NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (name, version, key),
      FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON UPDATE CASCADE ON DELETE CASCADE
    )${d.ddl.clustered}`,
    `CREATE INDEX model_version_tags_key_value ON model_version_tags (key, value, name, version)`,
    `CREATE TABLE registered_model_aliases (
      name VARCHAR(256)${d.ddl.byteOrder} NOT NULL,
      alias VARCHAR(255) NOT NULL,
      version BIGINT NOT NULL,
      PRIMARY KEY (name, alias),
      FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON UPDATE CASCADE ON DELETE CASCADE
    )${d.ddl.clustered}`,
    `CREATE INDEX registered_model_aliases_version ON registered_model_aliases (name, version)`,
  ];
}

/** The schema version this code expects. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * The table recording which migrations of a set were applied. The tracking schema (tracking and
 * registry tables) uses `schema_migrations`; the auth schema has its own table, so its versions
 * run independently whether it shares the database or not. Names are constants written in code.
 */
export type VersionTable = 'schema_migrations' | 'orrery_auth_schema_version';

/** Reads the applied schema version (0 for an empty database). */
export async function currentSchemaVersion(executor: SqlExecutor, versionTable: VersionTable = 'schema_migrations'): Promise<number> {
  await ensureMigrationsTable(executor, versionTable);
  const row = await executor.get<{ version: number | string | null }>(
    sql`SELECT MAX(version) AS version FROM ${trustedSql(versionTable)}`,
  );
  return Number(row?.version ?? 0);
}

async function ensureMigrationsTable(executor: SqlExecutor, versionTable: VersionTable): Promise<void> {
  await executor.run(
    trustedSql(`CREATE TABLE IF NOT EXISTS ${versionTable} (
      version INTEGER NOT NULL PRIMARY KEY,
      name VARCHAR(200) NOT NULL,
      applied_at BIGINT NOT NULL
    )`),
  );
}

/**
 * Brings the schema up to date. All pending migrations run in one transaction, and the version is
 * re-read inside it, so two processes opening one fresh database apply them once. Refuses a
 * database newer than this code.
 */
export async function migrate(
  executor: SqlExecutor,
  migrations: readonly Migration[] = MIGRATIONS,
  versionTable: VersionTable = 'schema_migrations',
): Promise<MigrationResult> {
  // Checked before anything is created, so an MLflow database is left exactly as it was.
  const mlflow = await mlflowSchemaRevision(executor);
  if (mlflow !== undefined) throw mlflowDatabaseError(mlflow);
  await ensureMigrationsTable(executor, versionTable);
  const table = trustedSql(versionTable);
  return executor.transaction(async (tx) => {
    const row = await tx.get<{ version: number | string | null }>(sql`SELECT MAX(version) AS version FROM ${table}`);
    const fromVersion = Number(row?.version ?? 0);
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (fromVersion > latest) {
      throw errors.invalidState(
        `The database schema${versionTable === 'schema_migrations' ? '' : ` (${versionTable})`} is at version ${fromVersion}, newer than this Orrery release supports (${latest}). Upgrade Orrery.`,
      );
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (migration.version <= fromVersion) continue;
      for (const statement of migration.statements(tx.dialect)) {
        await tx.run(trustedSql(statement));
      }
      await tx.run(
        sql`INSERT INTO ${table} (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`,
      );
      applied.push(`${migration.version}: ${migration.name}`);
    }
    return { fromVersion, toVersion: Math.max(fromVersion, latest), applied };
  });
}

const ALEMBIC_TABLE_EXISTS = byDialect({
  sqlite: sql`SELECT COUNT(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'`,
  postgres: sql`SELECT CASE WHEN to_regclass('alembic_version') IS NULL THEN 0 ELSE 1 END AS found`,
});

/**
 * The alembic revision of a database MLflow created (its `alembic_version` table), or undefined
 * when the database is not MLflow's. An MLflow database with an empty version table reads as ''.
 */
export async function mlflowSchemaRevision(executor: SqlExecutor): Promise<string | undefined> {
  const exists = await executor.get<{ found: number | string }>(ALEMBIC_TABLE_EXISTS);
  if (Number(exists?.found ?? 0) === 0) return undefined;
  const row = await executor.get<{ version_num: string }>(sql`SELECT version_num FROM alembic_version`);
  return row?.version_num ?? '';
}

/** The refusal to open an MLflow database as an Orrery store, naming the command that converts it. */
export function mlflowDatabaseError(revision: string): Error {
  return errors.invalidState(
    `This database was created by MLflow (schema revision ${revision || 'unknown'}); Orrery does not open MLflow's schema in place. ` +
      'Copy it into an Orrery store with: orrery import --from <this database URI> --to <new Orrery store URI>',
  );
}
