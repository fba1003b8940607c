/**
 * Builds throwaway node_modules trees with plugin packages (plain JS modules on disk), so discovery
 * runs against real folders, symlinks and imports.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface FixturePackage {
  name: string;
  version?: string;
  orrery?: unknown;
  /** Files relative to the package root. */
  files?: Record<string, string>;
}

export function makeTempDir(prefix = 'orrery-plugins-'): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a package folder at `root` (not inside node_modules by itself). */
export function writePackageAt(root: string, pkg: FixturePackage): string {
  mkdirSync(root, { recursive: true });
  const manifest: Record<string, unknown> = { name: pkg.name, version: pkg.version ?? '1.0.0', type: 'module' };
  if (pkg.orrery !== undefined) manifest.orrery = pkg.orrery;
  writeFileSync(path.join(root, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const [file, content] of Object.entries(pkg.files ?? {})) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

/** Writes a package into `<dir>/node_modules/<name>`. */
export function installPackage(dir: string, pkg: FixturePackage): string {
  return writePackageAt(path.join(dir, 'node_modules', pkg.name), pkg);
}

/** Links `<dir>/node_modules/<name>` to an existing folder (as pnpm does). */
export function linkPackage(dir: string, name: string, target: string): void {
  const link = path.join(dir, 'node_modules', name);
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(target, link, 'dir');
}

/**
 * A module default-exporting an artifact repository definition that records what it was given.
 * Its claims (schemes and host patterns) must be those its package.json gives it: discovery
 * compares them.
 */
export function artifactRepositoryModule(schemes: string[], tag: string, hostPatterns: string[] = []): string {
  return `
globalThis.__orreryFixtureImports = (globalThis.__orreryFixtureImports ?? 0) + 1;
export default {
  kind: 'artifactRepository',
  apiVersion: 1,
  schemes: ${JSON.stringify(schemes)},
  hostPatterns: ${JSON.stringify(hostPatterns)},
  async create(context) {
    return { rootUri: context.uri, tag: ${JSON.stringify(tag)} };
  },
};
`;
}

/** A tracking store definition whose store records closes in `globalThis.__orreryFixtureClosed`. */
export function trackingStoreModule(schemes: string[], options: { migrate?: boolean; failCreate?: boolean; hostPatterns?: string[] } = {}): string {
  return `
export default {
  kind: 'trackingStore',
  apiVersion: 1,
  schemes: ${JSON.stringify(schemes)},
  hostPatterns: ${JSON.stringify(options.hostPatterns ?? [])},
  async create(context) {
    ${options.failCreate ? "throw new Error('cannot connect to ' + context.uri);" : ''}
    return {
      uri: context.uri,
      defaultArtifactRoot: context.defaultArtifactRoot,
      async close() { (globalThis.__orreryFixtureClosed ??= []).push('tracking:' + context.uri); },
    };
  },
  ${options.migrate ? "async migrate(context) { return { fromVersion: 0, toVersion: 3, applied: ['1', '2', '3:' + context.uri] }; }," : ''}
};
`;
}

export function registryStoreModule(schemes: string[]): string {
  return `
export default {
  kind: 'modelRegistryStore',
  apiVersion: 1,
  schemes: ${JSON.stringify(schemes)},
  async create(context) {
    return { uri: context.uri, async close() { (globalThis.__orreryFixtureClosed ??= []).push('registry:' + context.uri); } };
  },
};
`;
}

/** An auth store definition whose store records closes, with an optional migrate that reports the URI. */
export function authStoreModule(schemes: string[], options: { migrate?: boolean } = {}): string {
  return `
export default {
  kind: 'authStore',
  apiVersion: 1,
  schemes: ${JSON.stringify(schemes)},
  async create(context) {
    return { uri: context.uri, async close() { (globalThis.__orreryFixtureClosed ??= []).push('auth:' + context.uri); } };
  },
  ${options.migrate ? "async migrate(context) { return { fromVersion: 0, toVersion: 1, applied: ['1: auth ' + context.uri] }; }," : ''}
};
`;
}

export function runContextProviderModule(name: string, tags: Record<string, string>, options: { failCreate?: boolean } = {}): string {
  return `
export default {
  kind: 'runContextProvider',
  apiVersion: 1,
  name: ${JSON.stringify(name)},
  create() {
    ${options.failCreate ? `throw new Error('provider ${name} cannot start');` : ''}
    return { name: ${JSON.stringify(name)}, inContext: () => true, tags: () => (${JSON.stringify(tags)}) };
  },
};
`;
}
