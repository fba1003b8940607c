/**
 * `orrery server` as a function: builds this server's Orrery container (plugin discovery, stores,
 * auth store, artifact repositories: the one composition root), builds the app and
 * listens; with `workers > 1`, the primary process forks that many workers (node:cluster) that
 * share the listening socket and the store.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import {
  AuthService,
  MLFLOW_DEFAULT_ADMIN_PASSWORD,
  readAuthConfig,
  type AuthConfig,
  createLogger,
  createOrreryContainer,
  disposeContainer,
  OrreryTokens,
  resolve,
  type DependencyContainer,
  type Logger,
  defaultArtifactRoot as defaultLocalArtifactRoot,
  defaultTrackingUri,
  missingRegistryPlugin,
  errors,
  redactUri,
  uriScheme,
  validateArtifactUriWithoutSecret,
  type ModelRegistryStore,
  type PluginRegistry,
  type TrackingStore,
  TrustedArtifactRoots,
} from '@orrery/core';
import { checkStaticPrefix, createServer } from './app.js';
import { defaultAllowedHosts, parseAllowedHosts, type AllowedHosts } from './operations/allowed-hosts.js';
import { answerClusterMetricsRequests, CLUSTER_METRICS_ENV, primaryAggregatesMetrics } from './operations/cluster-metrics.js';

/** Plugin packages the server depends on, so its default setup needs nothing else installed. */
const DEFAULT_PLUGIN_PACKAGES = ['@orrery/plugin-sqlite', '@orrery/plugin-local'];

