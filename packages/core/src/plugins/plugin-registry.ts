/**
 * The plugin registry: what discovery found, and how a URI becomes a live store.
 *
 * Discovery reads the `"orrery"` field of installed packages' package.json without importing
 * them; a plugin module is imported only when its scheme (or name) is first used. A store or
 * repository claims a bare scheme (`wasbs`) or a scheme for some hosts only
 * (`https://*.blob.core.windows.net`); for a URI, a claim matching its host beats its scheme's.
 */
import { createLogger, type Logger } from '../logging/logger.js';
import type { ArtifactRepository } from '../contracts/artifact-repository.js';
import type { AuthStore } from '../contracts/auth-store.js';
import type { ModelRegistryStore } from '../contracts/model-registry-store.js';
import type { ProjectBackend } from '../contracts/project-backend.js';
import type { RunContextProvider } from '../contracts/run-context-provider.js';
import type { TrackingStore } from '../contracts/tracking-store.js';
import type { MigrationResult, PluginKind } from './definitions.js';
import { DiscoveredPluginRegistry } from './discovered-plugin-registry.js';
import { explicitFromEnv, resolveExplicit, type ExplicitConfig } from './explicit-plugins.js';
import { pluginOptionSources } from './config-file.js';
import type { PluginOptionSources } from './plugin-options.js';
import { PackageCollector, nodeModulesChain, resolutionDirs, type BuiltinPackages, type PluginProblem } from './package-scan.js';

export type { BuiltinPackages, PluginProblem } from './package-scan.js';

/** One thing one installed package provides, as declared in its package.json `"orrery"` field. */
export interface PluginEntry {
  kind: PluginKind;
  /** URI schemes for stores and repositories (served for any host). */
  schemes: string[];
  /**
   * Host-pattern claims for stores and repositories, as declared: `<scheme>://<host>` or
   * `<scheme>://*.<domain>` (e.g. `https://*.blob.core.windows.net`).
   */
  hostPatterns: string[];
  /** Name, for run-context providers and project backends. */
  name?: string;
  packageName: string;
  packageVersion: string;
  /** Absolute path of the module whose default export is the definition. */
  modulePath: string;
  /** Found through `builtinPackages` (a default plugin of the client or CLI). */
  builtin?: boolean;
  /** Comes from explicit configuration rather than discovery. */
  explicit?: boolean;
}

/**
 * A run-context provider with the package providing it. When the provider could not be created,
 * `error` says why and the provider's methods reject with it: the failure is reported here, never
 * thrown from `runContextProviders()`.
 */
export interface LoadedRunContextProvider {
  provider: RunContextProvider;
  packageName: string;
  /** The provider name declared in package.json. */
  name: string;
  error?: Error;
}

export interface PluginRegistry {
  /** Everything discovered plus everything registered explicitly. */
  list(): PluginEntry[];
  /** Opens the tracking store for a URI, loading its plugin on first use. */
  openTrackingStore(uri: string, options: { defaultArtifactRoot: string }): Promise<TrackingStore>;
  /** Opens the registry store for a URI. */
  openModelRegistryStore(uri: string): Promise<ModelRegistryStore>;
  /**
   * Opens the auth store for a URI (the basic-auth ini's `database_uri`), loading its plugin on
   * first use; the store's own migrations run on open. The caller closes it.
   */
  openAuthStore(uri: string): Promise<AuthStore>;
  /** Opens an artifact repository rooted at a URI (plain paths are `file`). */
  openArtifactRepository(uri: string, options?: { trackingUri?: string }): Promise<ArtifactRepository>;
  /** Every discovered run-context provider, in a stable order, with the package that provides it. */
  runContextProviders(): Promise<LoadedRunContextProvider[]>;
  /**
   * Creates a plugin of any declared kind: for a kind keyed by scheme, `keyOrUri` is the URI (given
   * to `create` as `uri`); for one keyed by name, it is the name. `context` is passed to `create`
   * with the logger and the plugin's checked options. How a kind declared outside core is used:
   * `registry.openPlugin<Flavor>('flavor', 'sklearn')`.
   */
  openPlugin<T>(kind: PluginKind, keyOrUri: string, context?: Record<string, unknown>): Promise<T>;
  /** Creates the project backend registered under a name. */
  openProjectBackend(name: string, config: Record<string, unknown>): Promise<ProjectBackend>;
  /** Runs the schema migrations of the tracking (and registry) store serving a URI. */
  upgradeDatabase(uri: string): Promise<MigrationResult>;
  /** Runs the schema migrations of the auth store serving a URI (its own schema and version table). */
  upgradeAuthDatabase(uri: string): Promise<MigrationResult>;
  /** Problems found in installed packages' `"orrery"` fields (reported, never silently skipped). */
  problems(): PluginProblem[];
  /** The claim keys (schemes and host patterns, or names) known for a kind, sorted. */
  knownKeys(kind: PluginKind): string[];
  /**
   * The plugin registered under a claim key (a scheme, a host pattern such as
   * `https://*.blob.core.windows.net`, or a name), or undefined when none is; throws when two
   * packages claim it and explicit configuration picks neither.
   */
  findPlugin(kind: PluginKind, schemeOrName: string): PluginEntry | undefined;
  /**
   * The plugin that would open a URI: the most specific host-pattern claim matching its host,
   * else the claim of its scheme; undefined when none is installed; throws on a double claim.
   */
  findPluginForUri(kind: PluginKind, uri: string): PluginEntry | undefined;
}

