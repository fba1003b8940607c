import type { MigrationResult } from '@orrery/core';
import { errors } from '@orrery/core';
import type { Migration, VersionTable } from '@orrery/sql';
import { AUTH_MIGRATIONS, AUTH_VERSION_TABLE, LATEST_AUTH_SCHEMA_VERSION, LATEST_SCHEMA_VERSION, MIGRATIONS, currentSchemaVersion, migrate, sql, trustedSql } from '@orrery/sql';
import type { PostgresExecutor } from './postgres-executor.js';

/**
 * First key of the advisory lock migrations hold ("orry" as an int32); the second key is the hash
 * of the schema, so stores in different schemas of one database do not wait for one another.
 */
export const MIGRATION_LOCK_KEY = 0x6f727279;

/**
 * Applies pending migrations while holding a session-level advisory lock, so servers starting at
 * the same time against one database take turns: the first applies the migrations, the others
 * then find nothing to do. The lock covers the creation of `schema_migrations` too (a concurrent
 * `CREATE TABLE IF NOT EXISTS` can fail in PostgreSQL). The lock dies with its connection, so a
 * crashed migrator never blocks the next one.
 */
export async function migratePostgres(
  executor: PostgresExecutor,
  migrations: readonly Migration[] = MIGRATIONS,
  versionTable: VersionTable = 'schema_migrations',
): Promise<MigrationResult> {
  return executor.withSession(async (session) => {
    await session.run(sql`SELECT pg_advisory_lock(CAST(${MIGRATION_LOCK_KEY} AS integer), hashtext(current_schema()))`);
    try {
      return await migrate(session, migrations, versionTable);
    } finally {
      await session
        .run(sql`SELECT pg_advisory_unlock(CAST(${MIGRATION_LOCK_KEY} AS integer), hashtext(current_schema()))`)
        .catch(() => undefined);
    }
  });
}

/** Applies pending auth migrations (their own version table) under the same advisory lock. */
export function migratePostgresAuth(executor: PostgresExecutor): Promise<MigrationResult> {
  return migratePostgres(executor, AUTH_MIGRATIONS, AUTH_VERSION_TABLE);
}

/**
 * For `migrate=false`: refuses to serve a schema older or newer than this code, naming the
 * command that fixes it. `auth` checks the auth schema (`orrery db upgrade --auth`).
 */
export async function requireCurrentSchema(executor: PostgresExecutor, redactedUri: string, options: { auth?: boolean } = {}): Promise<void> {
  const auth = options.auth === true;
  const what = auth ? 'PostgreSQL auth schema' : 'PostgreSQL schema';
  const latest = auth ? LATEST_AUTH_SCHEMA_VERSION : LATEST_SCHEMA_VERSION;
  const version = await currentSchemaVersion(executor, auth ? AUTH_VERSION_TABLE : 'schema_migrations');
  if (version < latest) {
    throw errors.invalidState(
      `The ${what} at ${redactedUri} is at version ${version}, older than this release needs (${latest}), ` +
        `and automatic migration is off (migrate=false). Run \`orrery db upgrade ${redactedUri}${auth ? ' --auth' : ''}\` first.`,
    );
  }
  if (version > latest) {
    throw errors.invalidState(`The ${what} at ${redactedUri} is at version ${version}, newer than this Orrery release supports (${latest}). Upgrade Orrery.`);
  }
}

/** Creates the URI's schema when it names one that does not exist yet (two servers may race: both succeed). */
export async function ensureSchema(executor: PostgresExecutor, schema: string | undefined): Promise<void> {
  if (schema === undefined) return;
  try {
    // The name was checked against [a-z_][a-z0-9_]* when the URI was parsed.
    await executor.withSession(async (session) => {
      const exists = await session.get(sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`);
      if (!exists) await session.run(trustedSchemaDdl(schema));
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 42P06 duplicate_schema, 23505: another process created it between our check and CREATE.
    if (code === '42P06' || code === '23505') return;
    throw error;
  }
}

function trustedSchemaDdl(schema: string) {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw errors.invalidParameter(`Invalid schema name '${schema}'.`);
  return trustedSql(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
}
