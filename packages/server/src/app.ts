/**
 * The tracking server's Fastify application: MLflow's REST API 2.0 tracking routes under
 * `/api/2.0` and `/ajax-api/2.0`, the artifact proxy, `/health` and `/version`. It holds no state
 * of its own beyond the stores it is given, so any number of processes can serve one store.
 */
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import {
  OrreryError,
  errors,
  isErrorCode,
  isOrreryError,
  type ArtifactRepository,
  type ErrorCode,
  type TrackingStore,
} from '@orrery/core';
import { registerArtifactProxyRoutes } from './routes/artifact-proxy-routes.js';
import { TRACKING_ROUTES, type TrackingRouteContext } from './routes/tracking-routes.js';
import { parseJsonBody } from './wire/json-body.js';
import { parseQueryString } from './wire/query-string.js';
import { RequestReader } from './wire/request-reader.js';
import { SERVER_VERSION } from './server-version.js';

/** The two prefixes MLflow serves its API under; `/ajax-api` is the web UI's copy. */
export const API_PREFIXES = ['/api/2.0', '/ajax-api/2.0'] as const;

/** JSON bodies of tracking calls other than log-batch (1 MB, as MLflow) may be this large. */
export const DEFAULT_JSON_BODY_LIMIT = 16 * 1024 * 1024;

export interface CreateServerOptions {
  /** Where runs and experiments live. Required unless `artifactsOnly`. */
  trackingStore?: TrackingStore;
  /**
   * Opens an artifact repository for a URI (normally `PluginRegistry.openArtifactRepository`):
   * the proxy's destination, and the artifact roots of runs that are not proxied (artifacts/list).
   */
  openArtifactRepository?: (uri: string) => Promise<ArtifactRepository>;
  /** The URI the artifact proxy stores files under (`--artifacts-destination`). Required when serving artifacts. */
  artifactsDestination?: string;
  /** The default artifact root the tracking store was opened with; informative (logged). */
  defaultArtifactRoot?: string;
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
}

function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error_code: code, message });
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
 * the proxy destination, opened on first use, is closed with the server.
 */
export function createServer(options: CreateServerOptions): FastifyInstance {
  const serveArtifacts = options.serveArtifacts ?? true;
  const artifactsOnly = options.artifactsOnly ?? false;
  const store = options.trackingStore;
  if (store === undefined && !artifactsOnly) {
    throw errors.invalidParameter('createServer: trackingStore is required unless artifactsOnly is set.');
  }
  if (serveArtifacts && (options.artifactsDestination === undefined || options.openArtifactRepository === undefined)) {
    throw errors.invalidParameter('createServer: serving artifacts needs artifactsDestination and openArtifactRepository.');
  }

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT,
    // Artifact paths are long; the default of 100 characters would turn them into 404s.
    routerOptions: { maxParamLength: 65_536, querystringParser: (query: string) => parseQueryString(query) },
    return503OnClosing: true,
  });

  let destination: Promise<ArtifactRepository> | undefined;
  const artifactDestination = (): Promise<ArtifactRepository> => {
    if (!serveArtifacts) {
      return Promise.reject(
        new OrreryError(
          'INVALID_STATE',
          'This run stores its artifacts through the artifact proxy, but the server runs with --no-serve-artifacts.',
        ),
      );
    }
    destination ??= options.openArtifactRepository!(options.artifactsDestination!);
    destination.catch(() => {
      destination = undefined;
    });
    return destination;
  };
  app.addHook('onClose', async () => {
    if (destination !== undefined) await (await destination.catch(() => undefined))?.close?.();
  });

  app.setErrorHandler((error: FastifyError | OrreryError, request, reply) => {
    if (isOrreryError(error)) {
      if (error.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
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

  app.get('/health', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
  app.get('/version', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(options.version ?? SERVER_VERSION));

  const trackingContext: TrackingRouteContext | undefined =
    store === undefined
      ? undefined
      : {
          store,
          artifactDestination,
          openArtifactRepository: async (uri) => {
            if (options.openArtifactRepository === undefined) {
              throw new OrreryError('NOT_IMPLEMENTED', `The server cannot open the artifact root ${uri}: no artifact repositories are configured.`);
            }
            return options.openArtifactRepository(uri);
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
      for (const route of TRACKING_ROUTES) {
        scope.route({
          method: route.method,
          url: `${prefix}${route.path}`,
          ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
          handler: async (request, reply) => {
            const reader =
              route.method === 'GET'
                ? RequestReader.fromQuery(request.query as Record<string, string[]>)
                : RequestReader.fromJson((request.body as Record<string, unknown> | undefined) ?? {});
            const response = await route.handle(reader, trackingContext!);
            return reply.type('application/json').send(JSON.stringify(response));
          },
        });
      }
    });
    registerArtifactProxyRoutes(app, prefix, { artifactDestination, serveArtifacts });
  }

  app.addHook('onReady', async () => {
    app.log.info(
      {
        artifactsOnly,
        serveArtifacts,
        defaultArtifactRoot: options.defaultArtifactRoot,
        artifactsDestination: options.artifactsDestination,
      },
      'orrery server ready',
    );
  });

  return app;
}
