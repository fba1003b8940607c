import { withAuthStoreInputChecks, type AuthStore, type MigrationResult } from '@orrery/core';
import { SqlAuthStore, migrateAuthSchema } from '@orrery/sql';
import type { SqliteExecutorOptions } from './sqlite-executor.js';
import { openSqliteExecutor } from './open-sqlite-store.js';

/**
 * Opens (creating and migrating as needed) the SQLite auth store at `uri`, e.g.
 * `sqlite:///var/orrery/auth.db`. Its tables and version table are its own, so the file may be
 * a dedicated one or the tracking database itself.
 */
export async function openSqliteAuthStore(uri: string, options: SqliteExecutorOptions & { cwd?: string } = {}): Promise<AuthStore> {
  const executor = openSqliteExecutor(uri, options);
  try {
    return withAuthStoreInputChecks(await SqlAuthStore.open(executor));
  } catch (error) {
    await executor.close();
    throw error;
  }
}

/** Brings the auth schema of the database at `uri` up to date (`orrery db upgrade --auth`). */
export async function migrateSqliteAuth(uri: string, options: { cwd?: string } = {}): Promise<MigrationResult> {
  const executor = openSqliteExecutor(uri, options);
  try {
    return await migrateAuthSchema(executor);
  } finally {
    await executor.close();
  }
}
