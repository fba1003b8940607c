import type { MigrationResult } from '@orrery/core';
import type { Migration, VersionTable } from '../migrations.js';
import { currentSchemaVersion, migrate } from '../migrations.js';
import type { SqlExecutor } from '../sql-executor.js';
import type { SqlDialect } from '../sql-dialect.js';

/**
 * The auth store's own schema: its tables start with `auth_` and its versions are recorded in
 * their own table, so it can live in a database of its own (the usual `database_uri`) or beside
 * the tracking tables in the same one, and each schema upgrades without the other.
 */
export const AUTH_VERSION_TABLE: VersionTable = 'orrery_auth_schema_version';

/**
 * Migration 1. Permission rows are keyed `(user_id, resource)`: that key is the "one row per user
 * and resource" rule and also serves the per-user listings. Rows reference their user without
 * ON DELETE CASCADE: `deleteUser` removes them itself in its transaction, and a forgotten one
 * makes the delete fail rather than leave rows behind.
 */
function authSchema(d: SqlDialect): string[] {
  // Names compare and sort by code point on both dialects (SQLite's default BINARY; PostgreSQL's "C").
  const c = d.ddl.byteOrder;
  return [
    `CREATE TABLE auth_users (
      id ${d.ddl.neverReusedId},
      username TEXT${c} NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      is_admin INTEGER NOT NULL DEFAULT 0
    )`,
    `CREATE TABLE auth_experiment_permissions (
      user_id BIGINT NOT NULL REFERENCES auth_users (id),
      experiment_id TEXT${c} NOT NULL,
      permission VARCHAR(32) NOT NULL,
      PRIMARY KEY (user_id, experiment_id)
    )`,
    `CREATE TABLE auth_registered_model_permissions (
      user_id BIGINT NOT NULL REFERENCES auth_users (id),
      name TEXT${c} NOT NULL,
      permission VARCHAR(32) NOT NULL,
      PRIMARY KEY (user_id, name)
    )`,
    // Renames and deletes of a registered model touch every user's rows of one name.
    `CREATE INDEX auth_registered_model_permissions_name ON auth_registered_model_permissions (name)`,
    `CREATE TABLE auth_api_tokens (
      id TEXT${c} NOT NULL PRIMARY KEY,
      user_id BIGINT NOT NULL REFERENCES auth_users (id),
      name TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT,
      revoked_at BIGINT
    )`,
    `CREATE INDEX auth_api_tokens_user ON auth_api_tokens (user_id, created_at)`,
    // One row per failed login; rows older than the caller's window are trimmed as the key fails again.
    `CREATE TABLE auth_login_failures (
      key TEXT${c} NOT NULL,
      failed_at BIGINT NOT NULL
    )`,
    `CREATE INDEX auth_login_failures_key_time ON auth_login_failures (key, failed_at)`,
    `CREATE TABLE auth_audit_log (
      seq ${d.ddl.neverReusedId},
      timestamp BIGINT NOT NULL,
      username TEXT${c},
      action TEXT NOT NULL,
      resource TEXT,
      status INTEGER NOT NULL,
      remote_address TEXT
    )`,
    `CREATE INDEX auth_audit_log_username ON auth_audit_log (username, seq)`,
  ];
}

/** Every auth migration, in order. Append only; never edit one that has shipped. */
export const AUTH_MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'auth schema', statements: authSchema }];

/** The auth schema version this code expects. */
export const LATEST_AUTH_SCHEMA_VERSION = AUTH_MIGRATIONS[AUTH_MIGRATIONS.length - 1]?.version ?? 0;

/** Brings the auth schema up to date (one transaction; see `migrate`). */
export function migrateAuthSchema(executor: SqlExecutor): Promise<MigrationResult> {
  return migrate(executor, AUTH_MIGRATIONS, AUTH_VERSION_TABLE);
}

/** The applied auth schema version (0 when none is). */
export function currentAuthSchemaVersion(executor: SqlExecutor): Promise<number> {
  return currentSchemaVersion(executor, AUTH_VERSION_TABLE);
}
