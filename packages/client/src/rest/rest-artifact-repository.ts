/**
 * An ArtifactRepository served by a tracking server's artifact proxy
 * (`/api/2.0/mlflow-artifacts/artifacts/<path>`), for `mlflow-artifacts:` URIs and for `http(s)`
 * URIs pointing at the proxy. Uploads and downloads stream.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  ArtifactRepositoryBase,
  OrreryError,
  errors,
  joinArtifactPath,
  normalizeArtifactPath,
  redactUri,
  resolveTrackingUri,
  type ArtifactFileInfo,
  type ArtifactRepository,
} from '@orrery/core';
import { RestTransport, transportOptionsFromEnv, type RestTransportOptions } from './rest-transport.js';
import { fileInfoFromWire } from '@orrery/protocol';

/** Where the proxy's routes are anchored below a server's base URL. */
export const ARTIFACTS_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The server a host-less `mlflow-artifacts:/...` URI is served by: the tracking URI of whoever
 * opens the repository (passed through the plugin context), else the tracking URI from the
 * environment (`ORRERY_TRACKING_URI`, `MLFLOW_TRACKING_URI`).
 */
function serverForHostlessUri(uri: string, trackingUri: string | undefined): string {
  const server = trackingUri ?? resolveTrackingUri();
  if (!/^https?:\/\//i.test(server)) {
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      `Cannot resolve ${uri}: mlflow-artifacts URIs are served by a tracking server, but the tracking URI is ${server}. ` +
        'Set ORRERY_TRACKING_URI (or MLFLOW_TRACKING_URI) to the server, e.g. http://127.0.0.1:5000.',
    );
  }
  return server;
}

/** Splits a proxied artifact URI into the server base URL and the root path inside the proxy. */
export function resolveProxiedArtifactUri(uri: string, trackingUri?: string): { server: string; root: string } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw errors.invalidParameter(`Invalid artifact URI ${JSON.stringify(uri)}.`);
  }
  const decodePath = (value: string): string => {
    try {
      return normalizeArtifactPath(decodeURIComponent(value).replace(/^\/+/, ''));
    } catch (error) {
      if (error instanceof URIError) throw errors.invalidParameter(`Invalid artifact URI ${JSON.stringify(uri)}: malformed percent-encoding.`);
      throw error;
    }
  };
  if (url.protocol === 'mlflow-artifacts:') {
    // `mlflow-artifacts://host:port/path` names its server; `mlflow-artifacts:/path` uses the tracking server.
    const server = url.host !== '' ? `http://${url.host}` : serverForHostlessUri(uri, trackingUri);
    return { server, root: decodePath(url.pathname) };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const at = url.pathname.indexOf(ARTIFACTS_ROUTE);
    const azure = /^[a-z0-9]+\.blob\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/i.test(url.hostname);
    if (at < 0 && azure) {
      // Discovery sends these hosts to the Azure Blob plugin when it is installed; reaching here means it is not.
      throw errors.invalidParameter(
        `Artifact URI ${redactUri(uri)} is an Azure Blob Storage URL, which the REST artifact client does not serve; install @orrery/plugin-azure-blob, which serves https://<account>.blob.core.windows.net/<container>/<path> locations.`,
      );
    }
    if (at < 0) {
      throw errors.invalidParameter(`Invalid artifact URI ${uri}: an http(s) artifact URI must point at a server's ${ARTIFACTS_ROUTE} route.`);
    }
    const serverUrl = new URL(url.href);
    serverUrl.pathname = url.pathname.slice(0, at);
    serverUrl.search = '';
    serverUrl.hash = '';
    return { server: serverUrl.href.replace(/\/+$/, ''), root: decodePath(url.pathname.slice(at + ARTIFACTS_ROUTE.length)) };
  }
  throw errors.invalidParameter(`Invalid artifact URI ${uri}: expected mlflow-artifacts:, http: or https:.`);
}

function encodeArtifactPath(artifactPath: string): string {
  return artifactPath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/**
 * The body's chunks without empty ones: fetch sends a streamed body chunked, and an empty chunk
 * would read as the end of the body.
 */
async function* nonEmptyChunks(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.length > 0) yield bytes;
  }
}

