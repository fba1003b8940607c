import type { MigrationResult } from '@orrery/core';
import { errors } from '@orrery/core';
import type { Migration } from '@orrery/sql';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, currentSchemaVersion, migrate, sql, trustedSql } from '@orrery/sql';
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
export async function migratePostgres(executor: PostgresExecutor, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  return executor.withSession(async (session) => {
    await session.run(sql`SELECT pg_advisory_lock(CAST(${MIGRATION_LOCK_KEY} AS integer), hashtext(current_schema()))`);
    try {
      return await migrate(session, migrations);
    } finally {
      await session
        .run(sql`SELECT pg_advisory_unlock(CAST(${MIGRATION_LOCK_KEY} AS integer), hashtext(current_schema()))`)
        .catch(() => undefined);
    }
  });
}

/**
 * For `migrate=false`: refuses to serve a schema older or newer than this code, naming the
 * command that fixes it.
 */
export async function requireCurrentSchema(executor: PostgresExecutor, redactedUri: string): Promise<void> {
  const version = await currentSchemaVersion(executor);
  if (version < LATEST_SCHEMA_VERSION) {
    throw errors.invalidState(
      `The PostgreSQL schema at ${redactedUri} is at version ${version}, older than this release needs (${LATEST_SCHEMA_VERSION}), ` +
        `and automatic migration is off (migrate=false). Run \`orrery db upgrade ${redactedUri}\` first.`,
    );
  }
  if (version > LATEST_SCHEMA_VERSION) {
    throw errors.invalidState(
      `The PostgreSQL schema at ${redactedUri} is at version ${version}, newer than this Orrery release supports (${LATEST_SCHEMA_VERSION}). Upgrade Orrery.`,
    );
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
