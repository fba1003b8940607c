import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverPlugins, isOrreryError, PLUGIN_API_VERSION, TrackingService, type DiscoverOptions } from '@orrery/core';
import {
  artifactRepositoryModule,
  authStoreModule,
  installPackage,
  linkPackage,
  makeTempDir,
  runContextProviderModule,
  trackingStoreModule,
  writePackageAt,
} from './fixture-packages.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.cleanup());

/** Discovery with an empty environment, so the developer's ORRERY_PLUGINS never leaks in. */
function discover(options: DiscoverOptions = {}) {
  // Hermetic: the workspace's own packages (reachable from core's location) stay out of view.
  return discoverPlugins({ cwd: tmp.dir, env: {}, scanCoreLocation: false, ...options });
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('discovery', () => {
  it('lists packages declaring plugins, scoped and unscoped, with name and version, without importing them', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-toy',
      version: '2.3.4',
      orrery: { artifactRepository: { toy: './repo.js', toys: './repo.js' } },
      // Importing this module would throw: listing must not import.
      files: { 'repo.js': "throw new Error('imported too early');" },
    });
    installPackage(tmp.dir, {
      name: '@acme/orrery-git',
      orrery: { runContextProvider: { acme: './provider.js' } },
      files: { 'provider.js': runContextProviderModule('acme', { a: '1' }) },
    });
    installPackage(tmp.dir, { name: 'not-a-plugin' });

    const registry = await discover();
    const entries = registry.list();
    expect(entries.map((e) => ({ ...e, modulePath: path.relative(tmp.dir, e.modulePath) }))).toEqual([
      {
        kind: 'runContextProvider',
        schemes: [],
        hostPatterns: [],
        name: 'acme',
        packageName: '@acme/orrery-git',
        packageVersion: '1.0.0',
        modulePath: path.join('node_modules', '@acme', 'orrery-git', 'provider.js'),
        builtin: false,
        explicit: false,
      },
      {
        kind: 'artifactRepository',
        schemes: ['toy', 'toys'],
        hostPatterns: [],
        packageName: 'orrery-plugin-toy',
        packageVersion: '2.3.4',
        modulePath: path.join('node_modules', 'orrery-plugin-toy', 'repo.js'),
        builtin: false,
        explicit: false,
      },
    ]);
  });

  it('scans node_modules of parent directories too', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-parent',
      orrery: { artifactRepository: { up: './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule(['up'], 'parent') },
    });
    const nested = path.join(tmp.dir, 'projects', 'deep');
    mkdirSync(nested, { recursive: true });
    const registry = await discover({ cwd: nested });
    const repo = (await registry.openArtifactRepository('up://bucket/x')) as unknown as { rootUri: string; tag: string };
    expect(repo).toEqual({ rootUri: 'up://bucket/x', tag: 'parent' });
  });

  it('imports a plugin module once, on first use of its scheme', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-lazy',
      orrery: { artifactRepository: { lazy: './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule(['lazy'], 'lazy') },
    });
    const g = globalThis as { __orreryFixtureImports?: number };
    const before = g.__orreryFixtureImports ?? 0;
    const registry = await discover();
    expect(g.__orreryFixtureImports ?? 0).toBe(before);
    await registry.openArtifactRepository('lazy://a');
    await registry.openArtifactRepository('lazy://b');
    expect(g.__orreryFixtureImports).toBe(before + 1);
  });

  it('follows pnpm symlinks and counts a package reached twice once', async () => {
    const store = writePackageAt(path.join(tmp.dir, 'node_modules', '.pnpm', 'orrery-plugin-linked@1.0.0', 'node_modules', 'orrery-plugin-linked'), {
      name: 'orrery-plugin-linked',
      orrery: { artifactRepository: { linked: './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule(['linked'], 'linked') },
    });
    linkPackage(tmp.dir, 'orrery-plugin-linked', store);
    const app = path.join(tmp.dir, 'app');
    linkPackage(app, 'orrery-plugin-linked', store);

    const registry = await discover({ cwd: app });
    expect(registry.list().filter((e) => e.packageName === 'orrery-plugin-linked')).toHaveLength(1);
    // Not a conflict with itself.
    await expect(registry.openArtifactRepository('linked://x')).resolves.toMatchObject({ tag: 'linked' });
  });

  it('finds built-in packages as siblings of the package that depends on them (pnpm layout)', async () => {
    // A "client" installed by pnpm: its dependencies are siblings in .pnpm/<client>/node_modules,
    // invisible from the project's own node_modules.
    const siblings = path.join(tmp.dir, 'node_modules', '.pnpm', 'client@1.0.0', 'node_modules');
    const client = writePackageAt(path.join(siblings, 'client'), { name: 'client', files: { 'index.js': 'export {};' } });
    writePackageAt(path.join(siblings, '@orrery-test', 'plugin-default'), {
      name: '@orrery-test/plugin-default',
      version: '0.9.0',
      orrery: { artifactRepository: { deflt: './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule(['deflt'], 'default') },
    });
    linkPackage(tmp.dir, 'client', client);

    const without = await discover();
    expect(without.list().map((e) => e.packageName)).not.toContain('@orrery-test/plugin-default');

    const registry = await discover({
      builtinPackages: { from: pathToFileURL(path.join(tmp.dir, 'node_modules', 'client', 'index.js')), names: ['@orrery-test/plugin-default'] },
    });
    expect(registry.list()).toContainEqual(
      expect.objectContaining({ packageName: '@orrery-test/plugin-default', packageVersion: '0.9.0', builtin: true, schemes: ['deflt'] }),
    );
  });

  it('lets a package list itself as a built-in (its own "orrery" field)', async () => {
    const client = writePackageAt(path.join(tmp.dir, 'vendor', 'client'), {
      name: 'self-client',
      orrery: { runContextProvider: { me: './p.js' } },
      files: { 'p.js': runContextProviderModule('me', { me: '1' }), 'lib/index.js': 'export {};' },
    });
    const registry = await discover({ builtinPackages: { from: pathToFileURL(path.join(client, 'lib', 'index.js')).href, names: ['self-client'] } });
    expect(registry.problems()).toEqual([]);
    expect(registry.findPlugin('runContextProvider', 'me')).toMatchObject({ packageName: 'self-client', builtin: true });
  });

  it('reports a built-in package that is not installed, and malformed "orrery" fields, as problems', async () => {
    installPackage(tmp.dir, { name: 'orrery-plugin-odd', orrery: { trackingStores: { x: './x.js' }, artifactRepository: { y: 42, z: '../../outside.js' } } });
    const registry = await discover({ builtinPackages: { from: path.join(tmp.dir, 'index.js'), names: ['@orrery-test/missing'] } });
    const messages = registry.problems().map((p) => p.message);
    expect(messages).toContainEqual(expect.stringContaining('unknown plugin kind "trackingStores"'));
    expect(messages).toContainEqual(expect.stringContaining('"orrery.artifactRepository.y" must be a module path string'));
    expect(messages).toContainEqual(expect.stringContaining('"orrery.artifactRepository.z" = "../../outside.js" points outside the package'));
    expect(messages).toContainEqual(expect.stringContaining('default plugin package @orrery-test/missing is not installed'));
  });
});

describe('opening plugins', () => {
  it('maps URIs to schemes: dialect suffixes are dropped and plain paths are file', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-pg',
      orrery: { trackingStore: { postgresql: './store.js' }, artifactRepository: { file: './repo.js' } },
      files: { 'store.js': trackingStoreModule(['postgresql']), 'repo.js': artifactRepositoryModule(['file'], 'files') },
    });
    const registry = await discover();
    const store = (await registry.openTrackingStore('postgresql+psycopg2://u:secret@h/db', { defaultArtifactRoot: 'file:///a' })) as unknown as Record<string, unknown>;
    expect(store.uri).toBe('postgresql+psycopg2://u:secret@h/db');
    expect(store.defaultArtifactRoot).toBe('file:///a');
    await expect(registry.openArtifactRepository('/data/artifacts/1')).resolves.toMatchObject({ tag: 'files', rootUri: '/data/artifacts/1' });
  });

  it('a plugin that returns a persistence port gets core\'s service in front: rules checked, events emitted', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-port',
      orrery: { trackingStore: { port: './store.js' } },
      files: {
        'store.js': `
export default {
  kind: 'trackingStore',
  apiVersion: 1,
  schemes: ['port'],
  async create() {
    const created = [];
    return {
      port: 'tracking',
      created,
      async createExperiment(input) { created.push(input.name); return String(created.length); },
      async close() {},
    };
  },
};
`,
      },
    });
    const registry = await discover();
    const store = await registry.openTrackingStore('port://x', { defaultArtifactRoot: '/a' });
    expect(store).toBeInstanceOf(TrackingService);
    const service = store as TrackingService;
    const events: string[] = [];
    service.events.onAny((event) => events.push(event.type));
    // The service refuses a bad name before the port is called, and deleting experiment 0 too.
    await expect(store.createExperiment({ name: '' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(store.deleteExperiment('0')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect(await store.createExperiment({ name: 'ok' })).toBe('1');
    expect((service.persistence as unknown as { created: string[] }).created).toEqual(['ok']);
    expect(events).toEqual(['experiment.created']);
  });

  it('an unknown scheme lists the known ones and the package that would provide it', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-lite',
      orrery: { trackingStore: { sqlite: './store.js', lite: './store.js' } },
      files: { 'store.js': trackingStoreModule(['sqlite', 'lite']) },
    });
    const registry = await discover();
    const error = await errorOf(registry.openTrackingStore('postgresql://user:pw@db/x', { defaultArtifactRoot: '/a' }));
    expect(isOrreryError(error)).toBe(true);
    expect(error.message).toContain('scheme "postgresql"');
    expect(error.message).toContain('Known schemes: lite, sqlite.');
    expect(error.message).toContain('Install @orrery/plugin-postgres');
    expect(error.message).not.toContain('pw');

    const noHint = await errorOf(registry.openArtifactRepository('gopher://x'));
    expect(noHint.message).toContain('Known schemes: (none).');
  });

  it('two packages claiming one scheme is an error naming both, unless explicit configuration picks one', async () => {
    for (const name of ['orrery-plugin-one', 'orrery-plugin-two']) {
      installPackage(tmp.dir, {
        name,
        orrery: { artifactRepository: { dup: './repo.js' } },
        files: { 'repo.js': artifactRepositoryModule(['dup'], name) },
      });
    }
    const registry = await discover();
    const error = await errorOf(registry.openArtifactRepository('dup://x'));
    expect(error.message).toContain('orrery-plugin-one@1.0.0 and orrery-plugin-two@1.0.0');
    expect(() => registry.findPlugin('artifactRepository', 'dup')).toThrow(/orrery-plugin-one/);

    const picked = await discover({ explicit: { artifactRepository: { dup: 'orrery-plugin-two' } } });
    await expect(picked.openArtifactRepository('dup://x')).resolves.toMatchObject({ tag: 'orrery-plugin-two' });
    expect(picked.findPlugin('artifactRepository', 'dup')).toMatchObject({ packageName: 'orrery-plugin-two', explicit: true });

    const fromEnv = await discover({ env: { ORRERY_PLUGINS: JSON.stringify({ artifactRepository: { dup: 'orrery-plugin-one' } }) } });
    await expect(fromEnv.openArtifactRepository('dup://x')).resolves.toMatchObject({ tag: 'orrery-plugin-one' });
  });

  it('explicit configuration beats discovery and accepts paths and package subpaths', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-found',
      orrery: { artifactRepository: { mine: './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule(['mine'], 'discovered'), 'other.js': artifactRepositoryModule(['mine'], 'subpath') },
    });
    writePackageAt(path.join(tmp.dir, 'local-plugin'), { name: 'local-plugin', files: { 'repo.js': artifactRepositoryModule(['mine'], 'by-path') } });

    const byPath = await discover({ explicit: { artifactRepository: { mine: './local-plugin/repo.js' } } });
    await expect(byPath.openArtifactRepository('mine://x')).resolves.toMatchObject({ tag: 'by-path' });
    expect(byPath.findPlugin('artifactRepository', 'mine')).toMatchObject({ packageName: 'local-plugin', explicit: true });

    const bySubpath = await discover({ explicit: { artifactRepository: { mine: 'orrery-plugin-found/other.js' } } });
    await expect(bySubpath.openArtifactRepository('mine://x')).resolves.toMatchObject({ tag: 'subpath' });

    // The option beats the environment.
    const both = await discover({
      env: { ORRERY_PLUGINS: JSON.stringify({ artifactRepository: { mine: 'orrery-plugin-found/other.js' } }) },
      explicit: { artifactRepository: { mine: './local-plugin/repo.js' } },
    });
    await expect(both.openArtifactRepository('mine://x')).resolves.toMatchObject({ tag: 'by-path' });
  });

  it('refuses broken explicit configuration at discovery, naming the entry', async () => {
    await expect(discover({ explicit: { artifactRepository: { x: './nope.js' } } })).rejects.toThrow(/explicit plugin configuration artifactRepository.x = ".\/nope.js": no file/);
    await expect(discover({ explicit: { artifactRepository: { x: 'not-installed-pkg' } } })).rejects.toThrow(/package not-installed-pkg is not installed/);
    await expect(discover({ explicit: { storage: { x: './a.js' } } })).rejects.toThrow(/unknown plugin kind "storage"/);
    await expect(discover({ env: { ORRERY_PLUGINS: '{not json' } })).rejects.toThrow(/ORRERY_PLUGINS must be JSON/);
  });

  it('refuses a module with a wrong default export, kind or API version, naming the package and module', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['nodefault', 'export const x = 1;', /its default export is undefined/],
      ['wrongkind', "export default { kind: 'trackingStore', apiVersion: 1, schemes: ['wrongkind'], create() {} };", /declared as a artifactRepository in package.json, but its default export is an object of kind "trackingStore"/],
      ['oldapi', `export default { kind: 'artifactRepository', apiVersion: ${PLUGIN_API_VERSION + 1}, schemes: ['oldapi'], create() {} };`, new RegExp(`built for Orrery plugin API version ${PLUGIN_API_VERSION + 1}, but this @orrery/core supports version ${PLUGIN_API_VERSION}`)],
      ['nocreate', "export default { kind: 'artifactRepository', apiVersion: 1, schemes: ['nocreate'] };", /has no create\(\) function/],
      ['syntax', 'export default {', /failed to load its module/],
      ['throws', "import 'a-dependency-that-is-not-installed';", /failed to load its module .*a-dependency-that-is-not-installed/],
    ];
    for (const [scheme, source] of cases) {
      installPackage(tmp.dir, { name: `orrery-plugin-${scheme}`, orrery: { artifactRepository: { [scheme]: './repo.js' } }, files: { 'repo.js': source } });
    }
    const registry = await discover();
    for (const [scheme, , expected] of cases) {
      const error = await errorOf(registry.openArtifactRepository(`${scheme}://x`));
      expect(isOrreryError(error), scheme).toBe(true);
      expect(error.message, scheme).toMatch(expected);
      expect(error.message, scheme).toContain(`orrery-plugin-${scheme}`);
      expect(error.message, scheme).toContain(path.join(`orrery-plugin-${scheme}`, 'repo.js'));
    }
  });

  it('a store whose create fails is reported with the package name and the cause', async () => {
    installPackage(tmp.dir, { name: 'orrery-plugin-down', orrery: { trackingStore: { down: './s.js' } }, files: { 's.js': trackingStoreModule(['down'], { failCreate: true }) } });
    const registry = await discover();
    await expect(registry.openTrackingStore('down://h', { defaultArtifactRoot: '/a' })).rejects.toThrow(/plugin package orrery-plugin-down failed to open down:\/\/h: cannot connect to down:\/\/h/);
  });
});

