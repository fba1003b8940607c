/**
 * The artifact proxy (mlflow_artifacts.proto): `/mlflow-artifacts/artifacts[/<path>]` and the
 * multipart-upload routes, streaming both ways into the destination ArtifactRepository.
 *
 * Paths: the URL path after the route is percent-decoded exactly once, then checked by core's
 * `normalizeArtifactPath`, which also refuses anything a second decoding would turn into `..`,
 * an absolute path, a backslash or a NUL byte.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrreryError, errors, normalizeArtifactPath, type ArtifactRepository } from '@orrery/core';
import { fileInfoToWire } from '../wire/tracking-wire.js';
import { parseJsonBody } from '../wire/json-body.js';
import { RequestReader } from '../wire/request-reader.js';
import { CreateMultipartUploadResponse, ListArtifactsResponse } from '@orrery/protocol';
import { Empty, listOf, messageObject, requestInt64, requestObject, stringField, type JsonSchema } from '../schemas/message-schemas.js';

export interface ArtifactProxyContext {
  /** The destination repository; throws when the server does not serve artifacts. */
  artifactDestination(): Promise<ArtifactRepository>;
  /** Whether the proxy routes answer (`--serve-artifacts`). */
  serveArtifacts: boolean;
}

/** Multipart requests carry a small JSON body; more than this is refused. */
const MULTIPART_BODY_LIMIT = 1_000_000;

const MIME_TYPES: Record<string, string> = {
  json: 'application/json',
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  yaml: 'text/yaml',
  yml: 'text/yaml',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
};

/** The content type a downloaded artifact is sent with, by its extension. */
export function mimeTypeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  const extension = dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
  return MIME_TYPES[extension] ?? 'application/octet-stream';
}

/**
 * `attachment` with the file name: an ASCII fallback for old clients and the exact UTF-8 name in
 * `filename*` (RFC 6266), since header values cannot carry raw non-ASCII characters.
 */
export function contentDisposition(basename: string): string {
  const ascii = basename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(basename)}`;
}

/** The artifact path in a request URL after `marker`, decoded once and validated. */
export function artifactPathFromUrl(url: string, marker: string): string {
  const query = url.indexOf('?');
  const pathname = query < 0 ? url : url.slice(0, query);
  const at = pathname.indexOf(marker);
  const raw = at < 0 ? '' : pathname.slice(at + marker.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw errors.invalidParameter(`Invalid artifact path ${JSON.stringify(raw.slice(0, 200))}: malformed percent-encoding.`);
  }
  return normalizeArtifactPath(decoded);
}

function requireFilePath(path: string): string {
  if (path === '') throw errors.invalidParameter('Invalid artifact path "": the path must name a file or directory below the root.');
  return path;
}

/** Reads a small request body (multipart routes) into an object, refusing more than the limit. */
async function readSmallJsonBody(request: FastifyRequest): Promise<Record<string, unknown>> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw errors.invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length;
    if (size > MULTIPART_BODY_LIMIT) throw errors.invalidParameter(`Request body exceeds ${MULTIPART_BODY_LIMIT} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return parseJsonBody(Buffer.concat(chunks).toString('utf8'));
}

/** Sends a JSON answer, serialized by the route's response schema, as MLflow's bare `application/json`. */
function sendJson(reply: FastifyReply, body: Record<string, unknown>): FastifyReply {
  return reply.type('application/json').send(reply.serialize(body));
}

const TAG = 'artifact proxy';
const PATH_NOTE = 'The artifact path follows the route, percent-encoded once.';

