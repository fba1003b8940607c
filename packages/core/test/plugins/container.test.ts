import 'reflect-metadata';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { container as globalContainer } from 'tsyringe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrreryContainer, discoverPlugins, disposeContainer, isRegistered, OrreryTokens, resolve } from '@orrery/core';
import { authStoreModule, installPackage, makeTempDir, registryStoreModule, trackingStoreModule } from './fixture-packages.js';

let tmp: { dir: string; cleanup: () => void };
const closed = () => ((globalThis as { __orreryFixtureClosed?: string[] }).__orreryFixtureClosed ??= []);

beforeEach(() => {
  tmp = makeTempDir('orrery-container-');
  closed().length = 0;
  installPackage(tmp.dir, {
    name: 'orrery-plugin-box',
    orrery: { trackingStore: { box: './tracking.js', nobox: './tracking.js' }, modelRegistryStore: { box: './registry.js' }, authStore: { box: './auth.js' } },
    files: { 'tracking.js': trackingStoreModule(['box', 'nobox']), 'registry.js': registryStoreModule(['box']), 'auth.js': authStoreModule(['box']) },
  });
  installPackage(tmp.dir, {
    name: 'orrery-plugin-down',
    orrery: { trackingStore: { down: './tracking.js' } },
    files: { 'tracking.js': trackingStoreModule(['down'], { failCreate: true }) },
  });
});
afterEach(() => tmp.cleanup());

describe('createOrreryContainer', () => {
  it('registers config, logger, registry and the opened stores in a child container, and disposes them', async () => {
    const c = await createOrreryContainer({ cwd: tmp.dir, env: {}, trackingUri: 'box://main' });
    expect(c).not.toBe(globalContainer);
    expect(isRegistered(globalContainer, OrreryTokens.trackingStore)).toBe(false);

    const config = resolve(c, OrreryTokens.config);
    expect(config).toEqual({
      trackingUri: 'box://main',
      registryUri: 'box://main',
      defaultArtifactRoot: pathToFileURL(path.join(tmp.dir, 'orrery-artifacts')).href,
      cwd: tmp.dir,
    });
    expect(resolve(c, OrreryTokens.trackingStore)).toMatchObject({ uri: 'box://main', defaultArtifactRoot: config.defaultArtifactRoot });
    const registryStore = await resolve(c, OrreryTokens.modelRegistryStore)();
    expect(registryStore).toMatchObject({ uri: 'box://main' });
    expect(await resolve(c, OrreryTokens.modelRegistryStore)()).toBe(registryStore);
    expect(resolve(c, OrreryTokens.pluginRegistry).list().map((e) => e.packageName)).toContain('orrery-plugin-box');
    expect(typeof resolve(c, OrreryTokens.logger).info).toBe('function');
    expect(typeof resolve(c, OrreryTokens.artifactRepositoryFactory)).toBe('function');

    await disposeContainer(c);
    expect(closed()).toEqual(['registry:box://main', 'tracking:box://main']);
  });

  it('opens an auth store once per URI and closes it on dispose', async () => {
    const c = await createOrreryContainer({ cwd: tmp.dir, env: {}, trackingUri: 'box://main' });
    const openAuth = resolve(c, OrreryTokens.authStoreFactory);
    const auth = await openAuth('box://auth');
    expect(auth).toMatchObject({ uri: 'box://auth' });
    expect(await openAuth('box://auth')).toBe(auth);
    await expect(openAuth('nobox://auth')).rejects.toThrow(/No auth store plugin is installed for scheme "nobox"/);
    await disposeContainer(c);
    expect(closed()).toEqual(['auth:box://auth', 'tracking:box://main']);
  });

  it('resolves URIs through the environment chain and uses a given registry', async () => {
    const registry = await discoverPlugins({ cwd: tmp.dir, env: {}, scanCoreLocation: false });
    const c = await createOrreryContainer({
      cwd: tmp.dir,
      env: { ORRERY_TRACKING_URI: 'box://from-env', ORRERY_REGISTRY_URI: 'box://registry' },
      registry,
      defaultArtifactRoot: 's3://bucket/root',
    });
    expect(resolve(c, OrreryTokens.pluginRegistry)).toBe(registry);
    expect(resolve(c, OrreryTokens.trackingStore)).toMatchObject({ uri: 'box://from-env', defaultArtifactRoot: 's3://bucket/root' });
    await expect(resolve(c, OrreryTokens.modelRegistryStore)()).resolves.toMatchObject({ uri: 'box://registry' });
    await disposeContainer(c);
  });

  it('without a registry plugin for the scheme, only opening the registry store fails, with the known schemes', async () => {
    const c = await createOrreryContainer({ cwd: tmp.dir, env: {}, trackingUri: 'nobox://x' });
    expect(resolve(c, OrreryTokens.trackingStore)).toMatchObject({ uri: 'nobox://x' });
    await expect(resolve(c, OrreryTokens.modelRegistryStore)()).rejects.toThrow(/No model registry store plugin is installed for scheme "nobox". Known schemes: box/);
    await disposeContainer(c);
    expect(closed()).toEqual(['tracking:nobox://x']);
  });

  it('a tracking store that fails to open fails the creation; a registry store that fails to open fails its opener and is retried', async () => {
    await expect(createOrreryContainer({ cwd: tmp.dir, env: {}, trackingUri: 'down://x' })).rejects.toThrow(/orrery-plugin-down failed to open down:\/\/x/);
    const c = await createOrreryContainer({
      cwd: tmp.dir,
      env: {},
      trackingUri: 'box://ok',
      registryUri: 'down://r',
      plugins: { explicit: { modelRegistryStore: { down: './node_modules/orrery-plugin-down/tracking.js' } } },
    });
    await expect(resolve(c, OrreryTokens.modelRegistryStore)()).rejects.toThrow(/declared as a modelRegistryStore/);
    await expect(resolve(c, OrreryTokens.modelRegistryStore)()).rejects.toThrow(/declared as a modelRegistryStore/);
    await disposeContainer(c);
    expect(closed()).toEqual(['tracking:box://ok']);
  });

  it('refuses a default artifact root carrying a password before opening anything, showing it masked', async () => {
    const failure = createOrreryContainer({ cwd: tmp.dir, env: {}, trackingUri: 'box://main', defaultArtifactRoot: 'ftp://u:pw1@host/root' });
    await expect(failure).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(failure).rejects.toThrow(/^Invalid defaultArtifactRoot 'ftp:\/\/u:\*\*\*@host\/root'/);
    await expect(failure).rejects.not.toThrow(/pw1/);
    expect(closed()).toEqual([]);
  });
});
