/**
 * The web UI (`@orrery/ui`, built by the workspace build into its `dist/`) and the two download
 * routes it links to, at MLflow's paths:
 * - `GET /` the app's page, `GET /static-files/*` its scripts and styles (hashed names, cached long);
 * - `GET /get-artifact?path=&run_uuid=` a run's artifact;
 * - `GET /model-versions/get-artifact?path=&name=&version=` a file of a model version.
 * Downloads go through the same path checks as the artifact proxy (core's `normalizeArtifactPath`),
 * the same trusted-root rule as artifacts/list, and the permissions in ROUTE_PERMISSIONS; they are
 * always attachments, so a browser never renders an artifact on the server's origin.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errors, joinArtifactPath, normalizeArtifactPath, type ModelRegistryStore, type TrackingStore } from '@orrery/core';
import { RequestReader } from '../wire/request-reader.js';
import { requestObject, stringField } from '../schemas/message-schemas.js';
import { contentDisposition, mimeTypeOf } from './artifact-proxy-routes.js';
import { openArtifactLocation, type TrackingRouteContext } from './tracking-routes.js';

/** The UI's built files: `@orrery/ui`'s `dist/`, or undefined when the package is not installed. */
export function defaultUiDirectory(): string | undefined {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('@orrery/ui/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

const STATIC_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface UiRouteContext {
  /** Where the built UI lives; undefined: the page says how to build it. */
  uiDirectory: string | undefined;
  /** Absent with `--artifacts-only`. */
  tracking?: Pick<TrackingRouteContext, 'artifactDestination' | 'openArtifactRoot'> & { store: TrackingStore };
  /** The registry store, or why there is none. */
  registryStore(): ModelRegistryStore;
}

async function sendArtifact(reply: FastifyReply, context: NonNullable<UiRouteContext['tracking']>, rootUri: string, relative: string): Promise<FastifyReply> {
  const { repository, path: base } = await openArtifactLocation(context, rootUri);
  const stream = await repository.readArtifactStream(joinArtifactPath(base, relative));
  const basename = relative.slice(relative.lastIndexOf('/') + 1);
  return reply
    .header('content-type', mimeTypeOf(basename))
    .header('content-disposition', contentDisposition(basename))
    .header('x-content-type-options', 'nosniff')
    .send(stream);
}

function artifactPathOf(reader: RequestReader): string {
  const requested = reader.string('path', { required: true });
  const relative = normalizeArtifactPath(requested);
  if (relative === '') throw errors.invalidParameter('Invalid artifact path "": the path must name a file below the root.');
  return relative;
}

function requireTracking(context: UiRouteContext): NonNullable<UiRouteContext['tracking']> {
  if (context.tracking === undefined) throw errors.unavailable('This server runs with --artifacts-only: there are no runs to read artifacts of.');
  return context.tracking;
}

/** Registers the UI and download routes at the root of `app` (a static prefix is stripped before routing). */
export function registerUiRoutes(app: FastifyInstance, context: UiRouteContext): void {
  const staticRoot = context.uiDirectory === undefined ? undefined : path.join(context.uiDirectory, 'static-files');

  app.get('/', { config: { openapi: { summary: 'The web UI.', tag: 'web UI', rawResponse: 'text/html' } } }, async (request, reply) => {
    // Relative links in the page need the trailing slash: `/prefix` → `/prefix/`.
    const original = request.originalUrl.split('?')[0] ?? '';
    if (!original.endsWith('/')) return reply.redirect(`${original}/`, 308);
    const index = context.uiDirectory === undefined ? undefined : path.join(context.uiDirectory, 'index.html');
    if (index === undefined || !(await stat(index).then((info) => info.isFile(), () => false))) {
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('The web UI is not built. Run `pnpm install` (or `pnpm --filter @orrery/ui build`) in the Orrery workspace, then restart the server.');
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(createReadStream(index));
  });

  app.get('/static-files/*', { config: { openapi: { summary: "The web UI's scripts and styles.", tag: 'web UI', rawResponse: 'application/octet-stream' } } }, async (request, reply) => {
    const raw = (request.params as Record<string, string>)['*'] ?? '';
    // Same check as artifact paths: no `..`, no absolute path, no backslash, no NUL.
    const relative = normalizeArtifactPath(raw);
    const file = staticRoot === undefined || relative === '' ? undefined : path.join(staticRoot, relative);
    const found = file !== undefined && (await stat(file).then((info) => info.isFile(), () => false));
    if (!found) throw errors.notFound(`No UI file ${JSON.stringify(raw.slice(0, 200))}.`);
    return reply
      .type(STATIC_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream')
      // Names carry a content hash, so a file never changes under its name.
      .header('cache-control', 'public, max-age=2419200, immutable')
      .send(createReadStream(file));
  });

  app.get(
    '/get-artifact',
    {
      config: {
        openapi: {
          summary: "Download a run's artifact, as an attachment (MLflow's UI route).",
          tag: 'web UI',
          rawResponse: 'application/octet-stream',
          request: requestObject('GetArtifact', { path: stringField('File below the run\'s artifact root.'), run_uuid: stringField(), run_id: stringField('Twin of run_uuid.') }, ['path']),
          requestIn: 'query',
        },
      },
    },
    async (request, reply) => {
      const reader = RequestReader.fromQuery(request.query as Record<string, string[]>);
      const relative = artifactPathOf(reader);
      const tracking = requireTracking(context);
      const run = await tracking.store.getRun(reader.runId());
      return sendArtifact(reply, tracking, run.info.artifactUri, relative);
    },
  );

  app.get(
    '/model-versions/get-artifact',
    {
      config: {
        openapi: {
          summary: "Download a file of a model version, as an attachment (MLflow's UI route).",
          tag: 'web UI',
          rawResponse: 'application/octet-stream',
          request: requestObject('GetModelVersionArtifact', { path: stringField('File below the version\'s storage location.'), name: stringField(), version: stringField() }, ['path', 'name', 'version']),
          requestIn: 'query',
        },
      },
    },
    async (request, reply) => {
      const reader = RequestReader.fromQuery(request.query as Record<string, string[]>);
      const relative = artifactPathOf(reader);
      const name = reader.string('name', { required: true });
      const version = reader.string('version', { required: true });
      const tracking = requireTracking(context);
      const uri = await context.registryStore().getModelVersionDownloadUri(name, version);
      return sendArtifact(reply, tracking, uri, relative);
    },
  );
}
