import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverPlugins } from '@orrery/core';
import { expectAuthStoreHoldsAcrossProcesses } from '@orrery/testkit';
import { AUTH_MIGRATIONS, LATEST_AUTH_SCHEMA_VERSION, LATEST_SCHEMA_VERSION, currentAuthSchemaVersion, currentSchemaVersion, sql } from '@orrery/sql';
import { migrateSqliteAuth, openSqliteAuthStore, openSqliteExecutor, openSqliteTrackingStore, sqliteAuthStorePlugin } from '@orrery/plugin-sqlite';
import { ARTIFACT_ROOT, tempDir } from './store-helpers.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silentLogger };

describe('SQLite auth store', () => {
  it('lives beside the tracking tables in one file, each schema with its own version', async () => {
    const uri = `sqlite:///${path.join(tempDir(), 'orrery.db')}`;
    const tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    const auth = await openSqliteAuthStore(uri);
    const experimentId = await tracking.createExperiment({ name: 'shared' });
    await auth.createUser('alice', 'hash', false);
    await auth.createExperimentPermission(experimentId, 'alice', 'MANAGE');
    await auth.close();
    await tracking.close();

    const executor = openSqliteExecutor(uri);
    try {
      expect(await currentSchemaVersion(executor)).toBe(LATEST_SCHEMA_VERSION);
      expect(await currentAuthSchemaVersion(executor)).toBe(LATEST_AUTH_SCHEMA_VERSION);
      const recorded = await executor.all<{ name: string }>(sql`SELECT name FROM orrery_auth_schema_version ORDER BY version`);
      expect(recorded.map((r) => r.name)).toEqual(AUTH_MIGRATIONS.map((m) => m.name));
    } finally {
      await executor.close();
    }
    const reopened = await openSqliteAuthStore(uri);
    expect(await reopened.findExperimentPermission(experimentId, 'alice')).toMatchObject({ permission: 'MANAGE' });
    await reopened.close();
  });

  it('migrates a fresh file once (orrery db upgrade --auth), then finds nothing to do', async () => {
    const uri = `sqlite:///${path.join(tempDir(), 'auth.db')}`;
    expect(await migrateSqliteAuth(uri)).toEqual({ fromVersion: 0, toVersion: LATEST_AUTH_SCHEMA_VERSION, applied: AUTH_MIGRATIONS.map((m) => `${m.version}: ${m.name}`) });
    expect(await sqliteAuthStorePlugin.migrate!({ uri, logger: silentLogger })).toEqual({
      fromVersion: LATEST_AUTH_SCHEMA_VERSION,
      toVersion: LATEST_AUTH_SCHEMA_VERSION,
      applied: [],
    });
  });

  it('refuses an auth schema newer than the code', async () => {
    const uri = `sqlite:///${path.join(tempDir(), 'auth.db')}`;
    await migrateSqliteAuth(uri);
    const executor = openSqliteExecutor(uri);
    await executor.run(sql`INSERT INTO orrery_auth_schema_version (version, name, applied_at) VALUES (${LATEST_AUTH_SCHEMA_VERSION + 1}, 'future', 0)`);
    await executor.close();
    await expect(openSqliteAuthStore(uri)).rejects.toThrow(
      `(orrery_auth_schema_version) is at version ${LATEST_AUTH_SCHEMA_VERSION + 1}, newer than this Orrery release supports (${LATEST_AUTH_SCHEMA_VERSION})`,
    );
  });

  it('holds across OS processes on one file: one creator per user, every failed login counted once', async () => {
    const uri = `sqlite:///${path.join(tempDir(), 'raced.db')}`;
    const store = await openSqliteAuthStore(uri);
    try {
      await expectAuthStoreHoldsAcrossProcesses({ modulePath: path.join(packageRoot, 'dist', 'index.js'), exportName: 'openSqliteAuthStore', uri, store });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('is discovered through the package.json "orrery" field and opened from dist', async () => {
    expect(existsSync(path.join(packageRoot, 'dist', 'sqlite-auth-plugin.js')), 'build plugins/sqlite first').toBe(true);
    const registry = await discoverPlugins({
      cwd: tempDir(),
      builtinPackages: { from: path.join(packageRoot, 'package.json'), names: ['@orrery/plugin-sqlite'] },
      env: {},
      logger: silentLogger,
    });
    expect(registry.findPlugin('authStore', 'sqlite')?.modulePath).toMatch(/dist[/\\]sqlite-auth-plugin\.js$/);
    const uri = `sqlite:///${path.join(tempDir(), 'found.db')}`;
    const store = await registry.openAuthStore(uri);
    expect((await store.createUser('root', 'hash', true)).isAdmin).toBe(true);
    await store.close();
    expect((await registry.upgradeAuthDatabase(uri)).applied).toEqual([]);
  });
});