describe('run-context providers', () => {
  it('returns built-ins first, then third-party, each by package then name, and reports failures in the result', async () => {
    installPackage(tmp.dir, { name: 'zeta-ctx', orrery: { runContextProvider: { z: './p.js' } }, files: { 'p.js': runContextProviderModule('z', { z: '1' }) } });
    installPackage(tmp.dir, {
      name: 'alpha-ctx',
      orrery: { runContextProvider: { b: './b.js', a: './a.js', broken: './broken.js' } },
      files: { 'a.js': runContextProviderModule('a', { a: '1' }), 'b.js': runContextProviderModule('b', { b: '1' }), 'broken.js': runContextProviderModule('broken', {}, { failCreate: true }) },
    });
    const siblings = path.join(tmp.dir, 'vendor', 'node_modules');
    writePackageAt(path.join(siblings, 'zz-builtin-ctx'), { name: 'zz-builtin-ctx', orrery: { runContextProvider: { host: './p.js' } }, files: { 'p.js': runContextProviderModule('host', { h: '1' }) } });

    const registry = await discover({ builtinPackages: [{ from: path.join(tmp.dir, 'vendor', 'index.js'), names: ['zz-builtin-ctx'] }] });
    const providers = await registry.runContextProviders();
    expect(providers.map((p) => `${p.packageName}:${p.name}`)).toEqual(['zz-builtin-ctx:host', 'alpha-ctx:a', 'alpha-ctx:b', 'alpha-ctx:broken', 'zeta-ctx:z']);
    const broken = providers.find((p) => p.name === 'broken')!;
    expect(broken.error?.message).toMatch(/alpha-ctx.*provider broken cannot start/);
    await expect(Promise.resolve().then(() => broken.provider.tags())).rejects.toThrow(/provider broken cannot start/);
    const healthy = providers.find((p) => p.name === 'a')!;
    expect(healthy.error).toBeUndefined();
    expect(await healthy.provider.tags()).toEqual({ a: '1' });
  });
});

