/**
 * Explicit plugin configuration: `kind -> scheme, host pattern or name -> module`, from the
 * `explicit` option of `discoverPlugins` and from the `ORRERY_PLUGINS` environment variable (JSON of
 * the same shape). An explicit entry replaces whatever discovery found for the same key, and is how
 * a user settles two packages claiming one scheme or host pattern.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '../errors/orrery-error.js';
import type { PluginKind } from './definitions.js';
import { declaredPluginKindIds } from './plugin-kind.js';
import { nodeModulesChain, type PluginPackage } from './package-scan.js';
import { normalizeClaimKey } from './uri-claims.js';

/** What an explicit entry resolved to. */
export interface ExplicitPlugin {
  kind: PluginKind;
  key: string;
  /** The value as configured (for messages). */
  specifier: string;
  /** Where it was configured: `explicit option` or `ORRERY_PLUGINS`. */
  source: string;
  modulePath: string;
  packageName: string;
  packageVersion: string;
}

export type ExplicitConfig = Partial<Record<string, Record<string, string>>>;

/** Reads `ORRERY_PLUGINS`; an unparsable value is an error, not ignored. */
export function explicitFromEnv(env: NodeJS.ProcessEnv): ExplicitConfig | undefined {
  const raw = env.ORRERY_PLUGINS;
  if (raw === undefined || raw.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw errors.invalidParameter(`ORRERY_PLUGINS must be JSON of the form {"<kind>": {"<scheme or name>": "<module>"}}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw errors.invalidParameter('ORRERY_PLUGINS must be a JSON object of the form {"<kind>": {"<scheme or name>": "<module>"}}');
  }
  return parsed as ExplicitConfig;
}

const BARE_SPECIFIER = /^(@[^/]+\/[^/]+|[^@/][^/]*)(?:\/(.+))?$/;

function nearestPackage(file: string): { name: string; version: string } | undefined {
  let dir = path.dirname(file);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
        return {
          name: typeof json.name === 'string' ? json.name : path.basename(dir),
          version: typeof json.version === 'string' ? json.version : '0.0.0',
        };
      } catch {
        return undefined;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readManifest(root: string): { name: string; version: string; orrery: unknown } {
  const json = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  return {
    name: typeof json.name === 'string' ? json.name : path.basename(root),
    version: typeof json.version === 'string' ? json.version : '0.0.0',
    orrery: json.orrery,
  };
}

/**
 * Resolves every explicit entry now, so a typo fails at start-up with a message naming the entry
 * rather than when the scheme is first used.
 */
export function resolveExplicit(
  config: ExplicitConfig,
  source: string,
  cwd: string,
  discovered: readonly PluginPackage[],
): ExplicitPlugin[] {
  const result: ExplicitPlugin[] = [];
  for (const [kind, entries] of Object.entries(config)) {
    if (entries === undefined) continue;
    if (!declaredPluginKindIds().includes(kind)) {
      throw errors.invalidParameter(`${source}: unknown plugin kind "${kind}" (known: ${declaredPluginKindIds().join(', ')})`);
    }
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw errors.invalidParameter(`${source}: "${kind}" must be an object of scheme or name -> module`);
    }
    for (const [rawKey, specifier] of Object.entries(entries)) {
      const normalized = normalizeClaimKey(kind as PluginKind, rawKey);
      if ('error' in normalized) throw errors.invalidParameter(`${source} ${kind}.${rawKey} is not a valid claim: ${normalized.error}`);
      const key = normalized.key;
      const where = `${source} ${kind}.${key}`;
      if (typeof specifier !== 'string' || specifier.trim() === '') {
        throw errors.invalidParameter(`${where} must be a module path or package name, got ${JSON.stringify(specifier)}`);
      }
      result.push({ kind: kind as PluginKind, key, specifier, source, ...resolveOne(kind as PluginKind, key, specifier, where, cwd, discovered) });
    }
  }
  return result;
}

/** A declared key in canonical form; a malformed one is kept as written (discovery reports it). */
function claimKeyOrRaw(kind: PluginKind, raw: string): string {
  const normalized = normalizeClaimKey(kind, raw);
  return 'error' in normalized ? raw : normalized.key;
}

function resolveOne(
  kind: PluginKind,
  key: string,
  specifier: string,
  where: string,
  cwd: string,
  discovered: readonly PluginPackage[],
): { modulePath: string; packageName: string; packageVersion: string } {
  const isPath = specifier.startsWith('file:') || path.isAbsolute(specifier) || specifier.startsWith('./') || specifier.startsWith('../');
  if (isPath) {
    const file = specifier.startsWith('file:') ? fileURLToPath(specifier) : path.resolve(cwd, specifier);
    if (!existsSync(file)) throw errors.invalidParameter(`${where} = "${specifier}": no file at ${file}`);
    const pkg = nearestPackage(file);
    return { modulePath: file, packageName: pkg?.name ?? file, packageVersion: pkg?.version ?? '0.0.0' };
  }
  const match = BARE_SPECIFIER.exec(specifier);
  if (!match) throw errors.invalidParameter(`${where} = "${specifier}" is neither a path nor a package name`);
  const name = match[1]!;
  const subpath = match[2];
  const root =
    discovered.find((p) => p.name === name)?.root ??
    nodeModulesChain(cwd)
      .map((dir) => path.join(dir, name))
      .find((dir) => existsSync(path.join(dir, 'package.json')));
  if (root === undefined) {
    throw errors.invalidParameter(`${where} = "${specifier}": package ${name} is not installed (looked in node_modules from ${cwd} upwards)`);
  }
  const manifest = readManifest(root);
  if (subpath !== undefined) {
    const file = path.resolve(root, subpath);
    if (path.relative(root, file).startsWith('..')) throw errors.invalidParameter(`${where} = "${specifier}" points outside package ${name}`);
    if (!existsSync(file)) throw errors.invalidParameter(`${where} = "${specifier}": no file ${subpath} in package ${name} (${root})`);
    return { modulePath: file, packageName: manifest.name, packageVersion: manifest.version };
  }
  // A bare package name picks what that package declares for this kind and scheme.
  const declared = (manifest.orrery as Record<string, Record<string, unknown>> | undefined)?.[kind];
  const entry = declared ? Object.entries(declared).find(([k]) => claimKeyOrRaw(kind, k) === key)?.[1] : undefined;
  if (typeof entry !== 'string') {
    throw errors.invalidParameter(`${where} = "${specifier}": package ${name} declares no ${kind} "${key}" in its package.json "orrery" field`);
  }
  return { modulePath: path.resolve(root, entry), packageName: manifest.name, packageVersion: manifest.version };
}
