/**
 * Claims of a scheme for some hosts only (`https://*.blob.core.windows.net`) next to claims of the
 * bare scheme (`https`): the pure matching rules, and how discovery picks a plugin for a URI.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bestHostClaim,
  createOrreryContainer,
  defineArtifactRepository,
  discoverPlugins,
  disposeContainer,
  hostClaimMatches,
  hostOfUri,
  isOrreryError,
  OrreryTokens,
  parseHostClaim,
  resolve,
  type DiscoverOptions,
  type HostClaim,
} from '@orrery/core';
import { artifactRepositoryModule, installPackage, makeTempDir, trackingStoreModule, writePackageAt } from './fixture-packages.js';

function claim(key: string): HostClaim {
  const parsed = parseHostClaim(key);
  if ('error' in parsed) throw new Error(`${key}: ${parsed.error}`);
  return parsed;
}

describe('host claims', () => {
  it('parse to a canonical lower-case key', () => {
    expect(parseHostClaim('HTTPS://*.Blob.Core.Windows.NET/')).toEqual({
      key: 'https://*.blob.core.windows.net',
      scheme: 'https',
      host: 'blob.core.windows.net',
      wildcard: true,
    });
    expect(parseHostClaim('https://storage.example.com')).toEqual({ key: 'https://storage.example.com', scheme: 'https', host: 'storage.example.com', wildcard: false });
  });

  it.each([
    ['https://*.blob.core.windows.net:443', 'no port'],
    ['https://*.blob.core.windows.net/container', 'no port, path'],
    ['https://user@host.example', 'credentials'],
    ['https://a.*.example.com', 'leading "*."'],
    ['https://*example.com', 'leading "*."'],
    ['https://*.com', 'at least two labels'],
    ['https://', 'not a host name'],
    ['https://exa mple.com', 'not a host name'],
    ['https://bücher.example', 'punycode'],
    ['1https://host.example', 'scheme'],
  ])('refuse %s, saying why', (key, reason) => {
    const parsed = parseHostClaim(key);
    expect('error' in parsed && parsed.error).toContain(reason);
  });

  it('a wildcard matches one or more labels in front of its domain, never the bare domain', () => {
    const azure = claim('https://*.blob.core.windows.net');
    expect(hostClaimMatches(azure, 'acct.blob.core.windows.net')).toBe(true);
    expect(hostClaimMatches(azure, 'a.b.blob.core.windows.net')).toBe(true);
    expect(hostClaimMatches(azure, 'blob.core.windows.net')).toBe(false);
    expect(hostClaimMatches(azure, 'acctblob.core.windows.net')).toBe(false);
    expect(hostClaimMatches(azure, 'acct.blob.core.windows.net.evil.example')).toBe(false);
    const exact = claim('https://storage.example.com');
    expect(hostClaimMatches(exact, 'storage.example.com')).toBe(true);
    expect(hostClaimMatches(exact, 'a.storage.example.com')).toBe(false);
  });

  it('takes the host of a URI in lower case, without credentials, port or trailing dot', () => {
    expect(hostOfUri('https://user:pw@ACCT.Blob.Core.Windows.Net.:8443/c/x')).toBe('acct.blob.core.windows.net');
    expect(hostOfUri('wasbs://container@Acct.blob.core.windows.net/x')).toBe('acct.blob.core.windows.net');
    expect(hostOfUri('sqlite:///tmp/x.db')).toBeUndefined();
    expect(hostOfUri('/plain/path')).toBeUndefined();
  });

  it('the most specific claim wins: an exact host over a wildcard, a longer domain over a shorter one', () => {
    const claims = ['https://*.example.com', 'https://*.blob.example.com', 'https://special.blob.example.com', 'http://*.blob.example.com'].map(claim);
    expect(bestHostClaim(claims, 'https', 'special.blob.example.com')?.key).toBe('https://special.blob.example.com');
    expect(bestHostClaim(claims, 'https', 'other.blob.example.com')?.key).toBe('https://*.blob.example.com');
    expect(bestHostClaim(claims, 'https', 'www.example.com')?.key).toBe('https://*.example.com');
    expect(bestHostClaim(claims, 'http', 'www.example.com')).toBeUndefined();
    expect(bestHostClaim(claims, 'https', 'example.org')).toBeUndefined();
  });

  it('defineArtifactRepository keeps host patterns canonical and refuses a malformed one', () => {
    const definition = defineArtifactRepository({ schemes: [], hostPatterns: ['HTTPS://*.Blob.Example.com'], create: () => Promise.reject(new Error('unused')) });
    expect(definition.hostPatterns).toEqual(['https://*.blob.example.com']);
    expect(() => defineArtifactRepository({ schemes: [], hostPatterns: ['https://*.com'], create: () => Promise.reject(new Error('unused')) })).toThrow(
      /Invalid host pattern "https:\/\/\*\.com" in a plugin definition: "\*\." must be followed by a domain of at least two labels/,
    );
  });
});

describe('discovery with host claims', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    tmp = makeTempDir();
    // A REST-like package claims the bare scheme; a blob-like package claims it for its hosts only.
    installPackage(tmp.dir, {
      name: 'orrery-plugin-rest',
      orrery: { artifactRepository: { http: './repo.js', https: './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule(['http', 'https'], 'rest') },
    });
    installPackage(tmp.dir, {
      name: 'orrery-plugin-blob',
      orrery: {
        artifactRepository: {
          blobs: './repo.js',
          'HTTPS://*.Blob.Example.com': './repo.js',
          'https://*.blob.example.org': './repo.js',
        },
      },
      files: { 'repo.js': artifactRepositoryModule(['blobs'], 'blob', ['https://*.blob.example.com', 'https://*.blob.example.org']) },
    });
  });
  afterEach(() => tmp.cleanup());

  function discover(options: DiscoverOptions = {}) {
    return discoverPlugins({ cwd: tmp.dir, env: {}, scanCoreLocation: false, ...options });
  }

  async function tagOf(promise: Promise<unknown>): Promise<string> {
    return ((await promise) as { tag: string }).tag;
  }

  it('a matching host claim beats the bare scheme; any other host falls back to the scheme', async () => {
    const registry = await discover();
    expect(registry.problems()).toEqual([]);
    expect(await tagOf(registry.openArtifactRepository('https://acct.blob.example.com/container/run/artifacts'))).toBe('blob');
    expect(await tagOf(registry.openArtifactRepository('https://acct.blob.example.org/container'))).toBe('blob');
    expect(await tagOf(registry.openArtifactRepository('https://server.example.com/api/2.0/mlflow-artifacts/artifacts/1'))).toBe('rest');
    // The claim is for https only.
    expect(await tagOf(registry.openArtifactRepository('http://acct.blob.example.com/container'))).toBe('rest');
    expect(registry.findPluginForUri('artifactRepository', 'https://acct.blob.example.com/c')).toMatchObject({ packageName: 'orrery-plugin-blob' });
    expect(registry.findPluginForUri('artifactRepository', 'https://example.net/c')).toMatchObject({ packageName: 'orrery-plugin-rest' });
  });

  it('matches hosts case-insensitively', async () => {
    const registry = await discover();
    expect(await tagOf(registry.openArtifactRepository('HTTPS://Acct.BLOB.Example.COM/container/x'))).toBe('blob');
    expect(registry.findPlugin('artifactRepository', 'https://*.BLOB.example.com')).toMatchObject({ packageName: 'orrery-plugin-blob' });
  });

  it('"*." does not match the bare domain, nor a host merely ending with it', async () => {
    const registry = await discover();
    expect(await tagOf(registry.openArtifactRepository('https://blob.example.com/container'))).toBe('rest');
    expect(await tagOf(registry.openArtifactRepository('https://evilblob.example.com/container'))).toBe('rest');
    expect(await tagOf(registry.openArtifactRepository('https://a.b.blob.example.com/container'))).toBe('blob');
  });

  it('lists host patterns apart from schemes', async () => {
    const registry = await discover();
    expect(registry.list().find((e) => e.packageName === 'orrery-plugin-blob')).toMatchObject({
      schemes: ['blobs'],
      hostPatterns: ['https://*.blob.example.com', 'https://*.blob.example.org'],
    });
    expect(registry.list().find((e) => e.packageName === 'orrery-plugin-rest')).toMatchObject({ schemes: ['http', 'https'], hostPatterns: [] });
    expect(registry.knownKeys('artifactRepository')).toEqual(['blobs', 'http', 'https', 'https://*.blob.example.com', 'https://*.blob.example.org']);
  });

  it('two packages claiming one host pattern is the double-claim error, settled by explicit configuration', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-blob-fork',
      orrery: { artifactRepository: { 'https://*.blob.example.com': './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule([], 'fork', ['https://*.blob.example.com']) },
    });
    const registry = await discover();
    const error = await registry.openArtifactRepository('https://acct.blob.example.com/c').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isOrreryError(error) && error.code).toBe('INVALID_STATE');
    expect(error?.message).toContain('"https://*.blob.example.com": orrery-plugin-blob@1.0.0 and orrery-plugin-blob-fork@1.0.0');
    expect(error?.message).toContain(`ORRERY_PLUGINS='{"artifactRepository":{"https://*.blob.example.com":"orrery-plugin-blob"}}'`);
    // Other hosts of the scheme are unaffected.
    expect(await tagOf(registry.openArtifactRepository('https://example.net/c'))).toBe('rest');
    // The other blob domain is claimed by one package only.
    expect(await tagOf(registry.openArtifactRepository('https://acct.blob.example.org/c'))).toBe('blob');

    const picked = await discover({ env: { ORRERY_PLUGINS: JSON.stringify({ artifactRepository: { 'https://*.BLOB.example.com': 'orrery-plugin-blob-fork' } }) } });
    expect(await tagOf(picked.openArtifactRepository('https://acct.blob.example.com/c'))).toBe('fork');
    expect(picked.findPluginForUri('artifactRepository', 'https://acct.blob.example.com/c')).toMatchObject({ packageName: 'orrery-plugin-blob-fork', explicit: true });
  });

  it('different patterns covering one host are not a conflict: the most specific wins', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-special',
      orrery: { artifactRepository: { 'https://special.blob.example.com': './repo.js', 'https://*.example.com': './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule([], 'special', ['https://special.blob.example.com', 'https://*.example.com']) },
    });
    const registry = await discover();
    expect(await tagOf(registry.openArtifactRepository('https://special.blob.example.com/c'))).toBe('special');
    expect(await tagOf(registry.openArtifactRepository('https://other.blob.example.com/c'))).toBe('blob');
    expect(await tagOf(registry.openArtifactRepository('https://www.example.com/c'))).toBe('special');
  });

  it('explicit configuration replaces discovery per key, host patterns included', async () => {
    writePackageAt(`${tmp.dir}/local-plugin`, { name: 'local-plugin', files: { 'repo.js': artifactRepositoryModule([], 'by-path') } });
    // An explicit bare scheme does not take the hosts another package claims...
    const scheme = await discover({ explicit: { artifactRepository: { https: './local-plugin/repo.js' } } });
    expect(await tagOf(scheme.openArtifactRepository('https://server.example.net/c'))).toBe('by-path');
    expect(await tagOf(scheme.openArtifactRepository('https://acct.blob.example.com/c'))).toBe('blob');
    // ...an explicit host pattern does, and may name a host no package claims.
    const hosts = await discover({
      explicit: { artifactRepository: { 'https://*.blob.example.com': './local-plugin/repo.js', 'https://files.example.net': './local-plugin/repo.js' } },
    });
    expect(await tagOf(hosts.openArtifactRepository('https://acct.blob.example.com/c'))).toBe('by-path');
    expect(await tagOf(hosts.openArtifactRepository('https://files.example.net/c'))).toBe('by-path');
    expect(await tagOf(hosts.openArtifactRepository('https://acct.blob.example.org/c'))).toBe('blob');
    // A package name picks what that package declares for the host pattern.
    const byName = await discover({ explicit: { artifactRepository: { 'https://*.blob.example.org': 'orrery-plugin-blob' } } });
    expect(byName.findPlugin('artifactRepository', 'https://*.blob.example.org')).toMatchObject({ packageName: 'orrery-plugin-blob' });
    expect(await tagOf(byName.openArtifactRepository('https://acct.blob.example.org/c'))).toBe('blob');
    await expect(discover({ explicit: { artifactRepository: { 'https://*.blob.example.net': 'orrery-plugin-blob' } } })).rejects.toThrow(
      /package orrery-plugin-blob declares no artifactRepository "https:\/\/\*\.blob\.example\.net"/,
    );
  });

  it('reports malformed host claims as problems, naming the package and the rule, and keeps the rest', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-sloppy',
      orrery: {
        artifactRepository: { 'https://*.com': './repo.js', 'https://host.example:8443': './repo.js', fine: './repo.js' },
        runContextProvider: { 'https://*.example.com': './repo.js' },
      },
      files: { 'repo.js': artifactRepositoryModule(['fine'], 'sloppy') },
    });
    const registry = await discover();
    const messages = registry.problems().map((p) => p.message);
    expect(messages).toContainEqual(expect.stringMatching(/orrery-plugin-sloppy: "orrery\.artifactRepository\.https:\/\/\*\.com" is not a valid claim: .*at least two labels/));
    expect(messages).toContainEqual(expect.stringMatching(/"orrery\.artifactRepository\.https:\/\/host\.example:8443" is not a valid claim: .*no port/));
    expect(messages).toContainEqual(expect.stringMatching(/"orrery\.runContextProvider\.https:\/\/\*\.example\.com" is not a valid claim: runContextProvider plugins are chosen by name/));
    expect(await tagOf(registry.openArtifactRepository('fine://x'))).toBe('sloppy');
    await expect(discover({ explicit: { artifactRepository: { 'https://a.*.example.com': './x.js' } } })).rejects.toThrow(
      /explicit plugin configuration artifactRepository\.https:\/\/a\.\*\.example\.com is not a valid claim/,
    );
  });

  it('a scheme claimed only for some hosts says so for any other host', async () => {
    // Without a package claiming the bare scheme, only the blob hosts of https are served.
    const other = makeTempDir();
    installPackage(other.dir, {
      name: 'orrery-plugin-blob',
      orrery: { artifactRepository: { 'https://*.blob.example.com': './repo.js' } },
      files: { 'repo.js': artifactRepositoryModule([], 'blob', ['https://*.blob.example.com']) },
    });
    const only = await discover({ cwd: other.dir });
    const error = await only.openArtifactRepository('https://user:s3cret@example.net/c').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    other.cleanup();
    expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error?.message).toContain('No artifact repository plugin is installed for scheme "https"');
    expect(error?.message).toContain('Known schemes: (none).');
    expect(error?.message).toContain('"https" is served only for hosts matching https://*.blob.example.com, and host "example.net" matches none of them.');
    expect(error?.message).not.toContain('s3cret');
    expect(only.findPluginForUri('artifactRepository', 'https://example.net/c')).toBeUndefined();

    // A well-known host names the package that serves it.
    const azure = await only.openArtifactRepository('https://acct.blob.core.windows.net/c').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(azure?.message).toContain('Install @orrery/plugin-azure-blob to use this URI.');
  });

  it('stores are chosen by host claims too, in the container and for schema upgrades', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-stores',
      orrery: { trackingStore: { db: './plain.js', 'db://*.cluster.example.com': './cluster.js' } },
      files: { 'plain.js': trackingStoreModule(['db']), 'cluster.js': trackingStoreModule([], { migrate: true, hostPatterns: ['db://*.cluster.example.com'] }) },
    });
    const registry = await discover();
    await expect(registry.upgradeDatabase('db://primary.cluster.example.com/x')).resolves.toMatchObject({ toVersion: 3 });
    await expect(registry.upgradeDatabase('db://localhost/x')).rejects.toThrow(/orrery-plugin-stores \(scheme "db"\) has no schema to upgrade/);
    const c = await createOrreryContainer({ cwd: tmp.dir, env: {}, registry, trackingUri: 'db://primary.cluster.example.com/x' });
    try {
      expect(resolve(c, OrreryTokens.trackingStore)).toMatchObject({ uri: 'db://primary.cluster.example.com/x' });
      expect(registry.findPluginForUri('trackingStore', 'db://primary.cluster.example.com/x')).toMatchObject({ hostPatterns: ['db://*.cluster.example.com'] });
      expect(registry.findPluginForUri('trackingStore', 'db://localhost/x')).toMatchObject({ schemes: ['db'] });
    } finally {
      await disposeContainer(c);
    }
  });
});