/** The `--app-name` values Orrery serves: MLflow's basic-auth app. */
export const APP_NAMES = ['basic-auth'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** The default artifact root when the server proxies artifacts, as `mlflow server`'s. */
export const PROXIED_ARTIFACT_ROOT = 'mlflow-artifacts:/';

export interface StartServerOptions {
  /** Tracking store URI; default the embedded SQLite store `sqlite:///<cwd>/orrery.db`. */
  backendStoreUri?: string;
  /** Registry store URI; default the backend store URI. */
  registryStoreUri?: string;
  /** Root of new experiments' artifacts; default `mlflow-artifacts:/` when serving artifacts, else `<cwd>/orrery-artifacts`. */
  defaultArtifactRoot?: string;
  /** Where the proxy stores files; default `<cwd>/orrery-artifacts`. */
  artifactsDestination?: string;
  /** More roots the server may open with its own credentials (`--allowed-artifact-root`); see docs/security.md. */
  allowedArtifactRoots?: string[];
  /** Serve the artifact proxy (default true). */
  serveArtifacts?: boolean;
  /** Serve only the artifact proxy. */
  artifactsOnly?: boolean;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 5000; 0 picks a free port. */
  port?: number;
  /** Worker processes (node:cluster); default 1, i.e. serve from this process. */
  workers?: number;
  /**
   * Host headers to answer (`--allowed-hosts`): names, addresses, `*.domain`, `prefix.*`, each with
   * an optional `:port`, or `*` for any. Default: the bound host, `localhost`, `127.0.0.1`, `[::1]`.
   */
  allowedHosts?: readonly string[];
  /** Directory for the defaults and for plugin discovery; default the working directory. */
  cwd?: string;
  /** A registry to open stores with instead of discovering plugins. */
  registry?: PluginRegistry;
  /** Access and error log; default a pino logger at `ORRERY_LOG_LEVEL` (default `info`). */
  logger?: FastifyBaseLogger;
  /** `--app-name`: `basic-auth` turns on MLflow's basic-auth app; absent, no authentication. */
  appName?: string;
  /** The basic-auth config; default read from `MLFLOW_AUTH_CONFIG_PATH` (or MLflow's built-in values). */
  authConfig?: AuthConfig;
  /** MLflow's `--static-prefix`: the UI and its API copy below this path (`/mlflow`). */
  staticPrefix?: string;
}

/** The settings after defaults are applied. */
export interface ResolvedServerSettings {
  backendStoreUri: string;
  registryStoreUri: string;
  defaultArtifactRoot: string;
  artifactsDestination: string;
  allowedArtifactRoots: string[];
  serveArtifacts: boolean;
  artifactsOnly: boolean;
  host: string;
  port: number;
  workers: number;
  allowedHosts: AllowedHosts;
  /** The basic-auth app's config when `--app-name basic-auth`; absent: no authentication. */
  auth?: AuthConfig;
}

export interface RunningServer {
  /** `http://host:port` the server listens at. */
  url: string;
  settings: ResolvedServerSettings;
  /** The app, in the process that serves (absent in a cluster primary). */
  app?: FastifyInstance;
  /** Stops accepting connections, finishes in-flight requests, closes the stores (and stops workers). */
  close(): Promise<void>;
}

/** Applies `mlflow server`'s defaults and checks the combinations it refuses. */
export function resolveServerSettings(options: StartServerOptions = {}): ResolvedServerSettings {
  const cwd = options.cwd ?? process.cwd();
  if (options.staticPrefix !== undefined && options.staticPrefix !== '') checkStaticPrefix(options.staticPrefix);
  const serveArtifacts = options.serveArtifacts ?? true;
  const artifactsOnly = options.artifactsOnly ?? false;
  if (artifactsOnly && !serveArtifacts) {
    throw errors.invalidParameter('--artifacts-only cannot be combined with --no-serve-artifacts: there would be nothing to serve.');
  }
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw errors.invalidParameter(`Invalid --workers ${String(options.workers)}: it must be a positive integer.`);
  }
  const port = options.port ?? 5000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw errors.invalidParameter(`Invalid --port ${String(options.port)}: it must be an integer from 0 to 65535.`);
  }
  if (options.defaultArtifactRoot !== undefined) {
    validateArtifactUriWithoutSecret(
      '--default-artifact-root',
      options.defaultArtifactRoot,
      // The destination is only ever opened by the server: runs get mlflow-artifacts:/ URIs.
      'To keep the credential on the server instead, serve artifacts through the proxy with it in --artifacts-destination, which clients never see.',
    );
  }
  let auth: AuthConfig | undefined;
  if (options.appName !== undefined) {
    if (!(APP_NAMES as readonly string[]).includes(options.appName)) {
      throw errors.invalidParameter(`Unknown --app-name ${JSON.stringify(options.appName)}: the apps are ${APP_NAMES.join(', ')} (MLflow's basic authentication).`);
    }
    auth = options.authConfig ?? readAuthConfig();
  }
  const backendStoreUri = options.backendStoreUri ?? defaultTrackingUri(cwd);
  const host = options.host ?? '127.0.0.1';
  return {
    backendStoreUri,
    registryStoreUri: options.registryStoreUri ?? backendStoreUri,
    defaultArtifactRoot: options.defaultArtifactRoot ?? (serveArtifacts ? PROXIED_ARTIFACT_ROOT : defaultLocalArtifactRoot(cwd)),
    artifactsDestination: options.artifactsDestination ?? defaultLocalArtifactRoot(cwd),
    allowedArtifactRoots: checkedAllowedRoots(options.allowedArtifactRoots ?? [], cwd),
    serveArtifacts,
    artifactsOnly,
    host,
    port,
    workers,
    allowedHosts: options.allowedHosts !== undefined ? parseAllowedHosts(options.allowedHosts) : defaultAllowedHosts(host),
    ...(auth !== undefined ? { auth } : {}),
  };
}

/** Refuses a malformed `--allowed-artifact-root` before anything starts; relative local roots become absolute. */
function checkedAllowedRoots(roots: string[], cwd: string): string[] {
  TrustedArtifactRoots.fromConfiguration(
    roots.map((uri) => ({ uri, option: '--allowed-artifact-root' })),
    cwd,
  );
  return roots.map((uri) => (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri) ? uri : path.resolve(cwd, uri)));
}

/**
 * Opens the registry store. A URI given explicitly must open; the default (the backend store URI)
 * may name a backend without a registry plugin, and then the server runs without a registry: it
 * says so in its log, and the registry routes answer NOT_IMPLEMENTED with the reason.
 */
