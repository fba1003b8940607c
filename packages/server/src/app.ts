/**
 * The tracking server's Fastify application: MLflow's REST API 2.0 tracking routes under
 * `/api/2.0` and `/ajax-api/2.0`, the artifact proxy, `/health` and `/version`. It holds no state
 * of its own beyond the stores it is given, so any number of processes can serve one store.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyError, type FastifyInstance } from 'fastify';
import {
  OrreryError,
  errors,
  isErrorCode,
  isOrreryError,
  redactUri,
  TrustedArtifactRoots,
  validateRequestWithoutNul,
  type ArtifactRepository,
  type AuthService,
  type ErrorCode,
  type ModelRegistryStore,
  type TrackingStore,
} from '@orrery/core';
import { errorResponseToWire } from '@orrery/protocol';
import { openGuardedRepository } from './artifact-store-boundary.js';
import { answerClientError } from './client-errors.js';
import { registerArtifactProxyRoutes } from './routes/artifact-proxy-routes.js';
import { collectRoutes, serverRoutes } from './route-catalog.js';
import { buildOpenApiDocument, OPENAPI_PATH } from './openapi/openapi-document.js';
import { PROMETHEUS_CONTENT_TYPE, ServerMetrics } from './operations/server-metrics.js';
import { registerAccessLog } from './operations/access-log.js';
import { defaultAllowedHosts, refuseHost, type AllowedHosts } from './operations/allowed-hosts.js';
import { responseSerializerCompiler } from './schemas/response-serializer.js';
import { TRACKING_ROUTES, type TrackingRouteContext } from './routes/tracking-routes.js';
import { registerRegistryRoutes, registryRouteContext } from './routes/registry-routes.js';
import { registerDeclaredRoutes } from './routes/declared-route.js';
import { parseJsonBody } from './wire/json-body.js';
import { parseQueryString } from './wire/query-string.js';
import { SERVER_VERSION } from './server-version.js';
import { authOf, principalOf, registerAuthLayer } from './auth/auth-layer.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { defaultUiDirectory, registerUiRoutes } from './routes/ui-routes.js';

/** The two prefixes MLflow serves its API under; `/ajax-api` is the web UI's copy. */
export const API_PREFIXES = ['/api/2.0', '/ajax-api/2.0'] as const;

/** JSON bodies of tracking calls other than log-batch (1 MB, as MLflow) may be this large. */
export const DEFAULT_JSON_BODY_LIMIT = 16 * 1024 * 1024;

