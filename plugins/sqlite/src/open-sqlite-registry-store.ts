import { ModelRegistryService } from '@orrery/core';
import { SqlModelRegistryStore } from '@orrery/sql';
import type { SqliteExecutorOptions } from './sqlite-executor.js';
import { openSqliteExecutor } from './open-sqlite-store.js';

/**
 * Opens (creating and migrating as needed) the SQLite model registry store at `uri`. The registry
 * shares the tracking store's schema and migrations, so giving both the same URI keeps tracking
 * and registry in one file; their connections share this process's per-file lock. Returns core's
 * registry service in front of the SQL persistence port.
 */
export async function openSqliteModelRegistryStore(
  uri: string,
  options: SqliteExecutorOptions & { cwd?: string } = {},
): Promise<ModelRegistryService> {
  const executor = openSqliteExecutor(uri, options);
  try {
    return new ModelRegistryService(await SqlModelRegistryStore.open(executor));
  } catch (error) {
    await executor.close();
    throw error;
  }
}
