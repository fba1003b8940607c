/**
 * `@orrery/client` installed alone talks HTTP and builds no native module: SQLite (better-sqlite3)
 * is a separate plugin. Without it, the embedded default store cannot open, and the error says
 * what to install or which variable to set; with it installed in the project, `./orrery.db` is
 * still the default.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrreryContainer, disposeContainer, isOrreryError, OrreryTokens, resolve, type DiscoverOptions } from '@orrery/core';
import { recordingLogger, tempDirsPerTest } from '@orrery/testkit';
import { describe, expect, it } from 'vitest';
import { defaultDiscoverOptions } from '../src/default-registry.js';

const clientRoot = fileURLToPath(new URL('..', import.meta.url));
const sqlitePluginRoot = fileURLToPath(new URL('../../../plugins/sqlite', import.meta.url));
const freshDir = tempDirsPerTest('orrery-http-only-');

/** The client's own discovery, seeing only the temp project (not the monorepo's node_modules). */
function projectDiscovery(project: string): DiscoverOptions {
  return { ...defaultDiscoverOptions(), cwd: project, env: {}, scanCoreLocation: false };
}

describe('a client installed without @orrery/plugin-sqlite', () => {
  it('refuses the default store with a message naming the package and the variables to set', async () => {
    const project = await freshDir();
    const failure = await createOrreryContainer({ cwd: project, env: {}, logger: recordingLogger(), plugins: projectDiscovery(project) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isOrreryError(failure)).toBe(true);
    const message = (failure as Error).message;
    expect(message).toContain('@orrery/plugin-sqlite');
    expect(message).toContain(path.join(project, 'orrery.db'));
    expect(message).toMatch(/ORRERY_TRACKING_URI \(or MLFLOW_TRACKING_URI\) to an http:\/\/ or https:\/\//);
    expect(existsSync(path.join(project, 'orrery.db'))).toBe(false);
  });

  it('opens ./orrery.db by default once the project installs @orrery/plugin-sqlite', async () => {
    const project = await freshDir();
    mkdirSync(path.join(project, 'node_modules', '@orrery'), { recursive: true });
    symlinkSync(sqlitePluginRoot, path.join(project, 'node_modules', '@orrery', 'plugin-sqlite'), 'dir');
    const container = await createOrreryContainer({ cwd: project, env: {}, logger: recordingLogger(), plugins: projectDiscovery(project) });
    try {
      const store = resolve(container, OrreryTokens.trackingStore);
      expect(await store.createExperiment({ name: 'sqlite-by-default', tags: [] })).toMatch(/^\d+$/);
      expect(existsSync(path.join(project, 'orrery.db'))).toBe(true);
    } finally {
      await disposeContainer(container);
    }
  });

  it('an explicit http:// tracking URI needs no SQLite plugin', async () => {
    const project = await freshDir();
    const container = await createOrreryContainer({
      cwd: project,
      env: {},
      trackingUri: 'http://127.0.0.1:9',
      logger: recordingLogger(),
      plugins: projectDiscovery(project),
      openTrackingStore: true,
    });
    await disposeContainer(container);
  });
});

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
}

/** Where Node would find `name` from `fromDir`: the nearest node_modules holding it. */
function packageDir(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) throw new Error(`${name} is not installed (from ${fromDir})`);
  }
}

describe("@orrery/client's dependencies", () => {
  it('build no native code: no install scripts, no node-gyp, no SQLite, anywhere in the tree', () => {
    const builds: string[] = [];
    const seen = new Set<string>();
    const visit = (dir: string): void => {
      if (seen.has(dir)) return;
      seen.add(dir);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
      const scripts = manifest.scripts ?? {};
      if (['preinstall', 'install', 'postinstall'].some((s) => s in scripts) || manifest.gypfile === true || existsSync(path.join(dir, 'binding.gyp'))) {
        builds.push(manifest.name);
      }
      for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(packageDir(name, dir));
    };
    visit(clientRoot);
    expect(seen.size).toBeGreaterThan(3);
    expect(builds).toEqual([]);
    const names = [...seen].map((dir) => (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest).name);
    expect(names).not.toContain('@orrery/plugin-sqlite');
    expect(names).not.toContain('better-sqlite3');
  });
});