export interface CreateServerOptions {
  /** Where runs and experiments live. Required unless `artifactsOnly`. */
  trackingStore?: TrackingStore;
  /**
   * The model registry; without one the registry routes answer NOT_IMPLEMENTED with
   * `modelRegistryUnavailable` (or a default reason) as the message. The caller owns it.
   */
  modelRegistryStore?: ModelRegistryStore;
  /** Why there is no registry store (shown by the registry routes). */
  modelRegistryUnavailable?: string;
  /** Check new model versions' sources as MLflow's server does (default true). */
  checkModelVersionSources?: boolean;
  /**
   * Opens an artifact repository for a URI (normally `PluginRegistry.openArtifactRepository`):
   * the proxy's destination, and the artifact roots of runs that are not proxied (artifacts/list).
   */
  openArtifactRepository?: (uri: string) => Promise<ArtifactRepository>;
  /** The URI the artifact proxy stores files under (`--artifacts-destination`). Required when serving artifacts. */
  artifactsDestination?: string;
  /**
   * The default artifact root the tracking store was opened with: logged, and a trusted artifact
   * root (see `allowedArtifactRoots`).
   */
  defaultArtifactRoot?: string;
  /**
   * More artifact roots the server may open with its own credentials (`--allowed-artifact-root`).
   * The server opens a run's non-proxied artifact root (artifacts/list) only when it lies below
   * `artifactsDestination`, `defaultArtifactRoot` or one of these; any other answers
   * PERMISSION_DENIED without contacting it. Local roots are resolved from the working directory.
   */
  allowedArtifactRoots?: readonly string[];
  /** Whether the artifact proxy routes answer (`--serve-artifacts`, default true). */
  serveArtifacts?: boolean;
  /** Serve only the artifact proxy (`--artifacts-only`); tracking routes answer 503. */
  artifactsOnly?: boolean;
  /** A pino logger for access and error logs; `false` (default) logs nothing. */
  logger?: FastifyBaseLogger | false;
  /** Answer of `/version`; defaults to this package's version. */
  version?: string;
  /** Largest JSON body of tracking calls, in bytes (log-batch keeps MLflow's 1 MB). */
  jsonBodyLimit?: number;
  /** Serve Prometheus metrics at `/metrics` and count requests and store errors (default true). */
  metrics?: boolean;
  /**
   * This process is a worker of `startServer({ workers })`, whose primary aggregates metrics:
   * `/metrics` answers the view across every worker, collected by the primary over IPC. Set by
   * `startServer` in its workers; leave it unset when embedding.
   */
  clusterMetrics?: boolean;
  /**
   * Compare every schema-serialized response with `JSON.stringify` of the same object and answer
   * 500 when they differ (a schema dropping or coercing a field). For tests; it costs time.
   */
  verifyResponseSchemas?: boolean;
  /**
   * The Host headers the server answers (`--allowed-hosts`); others get 403 before any route
   * runs. Default: `localhost`, `127.0.0.1` and `[::1]` on any port.
   */
  allowedHosts?: AllowedHosts;
  /**
   * MLflow's basic-auth app (`--app-name basic-auth`): every route but `/health` needs credentials
   * and the permission ROUTE_PERMISSIONS names, and the users, permissions, token and audit routes
   * are served. Absent: no authentication (MLflow's default app).
   */
  auth?: AuthService;
  /**
   * Where the built web UI lives (`index.html`, `static-files/`); default `@orrery/ui`'s `dist/`.
   * `false` serves no UI (and no download routes of the UI).
   */
  uiDirectory?: string | false;
  /**
   * MLflow's `--static-prefix` (`/mlflow`): the UI, its `ajax-api` copy of the API and its
   * download routes are served below it. `/api/2.0`, `/health`, `/version` and `/metrics` stay
   * at the root, as in MLflow; the unprefixed UI paths answer too.
   */
  staticPrefix?: string;
}

/** Checks `--static-prefix` as MLflow does: it starts with `/` and does not end with one. */
export function checkStaticPrefix(prefix: string): string {
  if (!prefix.startsWith('/')) throw errors.invalidParameter(`Invalid --static-prefix ${JSON.stringify(prefix)}: it must begin with a '/'.`);
  if (prefix.endsWith('/')) throw errors.invalidParameter(`Invalid --static-prefix ${JSON.stringify(prefix)}: it must not end with a '/'.`);
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) {
    throw errors.invalidParameter(`Invalid --static-prefix ${JSON.stringify(prefix)}: use path segments of letters, digits, '.', '_', '~' and '-'.`);
  }
  return prefix;
}

/** Where Prometheus metrics are served. */
export const METRICS_PATH = '/metrics';

/**
 * The answer for a run whose artifact root is outside the server's trusted roots: the same text
 * whatever the location, so it tells a client nothing about the server's network.
 */
function untrustedArtifactLocation(): OrreryError {
  return new OrreryError(
    'PERMISSION_DENIED',
    "This run's artifact location is outside the artifact roots this server is configured to access, so the server does not " +
      'open it with its own credentials. Read the artifacts from the location directly, or ask the operator to add it with ' +
      '--allowed-artifact-root.',
  );
}

function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify(errorResponseToWire({ errorCode: code, message }));
}

/** Maps an HTTP status Fastify chose for a bad request to MLflow's error code. */
function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'ENDPOINT_NOT_FOUND';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_ERROR';
  return 'INVALID_PARAMETER_VALUE';
}

/**
 * Builds the server. The caller owns the tracking store (closing the server does not close it);
 * the artifact repositories it opens (one per trusted root, the proxy destination included, each
 * on first use) are closed with the server. Repositories handed out by an Orrery container are
 * shared handles whose close is the container's, so closing them here is harmless.
 */
