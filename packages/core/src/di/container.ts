/**
 * The composition root shared by the client, the CLI and the server: a child container holding
 * the logger, the configuration, the plugin registry and the live stores. Stores are created
 * (async: connections, migrations) before they are registered, and closed by `disposeContainer`.
 * No decorators are involved: everything is registered as an instance or a factory.
 */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { OrreryError } from '../errors/orrery-error.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { discoverPlugins, type DiscoverOptions, type PluginRegistry } from '../plugins/plugin-registry.js';
import { defaultArtifactRoot, resolveRegistryUri, resolveTrackingUri, uriScheme } from '../uri/tracking-uri.js';
import { validateArtifactUriWithoutSecret } from '../validation/validate.js';
import { OrreryTokens, type OrreryConfig } from './orrery-tokens.js';
import { registerInstance } from './tokens.js';

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
  /** Parent of the new child container; default tsyringe's root container (never registered into). */
  parent?: DependencyContainer;
}

/**
 * Memoizes an async opener per key: one open per key while it succeeds, none kept when it fails
 * (so a later call retries), and every opened thing's `close` added to `closers`.
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
        return value;
      });
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  };
}

/** What each container opened, closed in reverse order on dispose. */
const opened = new WeakMap<DependencyContainer, Array<{ what: string; close: () => Promise<void> }>>();

/**
 * Creates a child container and registers the logger, the configuration, the plugin registry, the
 * opened tracking store, and openers for the model registry store, auth stores and artifact repositories
 * (opened on first use, kept, and closed by `disposeContainer`). If opening the tracking store
 * fails, what was already opened is closed before the error propagates.
 */
export async function createOrreryContainer(options: OrreryContainerOptions = {}): Promise<DependencyContainer> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  // Every new experiment's location, and so every run's artifact_uri, starts with this root.
  if (options.defaultArtifactRoot !== undefined) validateArtifactUriWithoutSecret('defaultArtifactRoot', options.defaultArtifactRoot);
  const logger = options.logger ?? createLogger();
  const trackingUri = resolveTrackingUri({ explicit: options.trackingUri, env, cwd });
  const config: OrreryConfig = {
    trackingUri,
    registryUri: resolveRegistryUri({ explicit: options.registryUri, env, cwd, trackingUri }),
    defaultArtifactRoot: options.defaultArtifactRoot ?? defaultArtifactRoot(cwd),
    cwd,
  };
  const registry = options.registry ?? (await discoverPlugins({ cwd, env, logger, ...options.plugins }));

  const child = (options.parent ?? rootContainer).createChildContainer();
  const closers: Array<{ what: string; close: () => Promise<void> }> = [];
  opened.set(child, closers);
  registerInstance(child, OrreryTokens.logger, logger);
  registerInstance(child, OrreryTokens.config, config);
  registerInstance(child, OrreryTokens.pluginRegistry, registry);
  registerInstance(child, OrreryTokens.artifactRepositoryFactory, onceEach(closers, 'artifact repository', (uri: string) =>
    registry.openArtifactRepository(uri, { trackingUri: config.trackingUri }),
  ));
  registerInstance(child, OrreryTokens.authStoreFactory, onceEach(closers, 'auth store', (uri: string) => registry.openAuthStore(uri)));
  const openRegistryStore = onceEach(closers, 'model registry store', async (uri: string) => {
    if (!registry.findPluginForUri('modelRegistryStore', uri)) {
      const registryScheme = uriScheme(uri);
      // Not every tracking backend has a registry; only a caller that needs one fails.
      const known = registry.knownKeys('modelRegistryStore');
      throw new OrreryError(
        'INVALID_PARAMETER_VALUE',
        `No model registry store plugin is installed for scheme "${registryScheme}". Known schemes: ${known.length > 0 ? known.join(', ') : '(none)'}.`,
      );
    }
    return registry.openModelRegistryStore(uri);
  });
  registerInstance(child, OrreryTokens.modelRegistryStore, () => openRegistryStore(config.registryUri));

  try {
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
