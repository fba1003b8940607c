import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverPlugins } from '@orrery/core';
import { ARTIFACT_ROOT, tempDir } from './store-helpers.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silentLogger };

describe('plugin discovery', () => {
  it('finds the sqlite scheme through the package.json "orrery" field and opens a working store from dist', async () => {
    expect(existsSync(path.join(packageRoot, 'dist', 'sqlite-plugin.js')), 'build plugins/sqlite first').toBe(true);
    const registry = await discoverPlugins({
      cwd: tempDir(),
      builtinPackages: { from: path.join(packageRoot, 'package.json'), names: ['@orrery/plugin-sqlite'] },
      env: {},
      logger: silentLogger,
    });
    const entry = registry.findPlugin('trackingStore', 'sqlite');
    expect(entry?.packageName).toBe('@orrery/plugin-sqlite');
    expect(entry?.modulePath).toMatch(/dist[/\\]sqlite-plugin\.js$/);

    const dir = tempDir();
    const uri = `sqlite:///${path.join(dir, 'found.db')}`;
    const store = await registry.openTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    expect((await store.getExperiment('0')).name).toBe('Default');
    await store.close();
    const result = await registry.upgradeDatabase(uri);
    expect(result.applied).toEqual([]);
  });
});
