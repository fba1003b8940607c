/**
 * The composition root shared by the client, the CLI and the server: a child container holding
 * the logger, the configuration, the plugin registry and the live stores. It is the one place that
 * discovers plugins and opens stores and repositories; the server, the CLI and the client resolve
 * what they need from it. Stores are created (async: connections, migrations) before they are
 * registered, and closed by `disposeContainer`. No decorators are involved: everything is
 * registered as an instance or a factory.
 */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { OrreryError } from '../errors/orrery-error.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { discoverPlugins, type DiscoverOptions, type PluginRegistry } from '../plugins/plugin-registry.js';
import { defaultArtifactRoot, defaultTrackingUri, resolveRegistryUri, resolveTrackingUri, uriScheme } from '../uri/tracking-uri.js';
import { validateArtifactUriWithoutSecret } from '../validation/validate.js';
import { OrreryTokens, type OrreryConfig } from './orrery-tokens.js';
import { isRegistered, registerInstance, resolve } from './tokens.js';

export interface OrreryContainerOptions {
  /** Explicit tracking URI; otherwise the resolution chain (`ORRERY_TRACKING_URI`, ..., `orrery.db`). */
  trackingUri?: string;
  /** Explicit registry URI; otherwise the registry chain, ending at the tracking URI. */
  registryUri?: string;
  /** Default `file:` URL of `orrery-artifacts` in `cwd`. */
  defaultArtifactRoot?: string;
  /** Default the process working directory. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** A registry already discovered; otherwise `discoverPlugins(plugins)` runs. */
  registry?: PluginRegistry;
  /** Options for discovery when no registry is given. */
  plugins?: DiscoverOptions;
  /**
   * Parent of the new child container; default tsyringe's root container (never registered into).
   * When the parent is itself an Orrery container, its plugin registry and logger are reused (no
   * second discovery), unless `registry` or `logger` is given.
   */
  parent?: DependencyContainer;
  /**
   * Open the tracking store now and register it (default true). Off for a container that only
   * needs the registry and the openers: `orrery plugins list`, `orrery db upgrade`, an
   * artifacts-only server.
   */
  openTrackingStore?: boolean;
}

/**
 * Memoizes an async opener per key: one open per key while it succeeds, none kept when it fails
 * (so a later call retries), and every opened thing's `close` added to `closers`. What callers get
 * is shared: its own `close` does nothing (a caller closing "its" repository after one request
 * must not close it under the next one); `disposeContainer` closes the real thing.
 */
function onceEach<T extends { close?(): Promise<void> }>(
  closers: Array<{ what: string; close: () => Promise<void> }>,
  what: string,
  open: (key: string) => Promise<T>,
): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = open(key).then((value) => {
        closers.push({ what, close: async () => value.close?.() });
        return sharedHandle(value);
      });
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  };
}

/** A view of `value` whose `close` is a no-op: the container owns the real close. */
function sharedHandle<T extends { close?(): Promise<void> }>(value: T): T {
  if (typeof value !== 'object' || value === null || typeof value.close !== 'function') return value;
  const noClose = async (): Promise<void> => undefined;
  return new Proxy(value, {
    get(target, property) {
      if (property === 'close') return noClose;
      const member: unknown = Reflect.get(target, property, target);
      // Methods run on the real object, so private fields and `this` work as before; the
      // constructor stays itself (callers read its name).
      return typeof member === 'function' && property !== 'constructor' ? (member as (...a: unknown[]) => unknown).bind(target) : member;
    },
  });
}

/** What each container opened, closed in reverse order on dispose. */
const opened = new WeakMap<DependencyContainer, Array<{ what: string; close: () => Promise<void> }>>();

/** The package serving the embedded default tracking URI (`sqlite:` on `./orrery.db`). */
export const DEFAULT_STORE_PACKAGE = '@orrery/plugin-sqlite';

/**
 * Nobody chose a tracking URI and the embedded default (SQLite) is not installed: the client
 * installed alone talks HTTP only, so say both ways out rather than "unknown scheme sqlite".
 */
function assertDefaultStoreInstalled(registry: PluginRegistry, config: OrreryConfig): void {
  if (config.trackingUri !== defaultTrackingUri(config.cwd)) return;
  if (registry.findPluginForUri('trackingStore', config.trackingUri) !== undefined) return;
  throw new OrreryError(
    'INVALID_PARAMETER_VALUE',
    `No tracking URI is set, and the default store (SQLite at ${config.trackingUri.replace(/^sqlite:\/\//, '')}) needs ${DEFAULT_STORE_PACKAGE}, which is not installed. ` +
      `Install ${DEFAULT_STORE_PACKAGE} to track to a local file, or set ORRERY_TRACKING_URI (or MLFLOW_TRACKING_URI) to an http:// or https:// tracking server.`,
  );
}

