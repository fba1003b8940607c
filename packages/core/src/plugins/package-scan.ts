/**
 * Finds installed packages that declare Orrery plugins, by reading their package.json `"orrery"`
 * field. Nothing is imported here: a plugin's code runs only when its scheme is first used.
 */
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginKind } from './definitions.js';
import { declaredPluginKindIds } from './plugin-kind.js';
import { normalizeClaimKey } from './uri-claims.js';

/** One entry of an `"orrery"` field: a kind, the scheme, host pattern or name it serves, and its module. */
export interface DeclaredPlugin {
  kind: PluginKind;
  /**
   * Scheme or `<scheme>://<host pattern>` (stores, repositories) or name (run-context providers,
   * project backends), in canonical form (lower case).
   */
  key: string;
  /** Absolute path of the module. */
  modulePath: string;
}

/** An installed package with an `"orrery"` field. */
export interface PluginPackage {
  name: string;
  version: string;
  /** Real path of the package root (symlinks resolved), used to deduplicate. */
  root: string;
  /** Whether it was found through `builtinPackages` (a default plugin of the client or CLI). */
  builtin: boolean;
  declared: DeclaredPlugin[];
}

/** Something wrong with an installed package's `"orrery"` field; reported, never skipped silently. */
export interface PluginProblem {
  packageName: string;
  packageRoot?: string;
  message: string;
}

/** Packages to resolve from a given location (e.g. the client's defaults, from the client's own file). */
export interface BuiltinPackages {
  /** A file URL or path inside the package whose dependencies these are (e.g. `import.meta.url`). */
  from: string | URL;
  names: readonly string[];
}

export interface ScanResult {
  packages: PluginPackage[];
  problems: PluginProblem[];
}