/** Registers the proxy routes under `prefix` (`/api/2.0` or `/ajax-api/2.0`) in an encapsulated scope. */
export function registerArtifactProxyRoutes(app: FastifyInstance, prefix: string, context: ArtifactProxyContext): void {
  const artifactsMarker = `${prefix}/mlflow-artifacts/artifacts/`;
  void app.register(async (scope) => {
    // Upload bodies are streamed by the handler straight into the repository, whatever their size
    // or content type: no parser may buffer them.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    if (!context.serveArtifacts) {
      scope.addHook('onRequest', async (request, reply) => {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(
            `Endpoint: ${request.routeOptions.url ?? request.url} disabled because the server runs with --no-serve-artifacts. ` +
              'To enable the artifact proxy, run `orrery server` with --serve-artifacts.',
          );
      });
    }

    scope.get(
      `${prefix}/mlflow-artifacts/artifacts`,
      {
        schema: { response: { 200: ListArtifactsResponse } },
        config: {
          openapi: {
            summary: 'List a directory of the proxy destination (base names).',
            tag: TAG,
            request: requestObject('ListArtifacts', { path: stringField('Directory below the root; empty lists the root.') }),
            requestIn: 'query',
          },
        },
      },
      async (request, reply) => {
      const reader = RequestReader.fromQuery(request.query as Record<string, string[]>);
      const requested = reader.string('path');
      const path = requested === undefined ? '' : normalizeArtifactPath(requested);
      const destination = await context.artifactDestination();
      const files = (await destination.listArtifacts(path === '' ? undefined : path)).map((info) =>
        fileInfoToWire(info.path.slice(info.path.lastIndexOf('/') + 1), info),
      );
      return sendJson(reply, files.length > 0 ? { files } : {});
      },
    );

    scope.get(
      `${prefix}/mlflow-artifacts/artifacts/*`,
      { config: { openapi: { summary: `Download a file (streamed, as an attachment). ${PATH_NOTE}`, tag: TAG, rawResponse: 'application/octet-stream' } } },
      async (request, reply) => {
      const path = requireFilePath(artifactPathFromUrl(request.url, artifactsMarker));
      const destination = await context.artifactDestination();
      const stream = await destination.readArtifactStream(path);
      const basename = path.slice(path.lastIndexOf('/') + 1);
      // Always an attachment, so a browser never renders an uploaded file on the server's origin.
      return reply
        .header('content-type', mimeTypeOf(basename))
        .header('content-disposition', contentDisposition(basename))
        .header('x-content-type-options', 'nosniff')
        .send(stream);
      },
    );

    scope.put(
      `${prefix}/mlflow-artifacts/artifacts/*`,
      {
        schema: { response: { 200: Empty } },
        config: { openapi: { summary: `Upload a file: the body is streamed into the destination, unbounded. ${PATH_NOTE}`, tag: TAG, rawBody: 'application/octet-stream' } },
      },
      async (request, reply) => {
      const path = requireFilePath(artifactPathFromUrl(request.url, artifactsMarker));
      const destination = await context.artifactDestination();
      await destination.writeArtifactStream(path, request.raw);
      return sendJson(reply, {});
      },
    );

    scope.delete(
      `${prefix}/mlflow-artifacts/artifacts/*`,
      {
        schema: { response: { 200: Empty } },
        // The artifact path is the whole request: no query fields, no body.
        config: { openapi: { summary: `Delete a file or directory. ${PATH_NOTE}`, tag: TAG, request: requestObject('DeleteArtifact', {}), requestIn: 'query' } },
      },
      async (request, reply) => {
      const path = requireFilePath(artifactPathFromUrl(request.url, artifactsMarker));
      const destination = await context.artifactDestination();
      await destination.deleteArtifacts(path);
      return sendJson(reply, {});
      },
    );

    for (const action of ['create', 'complete', 'abort'] as const) {
      const marker = `${prefix}/mlflow-artifacts/mpu/${action}/`;
      const fields: Record<string, JsonSchema> =
        action === 'create'
          ? { path: stringField(), num_parts: requestInt64(undefined, { minimum: 1 }) }
          : action === 'complete'
            ? { path: stringField(), upload_id: stringField(), parts: listOf(messageObject('MultipartUploadPart', { part_number: requestInt64(), etag: stringField(), url: stringField() })) }
            : { path: stringField(), upload_id: stringField() };
      const documentation = {
        summary: `Multipart upload, ${action} (answers 501 NOT_IMPLEMENTED when the destination repository does not support it).`,
        tag: TAG,
        request: requestObject(`${action[0]!.toUpperCase()}${action.slice(1)}MultipartUpload`, fields, ['path']),
        requestIn: 'body' as const,
      };
      const response = action === 'create' ? CreateMultipartUploadResponse : Empty;
      scope.post(`${marker}*`, { schema: { response: { 200: response } }, config: { openapi: documentation } }, async (request, reply) => {
        const artifactPath = requireFilePath(artifactPathFromUrl(request.url, marker));
        const reader = RequestReader.fromJson(await readSmallJsonBody(request));
        // Every field is checked before the answer, so a bad request is told what is wrong with it.
        // `path` is the client's local file path (MLflow's Python client sends it as given to
        // log_artifact); the artifact path comes from the URL, so this is only a required string.
        reader.string('path', { required: true });
        const numParts = action === 'create' ? reader.integer('num_parts', { min: 1 }) : undefined;
        const uploadId = action === 'create' ? undefined : reader.string('upload_id');
        const parts =
          action === 'complete'
            ? reader.messageList('parts', (part) => ({
                partNumber: part.integer('part_number', { min: 1 }),
                etag: part.string('etag'),
                url: part.string('url'),
              }))
            : undefined;
        const destination = await context.artifactDestination();
        // Multipart upload is an optional capability of a repository (e.g. Azure Blob's staged
        // blocks). Without it MLflow answers the same (e.g. for local folders), and its clients
        // then upload in one PUT.
        const unsupported = new OrreryError('NOT_IMPLEMENTED', 'Multipart upload is not supported for the current artifact repository');
        if (action === 'create') {
          if (!destination.createMultipartUpload) throw unsupported;
          const created = await destination.createMultipartUpload(artifactPath, Number(numParts ?? 1));
          return sendJson(reply, {
            ...(created.uploadId !== undefined ? { upload_id: created.uploadId } : {}),
            credentials: created.credentials.map((credential) => ({
              url: credential.url,
              part_number: credential.partNumber,
              headers: credential.headers,
            })),
          });
        }
        if (action === 'complete') {
          if (!destination.completeMultipartUpload) throw unsupported;
          await destination.completeMultipartUpload(
            artifactPath,
            uploadId,
            (parts ?? []).map((part) => ({
              partNumber: Number(part.partNumber ?? 0),
              etag: part.etag ?? '',
              ...(part.url !== undefined ? { url: part.url } : {}),
            })),
          );
          return sendJson(reply, {});
        }
        if (!destination.abortMultipartUpload) throw unsupported;
        await destination.abortMultipartUpload(artifactPath, uploadId);
        return sendJson(reply, {});
      });
    }
  });
}