async function openRegistryStore(
  container: DependencyContainer,
  explicit: boolean,
  logger: FastifyBaseLogger,
): Promise<{ store?: ModelRegistryStore; unavailable?: string }> {
  const uri = resolve(container, OrreryTokens.config).registryUri;
  if (!explicit && missingRegistryPlugin(resolve(container, OrreryTokens.pluginRegistry), uri) !== undefined) {
    const known = resolve(container, OrreryTokens.pluginRegistry).knownKeys('modelRegistryStore');
    const unavailable =
      `This server has no model registry: no installed plugin serves registry store URIs with scheme "${uriScheme(uri)}" ` +
      `(known: ${known.length > 0 ? known.join(', ') : 'none'}). Start it with --registry-store-uri.`;
    logger.warn({ registryStoreUri: redactUri(uri) }, unavailable);
    return { unavailable };
  }
  return { store: await resolve(container, OrreryTokens.modelRegistryStore)() };
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts the server (or, with workers > 1 in the primary process, its workers). */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const settings = resolveServerSettings(options);
  const logger = options.logger ?? (createLogger({ name: 'orrery-server', level: process.env.ORRERY_LOG_LEVEL ?? 'info' }) as unknown as FastifyBaseLogger);
  /**
   * This server's composition root: discovery, the stores, the auth store and the artifact
   * repositories all come from one container, and disposing it closes every one of them.
   */
  const compose = (openTrackingStore: boolean): Promise<DependencyContainer> =>
    createOrreryContainer({
      cwd: options.cwd ?? process.cwd(),
      trackingUri: settings.backendStoreUri,
      registryUri: settings.registryStoreUri,
      defaultArtifactRoot: settings.defaultArtifactRoot,
      openTrackingStore,
      ...(options.registry !== undefined ? { registry: options.registry } : {}),
      // The default setup (SQLite store, local artifact folder) works wherever the server is installed.
      plugins: { builtinPackages: { from: import.meta.url, names: DEFAULT_PLUGIN_PACKAGES } },
      logger: logger as unknown as Logger,
    });

  /** The stores and the basic-auth app's service, in this server process's own container. */
  const openAll = async (): Promise<{
    container: DependencyContainer;
    store?: TrackingStore;
    registryStore?: ModelRegistryStore;
    registryUnavailable?: string;
    auth?: AuthService;
  }> => {
    const container = await compose(!settings.artifactsOnly);
    try {
      let stores: { store?: TrackingStore; registryStore?: ModelRegistryStore; registryUnavailable?: string } = {};
      if (!settings.artifactsOnly) {
        const { store: registryStore, unavailable } = await openRegistryStore(container, options.registryStoreUri !== undefined, logger);
        stores = {
          store: resolve(container, OrreryTokens.trackingStore),
          ...(registryStore !== undefined ? { registryStore } : {}),
          ...(unavailable !== undefined ? { registryUnavailable: unavailable } : {}),
        };
      }
      const auth = settings.auth === undefined ? undefined : await openAuth(container, settings.auth);
      return { container, ...stores, ...(auth !== undefined ? { auth } : {}) };
    } catch (error) {
      await disposeContainer(container);
      throw error;
    }
  };

  /** The basic-auth app's service on its own store (from the container), with the configured admin created when missing. */
  const openAuth = async (container: DependencyContainer, config: AuthConfig): Promise<AuthService> => {
    const authStore = await resolve(container, OrreryTokens.authStoreFactory)(config.databaseUri);
    const service = new AuthService({ store: authStore, config });
    if (await service.ensureAdmin(config.adminUsername, config.adminPassword)) {
      logger.info({ adminUsername: config.adminUsername }, `created the admin user '${config.adminUsername}'`);
    }
    if (config.adminPassword === MLFLOW_DEFAULT_ADMIN_PASSWORD && cluster.isPrimary) {
      logger.warn(
        `admin_password is MLflow's default ('${MLFLOW_DEFAULT_ADMIN_PASSWORD}'): anyone who knows it is an admin of this server. ` +
          'Change it with PATCH /api/2.0/mlflow/users/update-password and set admin_password in the file MLFLOW_AUTH_CONFIG_PATH names.',
      );
    }
    return service;
  };

  if (settings.workers > 1 && cluster.isPrimary) {
    // Open (and so create or migrate) the stores once here, so the workers do not race to do it.
    if (!settings.artifactsOnly || settings.auth !== undefined) await disposeContainer((await openAll()).container);
    return startCluster(settings, logger);
  }

  if (cluster.isWorker) leaveQuietlyWhenThePrimaryIsGone();

  const { container, store, registryStore, registryUnavailable, auth } = await openAll();
  const openArtifactRepository = resolve(container, OrreryTokens.artifactRepositoryFactory);
  let app: FastifyInstance;
  try {
    app = createServer({
      ...(auth !== undefined ? { auth } : {}),
      ...(store !== undefined ? { trackingStore: store } : {}),
      ...(registryStore !== undefined ? { modelRegistryStore: registryStore } : {}),
      ...(registryUnavailable !== undefined ? { modelRegistryUnavailable: registryUnavailable } : {}),
      openArtifactRepository,
      artifactsDestination: settings.artifactsDestination,
      defaultArtifactRoot: settings.defaultArtifactRoot,
      allowedArtifactRoots: settings.allowedArtifactRoots,
      serveArtifacts: settings.serveArtifacts,
      artifactsOnly: settings.artifactsOnly,
      allowedHosts: settings.allowedHosts,
      ...(options.staticPrefix !== undefined ? { staticPrefix: options.staticPrefix } : {}),
      ...(primaryAggregatesMetrics() ? { clusterMetrics: true } : {}),
      logger,
    });
  } catch (error) {
    await disposeContainer(container);
    throw error;
  }
  // Closing the server disposes its container: the stores, the auth store and every artifact repository.
  app.addHook('onClose', async () => disposeContainer(container));
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  logger.info(
    { backendStoreUri: redactUri(settings.backendStoreUri), artifactsDestination: redactUri(settings.artifactsDestination) },
    `orrery server listening at ${urlOf(settings.host, port)}`,
  );
  return { url: urlOf(settings.host, port), settings: { ...settings, port }, app, close: () => app.close() };
}