function toPath(location: string | URL): string {
  if (location instanceof URL) return fileURLToPath(location);
  return location.startsWith('file:') ? fileURLToPath(location) : location;
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `dir/node_modules` for `dir` and each of its parents, nearest first. */
export function nodeModulesChain(dir: string): string[] {
  const result: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    if (path.basename(current) !== 'node_modules') result.push(path.join(current, 'node_modules'));
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return result;
}

/**
 * The folders Node would search for a bare specifier imported from `location`. For a package
 * installed by pnpm this includes its `.pnpm/<pkg>/node_modules` folder, where its dependencies
 * are siblings.
 */
export function resolutionDirs(location: string | URL): string[] {
  const file = toPath(location);
  const real = realpathOrUndefined(file) ?? file;
  // Like Node's lookup, minus NODE_PATH and global folders (ESM ignores those too).
  return nodeModulesChain(path.dirname(real));
}

/** The package a file belongs to: the nearest folder above it with a package.json. */
function enclosingPackage(file: string): { name: string; root: string } | undefined {
  let dir = path.dirname(realpathOrUndefined(file) ?? file);
  for (;;) {
    try {
      const manifest = readJson(path.join(dir, 'package.json'));
      return isRecord(manifest) && typeof manifest.name === 'string' ? { name: manifest.name, root: dir } : undefined;
    } catch {
      // no package.json here: keep going up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Lists package folders in one node_modules folder: `name` and `@scope/name`. */
function packageDirsIn(nodeModules: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const entry of entries.sort()) {
    if (entry.startsWith('.')) continue;
    const full = path.join(nodeModules, entry);
    if (entry.startsWith('@')) {
      let scoped: string[];
      try {
        scoped = readdirSync(full);
      } catch {
        continue;
      }
      for (const name of scoped.sort()) if (!name.startsWith('.')) dirs.push(path.join(full, name));
    } else {
      dirs.push(full);
    }
  }
  return dirs;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a package's `"orrery"` field. Unknown kinds, non-string module paths and module paths
 * leaving the package root become problems (the rest of the package still counts).
 */
export function parseOrreryField(
  name: string,
  root: string,
  field: unknown,
): { declared: DeclaredPlugin[]; problems: PluginProblem[] } {
  const declared: DeclaredPlugin[] = [];
  const problems: PluginProblem[] = [];
  const problem = (message: string) => problems.push({ packageName: name, packageRoot: root, message });
  if (!isRecord(field)) {
    problem(`package ${name}: the "orrery" field of package.json must be an object of kind -> scheme (or host pattern, or name) -> module path`);
    return { declared, problems };
  }
  for (const [kind, entries] of Object.entries(field)) {
    if (!declaredPluginKindIds().includes(kind)) {
      problem(`package ${name}: unknown plugin kind "${kind}" in package.json "orrery" (known: ${declaredPluginKindIds().join(', ')})`);
      continue;
    }
    if (!isRecord(entries)) {
      problem(`package ${name}: "orrery.${kind}" must be an object of scheme or name -> module path`);
      continue;
    }
    for (const [key, modulePath] of Object.entries(entries)) {
      if (typeof modulePath !== 'string' || modulePath === '') {
        problem(`package ${name}: "orrery.${kind}.${key}" must be a module path string`);
        continue;
      }
      const absolute = path.resolve(root, modulePath);
      const relative = path.relative(root, absolute);
      if (relative.startsWith('..') || path.isAbsolute(relative)) {
        problem(`package ${name}: "orrery.${kind}.${key}" = "${modulePath}" points outside the package`);
        continue;
      }
      const normalized = normalizeClaimKey(kind as PluginKind, key);
      if ('error' in normalized) {
        problem(`package ${name}: "orrery.${kind}.${key}" is not a valid claim: ${normalized.error}`);
        continue;
      }
      declared.push({ kind: kind as PluginKind, key: normalized.key, modulePath: absolute });
    }
  }
  return { declared, problems };
}

/** Collects plugin packages, deduplicating by real path and, like Node, letting the nearest copy of a name win. */
export class PackageCollector {
  readonly packages: PluginPackage[] = [];
  readonly problems: PluginProblem[] = [];
  private readonly seenRoots = new Set<string>();
  private readonly seenNames = new Set<string>();
  private readonly scannedDirs = new Set<string>();

  /** Reads one package folder; returns whether it is a plugin package. */
  addPackageDir(dir: string, builtin: boolean): boolean {
    const root = realpathOrUndefined(dir);
    if (root === undefined || this.seenRoots.has(root)) return false;
    this.seenRoots.add(root);
    let manifest: unknown;
    try {
      manifest = readJson(path.join(root, 'package.json'));
    } catch (error) {
      // A folder without package.json is not a package; an unreadable one is worth reporting.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      this.problems.push({ packageName: path.basename(dir), packageRoot: root, message: `cannot read ${path.join(root, 'package.json')}: ${(error as Error).message}` });
      return false;
    }
    if (!isRecord(manifest) || manifest.orrery === undefined) return false;
    const name = typeof manifest.name === 'string' ? manifest.name : path.basename(root);
    const version = typeof manifest.version === 'string' ? manifest.version : '0.0.0';
    if (this.seenNames.has(name)) return false;
    this.seenNames.add(name);
    const { declared, problems } = parseOrreryField(name, root, manifest.orrery);
    this.problems.push(...problems);
    this.packages.push({ name, version, root, builtin, declared });
    return true;
  }

  /** Reads every package of one node_modules folder (top level and `@scope/*`). */
  scanNodeModules(nodeModules: string): void {
    const real = realpathOrUndefined(nodeModules);
    if (real === undefined || this.scannedDirs.has(real) || !isDirectory(real)) return;
    this.scannedDirs.add(real);
    for (const dir of packageDirsIn(nodeModules)) this.addPackageDir(dir, false);
  }

  /** Finds each named package where Node would find it from `from`. */
  addBuiltins(builtins: BuiltinPackages): void {
    const dirs = resolutionDirs(builtins.from);
    const own = enclosingPackage(toPath(builtins.from));
    for (const name of builtins.names) {
      const known = this.packages.find((p) => p.name === name);
      if (known) {
        known.builtin = true;
        continue;
      }
      // A package may list itself (Node lets a package import itself by name too).
      if (own !== undefined && own.name === name) {
        this.addPackageDir(own.root, true);
        continue;
      }
      const found = dirs.map((d) => path.join(d, name)).find((d) => isDirectory(d));
      if (found === undefined) {
        this.problems.push({
          packageName: name,
          message: `default plugin package ${name} is not installed (looked in node_modules reachable from ${toPath(builtins.from)})`,
        });
        continue;
      }
      this.addPackageDir(found, true);
    }
  }
}