/**
 * Creates a child container and registers the logger, the configuration, the plugin registry, the
 * opened tracking store, and openers for the model registry store, auth stores and artifact repositories
 * (opened on first use, kept, and closed by `disposeContainer`). If opening the tracking store
 * fails, what was already opened is closed before the error propagates.
 */
export async function createOrreryContainer(options: OrreryContainerOptions = {}): Promise<DependencyContainer> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const parent = options.parent ?? rootContainer;
  // A child of an Orrery container shares its discovery: one scan per process, not one per consumer.
  const inherited = parent !== rootContainer && isRegistered(parent, OrreryTokens.pluginRegistry);
  // Every new experiment's location, and so every run's artifact_uri, starts with this root.
  if (options.defaultArtifactRoot !== undefined) validateArtifactUriWithoutSecret('defaultArtifactRoot', options.defaultArtifactRoot);
  const logger = options.logger ?? (inherited ? resolve(parent, OrreryTokens.logger) : createLogger());
  const trackingUri = resolveTrackingUri({ explicit: options.trackingUri, env, cwd });
  const config: OrreryConfig = {
    trackingUri,
    registryUri: resolveRegistryUri({ explicit: options.registryUri, env, cwd, trackingUri }),
    defaultArtifactRoot: options.defaultArtifactRoot ?? defaultArtifactRoot(cwd),
    cwd,
  };
  const registry =
    options.registry ??
    (inherited
      ? resolve(parent, OrreryTokens.pluginRegistry)
      : await discoverPlugins({ cwd, env, logger, ...options.plugins }));

  const child = parent.createChildContainer();
  const closers: Array<{ what: string; close: () => Promise<void> }> = [];
  opened.set(child, closers);
  registerInstance(child, OrreryTokens.logger, logger);
  registerInstance(child, OrreryTokens.config, config);
  registerInstance(child, OrreryTokens.pluginRegistry, registry);
  registerStoreFactories(child, registry, config, closers);

  if (options.openTrackingStore === false) return child;
  try {
    assertDefaultStoreInstalled(registry, config);
    const trackingStore = await registry.openTrackingStore(config.trackingUri, { defaultArtifactRoot: config.defaultArtifactRoot });
    closers.push({ what: 'tracking store', close: () => trackingStore.close() });
    registerInstance(child, OrreryTokens.trackingStore, trackingStore);
  } catch (error) {
    await disposeContainer(child).catch((closeError: unknown) => logger.warn({ err: closeError }, 'closing after a failed start-up failed'));
    throw error;
  }
  return child;
}

/**
 * The store factories of a container: each opens through the plugin registry on first use, keeps
 * what it opened for the container's life, and leaves the close to `disposeContainer`. Artifact
 * repositories are cached per root URI, so a server listing many runs below one FTP or SFTP root
 * keeps one login.
 */
function registerStoreFactories(
  child: DependencyContainer,
  registry: PluginRegistry,
  config: OrreryConfig,
  closers: Array<{ what: string; close: () => Promise<void> }>,
): void {
  registerInstance(child, OrreryTokens.artifactRepositoryFactory, onceEach(closers, 'artifact repository', (uri: string) =>
    registry.openArtifactRepository(uri, { trackingUri: config.trackingUri }),
  ));
  registerInstance(child, OrreryTokens.authStoreFactory, onceEach(closers, 'auth store', (uri: string) => registry.openAuthStore(uri)));
  const openRegistryStore = onceEach(closers, 'model registry store', async (uri: string) => {
    const missing = missingRegistryPlugin(registry, uri);
    if (missing !== undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', missing);
    return registry.openModelRegistryStore(uri);
  });
  registerInstance(child, OrreryTokens.modelRegistryStore, () => openRegistryStore(config.registryUri));
}

/**
 * Why no model registry store can be opened for `uri` (no installed plugin serves its scheme), or
 * undefined when one can. Not every tracking backend has a registry: only a caller that needs one
 * fails, and a server started without an explicit registry URI runs without the registry routes.
 */
export function missingRegistryPlugin(registry: PluginRegistry, uri: string): string | undefined {
  if (registry.findPluginForUri('modelRegistryStore', uri)) return undefined;
  const known = registry.knownKeys('modelRegistryStore');
  return `No model registry store plugin is installed for scheme "${uriScheme(uri)}". Known schemes: ${known.length > 0 ? known.join(', ') : '(none)'}.`;
}

/**
 * Closes everything `createOrreryContainer` opened (reverse order), then disposes the container.
 * Every close is attempted; the first failure is rethrown after all have run. Idempotent.
 */
export async function disposeContainer(container: DependencyContainer): Promise<void> {
  const closers = opened.get(container) ?? [];
  opened.delete(container);
  let firstError: unknown;
  for (const { what, close } of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      firstError ??= new OrreryError('INTERNAL_ERROR', `Closing the ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  await container.dispose();
  if (firstError !== undefined) throw firstError;
}