export interface DiscoverOptions {
  /** Directory whose node_modules (and its parents') are scanned; default the working directory. */
  cwd?: string;
  /**
   * Explicit configuration: `kind -> scheme, host pattern or name -> module`; an entry replaces
   * what discovery found for the same key. A module is an
   * absolute path, a `./`-relative path (from `cwd`), a `file:` URL, `package/sub/path.js`, or a
   * bare package name (which picks what that package declares for the kind and key).
   * Merged over `ORRERY_PLUGINS` (same shape, JSON); this option wins.
   */
  explicit?: ExplicitConfig;
  /**
   * Packages to find where Node would resolve them from a given file, e.g. the default plugins a
   * client depends on, resolved from the client's own location (`import.meta.url`). These count
   * as built-ins (their run-context providers run first).
   */
  builtinPackages?: BuiltinPackages | readonly BuiltinPackages[];
  /**
   * Also scan the folders Node searches from core's own install location (default true). Turn it
   * off for a registry that sees only `cwd` and the built-ins, e.g. in hermetic tests.
   */
  scanCoreLocation?: boolean;
  /** Default `process.env` (for `ORRERY_PLUGINS`). */
  env?: NodeJS.ProcessEnv;
  /** Receives plugin loggers and discovery warnings; default the process logger. */
  logger?: Logger;
  /**
   * Where plugins' options come from: the configuration file's `plugins` section (package name ->
   * options) and the environment (each option's variable). Default: the configuration file of
   * `cwd` (`orrery.config.json`, or the file `ORRERY_CONFIG` names; see config-file.ts), then `env`.
   */
  pluginOptions?: PluginOptionSources;
}

/**
 * Scans installed packages for `"orrery"` fields (without importing them) and returns the registry.
 *
 * Where it looks, in order (the first copy of a package name wins, as in Node's resolution):
 * `node_modules` of `cwd` and each parent; the `builtinPackages`; the folders Node searches from
 * core's own install location (with pnpm that includes `.pnpm/node_modules`). Symlinks are
 * followed and a package reached twice is counted once (by real path).
 */
export async function discoverPlugins(options: DiscoverOptions = {}): Promise<PluginRegistry> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const collector = new PackageCollector();
  for (const dir of nodeModulesChain(cwd)) collector.scanNodeModules(dir);
  const builtins = options.builtinPackages === undefined ? [] : Array.isArray(options.builtinPackages) ? options.builtinPackages : [options.builtinPackages as BuiltinPackages];
  for (const b of builtins) collector.addBuiltins(b);
  if (options.scanCoreLocation !== false) {
    for (const dir of resolutionDirs(import.meta.url)) collector.scanNodeModules(dir);
  }

  const fromEnv = explicitFromEnv(env);
  const explicit = [
    ...(fromEnv ? resolveExplicit(fromEnv, 'ORRERY_PLUGINS', cwd, collector.packages) : []),
    ...(options.explicit ? resolveExplicit(options.explicit, 'explicit plugin configuration', cwd, collector.packages) : []),
  ];
  for (const problem of collector.problems) logger.warn({ package: problem.packageName }, problem.message);
  return new DiscoveredPluginRegistry(collector.packages, explicit, collector.problems, logger, options.pluginOptions ?? pluginOptionSources(cwd, env));
}
