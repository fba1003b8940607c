import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TrackingService, type MigrationResult } from '@orrery/core';
import { migrate, SqlTrackingStore } from '@orrery/sql';
import type { SqliteExecutorOptions } from './sqlite-executor.js';
import { SqliteExecutor } from './sqlite-executor.js';
import { parseSqliteUri } from './sqlite-uri.js';

export interface OpenSqliteOptions extends SqliteExecutorOptions {
  /** Where new experiments put their artifacts: `<defaultArtifactRoot>/<experiment id>`. */
  defaultArtifactRoot: string;
  /** Base for relative paths in the URI (default: the working directory). */
  cwd?: string;
}

/** Opens the executor for a `sqlite:` URI, creating the file's parent folders. */
export function openSqliteExecutor(uri: string, options: SqliteExecutorOptions & { cwd?: string } = {}): SqliteExecutor {
  const location = parseSqliteUri(uri, options.cwd);
  if (location.kind === 'memory') return new SqliteExecutor(':memory:', options);
  mkdirSync(path.dirname(location.path), { recursive: true });
  return new SqliteExecutor(location.path, options);
}

/**
 * Opens (creating and migrating as needed) the SQLite tracking store at `uri`: core's tracking
 * service in front of the SQL persistence port.
 */
export async function openSqliteTrackingStore(uri: string, options: OpenSqliteOptions): Promise<TrackingService> {
  const executor = openSqliteExecutor(uri, options);
  try {
    return new TrackingService(await SqlTrackingStore.open(executor, { defaultArtifactRoot: options.defaultArtifactRoot }));
  } catch (error) {
    await executor.close();
    throw error;
  }
}

/** Brings the schema of the database at `uri` up to date and reports what was applied. */
export async function migrateSqlite(uri: string, options: { cwd?: string } = {}): Promise<MigrationResult> {
  const executor = openSqliteExecutor(uri, options);
  try {
    return await migrate(executor);
  } finally {
    await executor.close();
  }
}