/**
 * In a worker: when the primary has gone (stopped or killed while this worker was still starting),
 * the IPC channel is closed and node:cluster's next message to it (e.g. asking for the listening
 * socket) fails with EPIPE, emitted as an 'error' that nobody handled: the worker crashed with a
 * stack trace. There is nothing left to serve for, so it exits quietly instead. Any other error
 * is rethrown as before.
 */
function leaveQuietlyWhenThePrimaryIsGone(): void {
  cluster.worker?.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_IPC_CHANNEL_CLOSED') process.exit(0);
    throw error;
  });
}

/**
 * The cluster primary: forks the workers (each re-runs this program and reaches `startServer` as
 * a worker), replaces a worker that dies unexpectedly, and stops them all on `close`.
 */
function startCluster(settings: ResolvedServerSettings, logger: FastifyBaseLogger): Promise<RunningServer> {
  let closing = false;
  let listening = 0;
  // Each worker's /metrics asks the primary for the view across all workers.
  const stopAnsweringMetrics = answerClusterMetricsRequests();
  const fork = () => cluster.fork({ [CLUSTER_METRICS_ENV]: '1' });
  cluster.on('exit', (worker, code, signal) => {
    // A worker failing at start-up (bad store URI, port in use) fails the start instead of looping.
    if (closing || listening < settings.workers) return;
    logger.warn({ pid: worker.process.pid, code, signal }, 'worker exited; starting a new one');
    fork();
  });
  return new Promise((resolve, reject) => {
    const onListening = () => {
      listening += 1;
      if (listening === settings.workers) {
        cluster.off('listening', onListening);
        resolve({
          url: urlOf(settings.host, settings.port),
          settings,
          close: async () => {
            closing = true;
            stopAnsweringMetrics();
            const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
            await Promise.all(
              workers.map(
                (worker) =>
                  new Promise<void>((done) => {
                    worker.once('exit', () => done());
                    worker.process.kill('SIGTERM');
                  }),
              ),
            );
          },
        });
      }
    };
    cluster.on('listening', onListening);
    cluster.once('exit', (_worker, code) => {
      if (listening >= settings.workers) return;
      stopAnsweringMetrics();
      reject(new Error(`a server worker exited with code ${code} before listening; see its log`));
    });
    for (let i = 0; i < settings.workers; i += 1) fork();
  });
}
