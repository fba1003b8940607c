import { ModelRegistryService, TrackingService, withAuthStoreInputChecks, type AuthStore, type Logger, type MigrationResult } from '@orrery/core';
import { SqlAuthStore, SqlModelRegistryStore, SqlTrackingStore } from '@orrery/sql';
import { PostgresExecutor } from './postgres-executor.js';
import { ensureSchema, migratePostgres, migratePostgresAuth, requireCurrentSchema } from './postgres-migrations.js';
import type { ParsedPostgresUri } from './postgres-uri.js';
import { parsePostgresUri } from './postgres-uri.js';

export interface OpenPostgresOptions {
  logger?: Logger;
  /** Overrides the URI's `migrate` parameter. */
  migrate?: boolean;
}

/**
 * Opens a pool for `uri` and prepares its schema: creates the URI's schema if it names one,
 * then applies pending migrations under the advisory lock (or, with `migrate=false`, checks that
 * the schema is current). Closes the pool when preparation fails.
 */
export async function openPostgresExecutor(
  uri: string,
  options: OpenPostgresOptions & { auth?: boolean } = {},
): Promise<{ executor: PostgresExecutor; parsed: ParsedPostgresUri }> {
  const parsed = parsePostgresUri(uri);
  const executor = new PostgresExecutor(parsed.poolConfig, options.logger ? { logger: options.logger } : {});
  const auth = options.auth === true;
  try {
    await ensureSchema(executor, parsed.settings.schema);
    if (options.migrate ?? parsed.settings.migrate) {
      const result = auth ? await migratePostgresAuth(executor) : await migratePostgres(executor);
      if (result.applied.length > 0) options.logger?.info({ uri: parsed.redacted, ...result }, `PostgreSQL ${auth ? 'auth ' : ''}schema migrated`);
    } else {
      await requireCurrentSchema(executor, parsed.redacted, { auth });
    }
    return { executor, parsed };
  } catch (error) {
    await executor.close();
    throw error;
  }
}

/**
 * Opens the PostgreSQL tracking store at `uri` (see `parsePostgresUri` for the URI's settings):
 * core's tracking service in front of the SQL persistence port.
 */
export async function openPostgresTrackingStore(
  uri: string,
  options: OpenPostgresOptions & { defaultArtifactRoot: string },
): Promise<TrackingService> {
  const { executor } = await openPostgresExecutor(uri, options);
  try {
    const store = new SqlTrackingStore(executor, { defaultArtifactRoot: options.defaultArtifactRoot });
    await store.ensureDefaultExperiment();
    return new TrackingService(store);
  } catch (error) {
    await executor.close();
    throw error;
  }
}

/** Opens the PostgreSQL model registry store at `uri` (the same database may hold tracking data), behind core's registry service. */
export async function openPostgresModelRegistryStore(uri: string, options: OpenPostgresOptions = {}): Promise<ModelRegistryService> {
  const { executor } = await openPostgresExecutor(uri, options);
  return new ModelRegistryService(new SqlModelRegistryStore(executor));
}

/**
 * Opens the PostgreSQL auth store at `uri` (the basic-auth ini's `database_uri`). Its `auth_*`
 * tables and `orrery_auth_schema_version` may share a database or schema with tracking data, or
 * have their own (`?schema=auth`); the URI's settings (`migrate`, pool, TLS) apply as for tracking.
 */
export async function openPostgresAuthStore(uri: string, options: OpenPostgresOptions = {}): Promise<AuthStore> {
  const { executor } = await openPostgresExecutor(uri, { ...options, auth: true });
  return withAuthStoreInputChecks(new SqlAuthStore(executor));
}

/**
 * `orrery db upgrade <uri>` (and with `auth`, `orrery db upgrade --auth <uri>`): applies pending
 * migrations (whatever the URI's `migrate` says) and reports them.
 */
export async function migratePostgresUri(uri: string, options: { logger?: Logger; auth?: boolean } = {}): Promise<MigrationResult> {
  const parsed = parsePostgresUri(uri);
  const executor = new PostgresExecutor(parsed.poolConfig, options.logger ? { logger: options.logger } : {});
  try {
    await ensureSchema(executor, parsed.settings.schema);
    return options.auth === true ? await migratePostgresAuth(executor) : await migratePostgres(executor);
  } finally {
    await executor.close();
  }
}