/**
 * The primitives over the proxy's routes; file and tree transfers come from `ArtifactRepositoryBase`.
 * Directories exist while files live below them (the proxy has no route to make one).
 */
export class RestArtifactRepository extends ArtifactRepositoryBase implements ArtifactRepository {
  readonly rootUri: string;
  private readonly transport: RestTransport;
  /** The root's path inside the proxy (`''` for the proxy's own root). */
  private readonly root: string;

  /**
   * @param rootUri `mlflow-artifacts:/...`, `mlflow-artifacts://host:port/...` or an http(s) URL of a
   *   server's proxy route.
   * @param options transport options, plus the tracking URI that host-less `mlflow-artifacts:/` URIs
   *   resolve against.
   */
  constructor(
    rootUri: string,
    options: Omit<RestTransportOptions, 'baseUrl'> & { trackingUri?: string } = transportOptionsFromEnv(),
  ) {
    super();
    const { trackingUri, ...transportOptions } = options;
    const { server, root } = resolveProxiedArtifactUri(rootUri, trackingUri);
    this.rootUri = rootUri;
    this.root = root;
    this.transport = new RestTransport({ ...transportOptions, baseUrl: server });
  }

  /** The path inside the proxy of an artifact path of this repository (validated). */
  private proxyPath(artifactPath: string | undefined): string {
    return joinArtifactPath(this.root, normalizeArtifactPath(artifactPath));
  }

  private fileRoute(proxyPath: string): string {
    return `${ARTIFACTS_ROUTE}/${encodeArtifactPath(proxyPath)}`;
  }

  /** Fast path: a local file can be sent again, so the transport may retry its upload. */
  async uploadLocalFile(localFile: string, artifactPath: string): Promise<void> {
    await this.upload(artifactPath, () => createReadStream(localFile), true);
  }

  private async upload(artifactPath: string, open: () => Readable | AsyncIterable<Uint8Array>, replayable: boolean): Promise<void> {
    const proxyPath = this.proxyPath(artifactPath);
    if (normalizeArtifactPath(artifactPath) === '') throw errors.invalidParameter('An artifact path naming a file is required.');
    const response = await this.transport.send({
      method: 'PUT',
      path: this.fileRoute(proxyPath),
      body: () => nonEmptyChunks(open()),
      idempotent: replayable,
    });
    await response.body?.cancel().catch(() => undefined);
  }

  async listArtifacts(artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const relative = normalizeArtifactPath(artifactPath);
    const proxyPath = this.proxyPath(relative);
    const response = await this.transport.json({
      method: 'GET',
      path: ARTIFACTS_ROUTE,
      query: proxyPath === '' ? {} : { path: proxyPath },
      idempotent: true,
    });
    const files = (response.files as Array<Record<string, unknown>> | undefined) ?? [];
    return files
      .map((file): ArtifactFileInfo => {
        // The server lists paths relative to the listed folder; the contract's are relative to the root.
        const info = fileInfoFromWire(file);
        return { ...info, path: relative === '' ? info.path : `${relative}/${info.path}` };
      })
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async deleteArtifacts(artifactPath?: string): Promise<void> {
    const relative = normalizeArtifactPath(artifactPath);
    const proxyPath = this.proxyPath(relative);
    if (proxyPath === '') {
      // The proxy has no route for its own root: delete what is in it, one entry at a time.
      for (const child of await this.listArtifacts()) await this.deleteArtifacts(child.path);
      return;
    }
    const response = await this.transport.send({ method: 'DELETE', path: this.fileRoute(proxyPath), idempotent: true });
    await response.body?.cancel().catch(() => undefined);
  }

  async readArtifactStream(artifactPath: string): Promise<Readable> {
    const relative = normalizeArtifactPath(artifactPath);
    if (relative === '') throw errors.invalidParameter('An artifact path naming a file is required.');
    const response = await this.transport.send({ method: 'GET', path: this.fileRoute(this.proxyPath(relative)), idempotent: true });
    if (response.body === null) return Readable.from([]);
    return Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  }

  async writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    // A stream can be sent once only, so a failed upload is not retried.
    await this.upload(artifactPath, () => body, false);
  }
}