export function createServer(serverOptions: CreateServerOptions): FastifyInstance {
  const metrics = serverOptions.metrics === false ? undefined : new ServerMetrics({ clusterWorker: serverOptions.clusterMetrics ?? false });
  // Every store call goes through the metrics' wrapper, so failures are counted by operation.
  const options: CreateServerOptions =
    metrics === undefined
      ? serverOptions
      : {
          ...serverOptions,
          ...(serverOptions.trackingStore ? { trackingStore: metrics.instrument(serverOptions.trackingStore, 'tracking') } : {}),
          ...(serverOptions.modelRegistryStore ? { modelRegistryStore: metrics.instrument(serverOptions.modelRegistryStore, 'registry') } : {}),
          ...(serverOptions.openArtifactRepository
            ? { openArtifactRepository: async (uri: string) => metrics.instrument(await serverOptions.openArtifactRepository!(uri), 'artifacts') }
            : {}),
        };
  const serveArtifacts = options.serveArtifacts ?? true;
  const artifactsOnly = options.artifactsOnly ?? false;
  const store = options.trackingStore;
  if (store === undefined && !artifactsOnly) {
    throw errors.invalidParameter('createServer: trackingStore is required unless artifactsOnly is set.');
  }
  if (serveArtifacts && (options.artifactsDestination === undefined || options.openArtifactRepository === undefined)) {
    throw errors.invalidParameter('createServer: serving artifacts needs artifactsDestination and openArtifactRepository.');
  }

  // Checked before anything is built: a bad --allowed-artifact-root stops the start.
  const trustedRoots = TrustedArtifactRoots.fromConfiguration([
    ...(options.artifactsDestination !== undefined ? [{ uri: options.artifactsDestination, option: '--artifacts-destination' }] : []),
    ...(options.defaultArtifactRoot !== undefined ? [{ uri: options.defaultArtifactRoot, option: '--default-artifact-root' }] : []),
    ...(options.allowedArtifactRoots ?? []).map((uri) => ({ uri, option: '--allowed-artifact-root' })),
  ]);
  const staticPrefix = options.staticPrefix === undefined || options.staticPrefix === '' ? undefined : checkStaticPrefix(options.staticPrefix);
  const app = Fastify({
    // Below --static-prefix, requests are routed as if the prefix were not there.
    ...(staticPrefix !== undefined
      ? {
          rewriteUrl: (request: { url?: string }) => {
            const url = request.url ?? '/';
            if (url === staticPrefix || url.startsWith(`${staticPrefix}?`)) return `/${url.slice(staticPrefix.length)}`;
            return url.startsWith(`${staticPrefix}/`) ? url.slice(staticPrefix.length) : url;
          },
        }
      : {}),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT,
    // Artifact paths are long; the default of 100 characters would turn them into 404s.
    routerOptions: { maxParamLength: 65_536, querystringParser: (query: string) => parseQueryString(query) },
    return503OnClosing: true,
    // A URL Fastify cannot decode (`%zz`) gets MLflow's error body like any other bad request.
    frameworkErrors: (error, _request, reply) =>
      (reply as FastifyReply)
        .code(400)
        .type('application/json')
        .send(errorBody('INVALID_PARAMETER_VALUE', `Invalid request URL: ${error.message}`)),
    // Requests Node's parser refuses (431, bad Content-Length) get MLflow's error body too.
    clientErrorHandler: answerClientError,
    // One access-log line per request is written by registerAccessLog instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  });
  collectRoutes(app);
  // First of all hooks: a request naming a host the operator did not allow reaches nothing else.
  const allowedHosts = options.allowedHosts ?? defaultAllowedHosts('127.0.0.1');
  app.addHook('onRequest', async (request, reply) => {
    const refusal = refuseHost(allowedHosts, request.headers.host);
    if (refusal !== undefined) return reply.code(403).type('application/json').send(errorBody('PERMISSION_DENIED', refusal));
  });
  // The one check in front of every route: registered before any route, so all of them get it.
  if (options.auth !== undefined) registerAuthLayer(app, { service: options.auth, ...(store !== undefined ? { trackingStore: store } : {}) });
  // Once closing, answers end their connection, so a kept-alive client does not hold up the exit.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.setSerializerCompiler(responseSerializerCompiler(options.verifyResponseSchemas ?? false));
  if (options.logger) registerAccessLog(app);
  if (metrics !== undefined) {
    app.addHook('onRequest', async (_request, reply) => {
      metrics.requestStarted();
      // 'close' comes once per response, also when the client goes away before the end.
      reply.raw.once('close', () => metrics.requestEnded());
    });
    app.addHook('onResponse', async (request, reply) => {
      metrics.requestAnswered(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
    const summary = 'Prometheus metrics of this server (of all its workers with --workers N).';
    app.get(METRICS_PATH, { config: { openapi: { summary, tag: 'operations', rawResponse: 'text/plain' } } }, async (_request, reply) => {
      let text: string;
      try {
        text = await metrics.render();
      } catch (error) {
        throw errors.unavailable(`Metrics are unavailable: ${error instanceof Error ? error.message : String(error)}`, error);
      }
      return reply.type(PROMETHEUS_CONTENT_TYPE).send(text);
    });
  }

  // One repository per trusted root (the proxy's destination included) for the server's life: a
  // listing of many runs below one FTP or SFTP root reuses one login. Keys are configured root
  // URIs only, never a client's text, so a client cannot reach another root's credentials.
  const openedRoots = new Map<string, Promise<ArtifactRepository>>();
  const openRoot = (uri: string): Promise<ArtifactRepository> => {
    let pending = openedRoots.get(uri);
    if (pending === undefined) {
      pending = openGuardedRepository(options.openArtifactRepository!, uri, app.log);
      openedRoots.set(uri, pending);
      pending.catch(() => openedRoots.delete(uri));
    }
    return pending;
  };
  const artifactDestination = (): Promise<ArtifactRepository> => {
    if (!serveArtifacts) {
      return Promise.reject(
        new OrreryError(
          'INVALID_STATE',
          'This run stores its artifacts through the artifact proxy, but the server runs with --no-serve-artifacts.',
        ),
      );
    }
    return openRoot(options.artifactsDestination!);
  };
  app.addHook('onClose', async () => {
    for (const pending of openedRoots.values()) await (await pending.catch(() => undefined))?.close?.();
    openedRoots.clear();
  });

  app.setErrorHandler((error: FastifyError | OrreryError, request, reply) => {
    if (isOrreryError(error)) {
      if (error.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
      // A browser asks for credentials on this header; MLflow's clients ignore it.
      // The web UI (which says so with x-orrery-ui) asks with its own form instead.
      if (error.code === 'UNAUTHENTICATED' && options.auth !== undefined && request.headers['x-orrery-ui'] === undefined) {
        reply.header('www-authenticate', 'Basic realm="mlflow"');
      }
      const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.code(error.httpStatus).type('application/json').send(errorBody(error.code, error.message));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit ?? options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT;
      const size = request.headers['content-length'];
      return reply
        .code(400)
        .type('application/json')
        .send(
          errorBody(
            'INVALID_PARAMETER_VALUE',
            `Requests to ${request.routeOptions.url ?? request.url} must be at most ${limit} bytes` +
              (size !== undefined ? `, got a request of size ${size}.` : '.'),
          ),
        );
    }
    const status = fastifyError.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply
        .code(status === 413 || status === 415 ? 400 : status)
        .type('application/json')
        .send(errorBody(codeForStatus(status), fastifyError.message));
    }
    request.log.error({ err: error }, 'request failed');
    const code: ErrorCode = isErrorCode((error as { code?: unknown }).code) ? ((error as { code: ErrorCode }).code) : 'INTERNAL_ERROR';
    return reply.code(500).type('application/json').send(errorBody(code, `Internal server error: ${error.message}`));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return reply
      .code(404)
      .type('application/json')
      .send(errorBody('ENDPOINT_NOT_FOUND', `No API endpoint found for ${request.method} ${path}.`));
  });

  const version = options.version ?? SERVER_VERSION;
  app.get('/health', { config: { openapi: { summary: 'Liveness: answers OK.', tag: 'operations', rawResponse: 'text/plain' } } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send('OK'),
  );
  app.get('/version', { config: { openapi: { summary: 'The server version.', tag: 'operations', rawResponse: 'text/plain' } } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(version),
  );
  let openApiDocument: string | undefined;
  app.get(OPENAPI_PATH, { config: { openapi: { summary: 'This OpenAPI 3.1 document.', tag: 'operations', rawResponse: 'application/json' } } }, async (_request, reply) => {
    // Built on first request: every route is registered by then.
    openApiDocument ??= JSON.stringify(buildOpenApiDocument(serverRoutes(app), version, { auth: options.auth !== undefined }));
    return reply.type('application/json').send(openApiDocument);
  });

  const trackingContext: TrackingRouteContext | undefined =
    store === undefined
      ? undefined
      : {
          store,
          artifactDestination,
          openArtifactRoot: async (uri) => {
            // One answer for every untrusted location, decided without contacting it.
            const located = await trustedRoots.locateRoot(uri);
            if (located === undefined || options.openArtifactRepository === undefined) throw untrustedArtifactLocation();
            return { repository: await openRoot(located.rootUri), path: located.path };
          },
        };

  for (const prefix of API_PREFIXES) {
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        try {
          done(null, parseJsonBody(body as string));
        } catch (error) {
          done(error as Error, undefined);
        }
      });
      // MLflow refuses a POST that is not JSON before it reads anything.
      scope.addHook('onRequest', async (request) => {
        if (request.method !== 'POST') return;
        const header = request.headers['content-type'];
        if (header === undefined) throw errors.invalidParameter('Bad Request. Content-Type header is missing.');
        if (header.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
          throw errors.invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
        }
      });
      // No backend stores a NUL character: refuse it in any field before a route reads the request.
      scope.addHook('preHandler', async (request) => {
        validateRequestWithoutNul(request.query);
        validateRequestWithoutNul(request.body);
      });
      if (artifactsOnly) {
        scope.addHook('onRequest', async (request, reply) => {
          return reply
            .code(503)
            .type('text/plain; charset=utf-8')
            .send(
              `Endpoint: ${request.routeOptions.url ?? request.url} disabled because the server runs with --artifacts-only. ` +
                'To enable tracking, run `orrery server` without --artifacts-only.',
            );
        });
      }
      registerDeclaredRoutes(scope, prefix, TRACKING_ROUTES, (request) => {
        const visibility = options.auth === undefined ? undefined : authOf(request).visibility;
        return visibility === undefined ? trackingContext! : { ...trackingContext!, visibility };
      });
      registerRegistryRoutes(scope, prefix, registryRouteContext(options), options.auth === undefined ? undefined : (request) => authOf(request).visibility);
      if (options.auth !== undefined) registerAuthRoutes(scope, prefix, options.auth, principalOf);
    });
    registerArtifactProxyRoutes(app, prefix, { artifactDestination, serveArtifacts });
  }

  if (options.uiDirectory !== false) {
    registerUiRoutes(app, {
      uiDirectory: options.uiDirectory ?? defaultUiDirectory(),
      ...(trackingContext !== undefined ? { tracking: trackingContext } : {}),
      registryStore: registryRouteContext(options).registryStore,
    });
  }

  app.addHook('onReady', async () => {
    app.log.info(
      {
        artifactsOnly,
        serveArtifacts,
        // Artifact URIs may carry credentials (ftp://user:password@...): never log them as given.
        ...(options.defaultArtifactRoot !== undefined ? { defaultArtifactRoot: redactUri(options.defaultArtifactRoot) } : {}),
        ...(options.artifactsDestination !== undefined ? { artifactsDestination: redactUri(options.artifactsDestination) } : {}),
        ...(options.allowedArtifactRoots?.length ? { allowedArtifactRoots: options.allowedArtifactRoots.map(redactUri) } : {}),
      },
      'orrery server ready',
    );
  });

  return app;
}