describe('upgradeDatabase', () => {
  it("runs the tracking store plugin's migrate, and refuses a plugin without one", async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-db',
      orrery: { trackingStore: { mig: './m.js', nomig: './n.js' } },
      files: { 'm.js': trackingStoreModule(['mig'], { migrate: true }), 'n.js': trackingStoreModule(['nomig']) },
    });
    const registry = await discover();
    await expect(registry.upgradeDatabase('mig://db')).resolves.toEqual({ fromVersion: 0, toVersion: 3, applied: ['1', '2', '3:mig://db'] });
    await expect(registry.upgradeDatabase('nomig://db')).rejects.toThrow(/orrery-plugin-db \(scheme "nomig"\) has no schema to upgrade/);
    await expect(registry.upgradeDatabase('unknown://db')).rejects.toThrow(/No tracking store plugin is installed for scheme "unknown"/);
  });
});

describe('auth stores', () => {
  it('are found by scheme, opened with their URI, and migrated apart from the tracking schema', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-keep',
      orrery: { trackingStore: { keep: './tracking.js' }, authStore: { keep: './auth.js', keeps: './auth.js' } },
      files: { 'tracking.js': trackingStoreModule(['keep'], { migrate: true }), 'auth.js': authStoreModule(['keep', 'keeps'], { migrate: true }) },
    });
    const registry = await discover();
    expect(registry.findPluginForUri('authStore', 'keep://db/auth')).toMatchObject({ kind: 'authStore', packageName: 'orrery-plugin-keep', schemes: ['keep', 'keeps'] });
    expect(registry.list().map((e) => e.kind)).toEqual(['authStore', 'trackingStore']);
    await expect(registry.openAuthStore('keeps://db/auth')).resolves.toMatchObject({ uri: 'keeps://db/auth' });
    await expect(registry.upgradeAuthDatabase('keep://db')).resolves.toEqual({ fromVersion: 0, toVersion: 1, applied: ['1: auth keep://db'] });
    // The tracking upgrade of the same URI runs the tracking store's migrate, not the auth one.
    await expect(registry.upgradeDatabase('keep://db')).resolves.toMatchObject({ toVersion: 3 });
  });

  it('an unknown auth scheme names the known ones and the package that provides well-known ones, without the password', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-keep',
      orrery: { authStore: { keep: './auth.js' } },
      files: { 'auth.js': authStoreModule(['keep']) },
    });
    const registry = await discover();
    const error = await errorOf(registry.openAuthStore('redis://:s3cret@cache:6379/0'));
    expect(isOrreryError(error)).toBe(true);
    expect(error.message).toContain('No auth store plugin is installed for scheme "redis"');
    expect(error.message).toContain('Known schemes: keep.');
    expect(error.message).toContain('Install @orrery/plugin-redis');
    expect(error.message).not.toContain('s3cret');
    await expect(registry.upgradeAuthDatabase('sqlite:///x.db')).rejects.toThrow(/Install @orrery\/plugin-sqlite/);
  });
});
