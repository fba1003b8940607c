import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverPlugins, isOrreryError } from '@orrery/core';
import { expectAuthStoreHoldsAcrossProcesses } from '@orrery/testkit';
import { AUTH_MIGRATIONS, LATEST_AUTH_SCHEMA_VERSION, LATEST_SCHEMA_VERSION } from '@orrery/sql';
import { openPostgresAuthStore, openPostgresTrackingStore, parsePostgresUri, postgresAuthStorePlugin } from '@orrery/plugin-postgres';
import { queryRows, silentLogger, useTestDatabase } from './postgres-test-helpers.js';

const db = useTestDatabase();
const ARTIFACTS = 'file:///tmp/orrery-pg-auth';
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function versions(uri: string, table: string): Promise<number[]> {
  const schema = parsePostgresUri(uri).settings.schema!;
  return (await queryRows<{ version: number }>(db.url, `SELECT version FROM ${schema}.${table} ORDER BY version`)).map((r) => Number(r.version));
}

describe('PostgreSQL auth store', () => {
  it('shares a schema with tracking data, each with its own tables and version record', async () => {
    const uri = db.freshSchemaUri();
    const tracking = await openPostgresTrackingStore(uri, { defaultArtifactRoot: ARTIFACTS });
    const auth = await openPostgresAuthStore(uri);
    try {
      const experimentId = await tracking.createExperiment({ name: 'shared' });
      await auth.createUser('alice', 'hash', false);
      await auth.createExperimentPermission(experimentId, 'alice', 'MANAGE');
      expect(await auth.listExperimentPermissions('alice')).toEqual([{ experimentId, userId: 1, permission: 'MANAGE' }]);
    } finally {
      await auth.close();
      await tracking.close();
    }
    expect(await versions(uri, 'orrery_auth_schema_version')).toEqual(AUTH_MIGRATIONS.map((m) => m.version));
    expect((await versions(uri, 'schema_migrations')).at(-1)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('migrates once when several servers open a fresh auth schema at the same time', async () => {
    const uri = db.freshSchemaUri();
    const results = await Promise.all(Array.from({ length: 4 }, () => postgresAuthStorePlugin.migrate!({ uri, logger: silentLogger })));
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect(results.filter((r) => r.fromVersion === LATEST_AUTH_SCHEMA_VERSION && r.applied.length === 0)).toHaveLength(3);
    const stores = await Promise.all(Array.from({ length: 3 }, () => openPostgresAuthStore(uri)));
    await Promise.all(stores.map((s) => s.close()));
    expect(await versions(uri, 'orrery_auth_schema_version')).toEqual(AUTH_MIGRATIONS.map((m) => m.version));
  });

  it('with migrate=false, refuses an auth schema that is not there yet and names `orrery db upgrade --auth`', async () => {
    const uri = db.freshSchemaUri('migrate=false');
    const error = await openPostgresAuthStore(uri).catch((e: unknown) => e);
    expect(isOrreryError(error) && error.code).toBe('INVALID_STATE');
    expect((error as Error).message).toMatch(/auth schema .* is at version 0, older than this release needs .*orrery db upgrade postgres(ql)?:\/\/\S+ --auth/);
    await postgresAuthStorePlugin.migrate!({ uri, logger: silentLogger });
    const store = await openPostgresAuthStore(uri);
    expect(await store.listUsers()).toEqual([]);
    await store.close();
  });

  it('holds across OS processes on one schema: one creator per user, every failed login counted once', async () => {
    const uri = db.freshSchemaUri();
    const store = await openPostgresAuthStore(uri);
    try {
      await expectAuthStoreHoldsAcrossProcesses({ modulePath: path.join(packageRoot, 'dist', 'index.js'), exportName: 'openPostgresAuthStore', uri, store });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('is discovered through the package.json "orrery" field and opened from dist', async () => {
    const registry = await discoverPlugins({
      cwd: packageRoot,
      builtinPackages: { from: path.join(packageRoot, 'package.json'), names: ['@orrery/plugin-postgres'] },
      env: {},
      logger: silentLogger,
    });
    for (const scheme of ['postgresql', 'postgres']) {
      expect(registry.findPlugin('authStore', scheme)?.modulePath).toMatch(/dist[/\\]postgres-auth-plugin\.js$/);
    }
    const uri = db.freshSchemaUri();
    const store = await registry.openAuthStore(uri);
    expect((await store.createUser('root', 'hash', true)).isAdmin).toBe(true);
    await store.close();
    expect((await registry.upgradeAuthDatabase(uri)).applied).toEqual([]);
  });
});
