/**
 * The scoring server: MLflow's routes (`/ping`, `/health`, `/version`, `/invocations`), the Open
 * Inference Protocol v2 (`/v2/...`) and `/metrics`, on node:http (a framework's per-request work
 * costs more than scoring a small model does). The event loop only reads bodies and writes answers;
 * parsing, predicting and JSON writing happen in the pool's worker threads. A `models:/name@alias`
 * URI is re-resolved every `watchIntervalSeconds`; when the alias moves, the new version is loaded
 * beside the old one and takes over, and the old one finishes what it holds before it stops.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadModelOptions } from '@orrery/models';
import type { BatchItem } from './batch-scoring.js';
import { InferencePool, type BatchingOptions } from './inference-pool.js';
import { oipError, oipModelMetadata, type OipModelInfo } from './open-inference.js';
import { checkContentType, JSON_TYPE, type ScoringResponse } from './scoring-protocol.js';
import { ServingMetrics } from './serving-metrics.js';

/** The MLflow version whose scoring protocol this server speaks (what `/version` answers). */
export const MLFLOW_PROTOCOL_VERSION = '2.12.2';

export interface ScoringServerOptions {
  modelUri: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Inference worker threads. Default 1. */
  threads?: number;
  batching?: Partial<BatchingOptions>;
  /** Seconds a request may take before it is answered 503. Default 60 (MLflow's). */
  timeoutSeconds?: number;
  /** Seconds between checks of a `models:/name@alias` URI. Default 10. */
  watchIntervalSeconds?: number;
  /** The module that provides `loadModel` and `resolveModelVersion`. Default `@orrery/models`. */
  loaderModule?: string;
  loadOptions?: LoadModelOptions;
  /** The model's name in the Open Inference Protocol (default: the registered name, else `model`). */
  modelName?: string;
  /** Most bytes in a request body. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Where the server says what it does (default stderr). */
  log?: (line: string) => void;
}

export interface ScoringServer {
  url: string;
  port: number;
  server: Server;
  metrics: ServingMetrics;
  /** The version of the model being served (models:/ URIs). */
  modelVersion(): string | undefined;
  /** Stops accepting connections, finishes the requests in flight, stops the workers. */
  close(): Promise<void>;
}

interface ModelLoader {
  resolveModelVersion?(uri: string, options?: LoadModelOptions): Promise<{ name: string; version: string } | undefined>;
}

const ALIAS_URI = /^models:\/([^/@]+)@(.+)$/;

function registeredName(uri: string): string | undefined {
  const m = /^models:\/([^/@]+)[/@]/.exec(uri);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

function send(res: ServerResponse, response: ScoringResponse, closing: boolean): void {
  const headers: Record<string, string | number> = { 'Content-Type': response.contentType, 'Content-Length': Buffer.byteLength(response.body) };
  // While shutting down, keep-alive connections are told to go so they do not send more.
  if (closing) headers.Connection = 'close';
  res.writeHead(response.status, headers);
  res.end(response.body);
}

function json(status: number, body: unknown): ScoringResponse {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

export async function startScoringServer(options: ScoringServerOptions): Promise<ScoringServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const metrics = new ServingMetrics();
  const loaderModule = options.loaderModule ?? '@orrery/models';
  const loader = (await import(loaderModule)) as ModelLoader;
  const loadOptions = options.loadOptions ?? {};
  const name = options.modelName ?? registeredName(options.modelUri) ?? 'model';
  const aliased = ALIAS_URI.test(options.modelUri);

  const resolveVersion = async (): Promise<string | undefined> => {
    if (!options.modelUri.startsWith('models:/') || !loader.resolveModelVersion) return undefined;
    return (await loader.resolveModelVersion(options.modelUri, loadOptions))?.version;
  };

  const startPool = async (version: string | undefined): Promise<InferencePool> => {
    // The alias is pinned to the version just resolved, so a move during loading cannot mix versions.
    const uri = aliased && version !== undefined ? `models:/${registeredName(options.modelUri)!}/${version}` : options.modelUri;
    return InferencePool.start({
      modelUri: uri,
      loaderModule,
      loadOptions,
      threads: options.threads ?? 1,
      batching: options.batching ?? {},
      modelName: name,
      modelVersion: version,
      onBatch: (size, queued) => metrics.recordBatch(size, queued),
    });
  };

  let version = await resolveVersion();
  let pool = await startPool(version);
  const setInfo = (): void => {
    metrics.modelVersion.reset();
    metrics.modelVersion.set({ name, version: version ?? '', flavor: pool.info.flavor }, 1);
  };
  setInfo();
  const info = (): OipModelInfo => ({ name, version, flavor: pool.info.flavor, signature: pool.info.signature });

  let closing = false;
  let inflight = 0;
  let idle: (() => void) | undefined;
  const timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;

  const score = (item: BatchItem): Promise<ScoringResponse> => {
    const answer = pool.submit(item);
    if (!(timeoutMs > 0)) return answer;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ScoringResponse>((resolve) => {
      timer = setTimeout(
        () => resolve(json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: `The model did not answer within ${timeoutMs / 1000} seconds (--timeout).` })),
        timeoutMs,
      );
    });
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  };

  const route = async (req: IncomingMessage, body: string): Promise<[string, ScoringResponse]> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    if (path === '/invocations') {
      if (method !== 'POST') return ['/invocations', json(405, { error_code: 'BAD_REQUEST', message: `Method ${method} is not allowed on /invocations; use POST.` })];
      const format = checkContentType(req.headers['content-type']);
      if (typeof format !== 'string') return ['/invocations', format];
      return ['/invocations', await score({ protocol: 'mlflow', format, body })];
    }
    if (method === 'GET' && (path === '/ping' || path === '/health')) return [path, { status: 200, contentType: JSON_TYPE, body: '\n' }];
    if (method === 'GET' && path === '/version') return [path, { status: 200, contentType: JSON_TYPE, body: MLFLOW_PROTOCOL_VERSION }];
    if (method === 'GET' && path === '/metrics') {
      return [path, { status: 200, contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }];
    }
    if (path.startsWith('/v2')) return oipRoute(method, path, body);
    return ['other', json(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No route for ${method} ${path}.` })];
  };

  const oipRoute = async (method: string, path: string, body: string): Promise<[string, ScoringResponse]> => {
    if (method === 'GET' && path === '/v2/health/live') return ['/v2/health/live', json(200, { live: true })];
    if (method === 'GET' && path === '/v2/health/ready') {
      return ['/v2/health/ready', closing ? json(503, { ready: false }) : json(200, { ready: true })];
    }
    if (method === 'GET' && (path === '/v2' || path === '/v2/')) return ['/v2', json(200, { name: 'orrery', version: MLFLOW_PROTOCOL_VERSION, extensions: [] })];
    const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(path);
    if (!m) return ['other', oipError(404, `No route for ${method} ${path}.`)];
    const [, rawName, wantedVersion, action] = m;
    const route = `/v2/models/{name}${action ?? ''}`;
    if (decodeURIComponent(rawName!) !== name || (wantedVersion !== undefined && wantedVersion !== version)) {
      return [route, oipError(404, `Model ${decodeURIComponent(rawName!)}${wantedVersion ? ` version ${wantedVersion}` : ''} is not served here; this server serves '${name}'${version ? ` version ${version}` : ''}.`)];
    }
    if (action === '/infer') {
      if (method !== 'POST') return [route, oipError(405, 'Use POST for inference.')];
      return [route, await score({ protocol: 'oip', body })];
    }
    if (method !== 'GET') return [route, oipError(405, `Use GET for ${path}.`)];
    if (action === '/ready') return [route, json(200, { name, ready: !closing })];
    return [route, json(200, oipModelMetadata(info()))];
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const started = performance.now();
    inflight++;
    metrics.inFlight.inc();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const finish = ([routeName, response]: [string, ScoringResponse]): void => {
        send(res, response, closing);
        metrics.observeRequest(routeName, response.status, (performance.now() - started) / 1000);
        metrics.inFlight.dec();
        inflight--;
        if (inflight === 0 && idle) idle();
      };
      if (tooLarge) {
        finish(['other', json(413, { error_code: 'BAD_REQUEST', message: `The request body is larger than ${maxBody} bytes.` })]);
        return;
      }
      const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      route(req, body).then(finish, (error: unknown) =>
        finish(['other', json(500, { error_code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) })]),
      );
    });
    req.on('error', () => {
      metrics.inFlight.dec();
      inflight--;
      if (inflight === 0 && idle) idle();
    });
  });

  let watchTimer: NodeJS.Timeout | undefined;
  let reloading = false;
  const watch = async (): Promise<void> => {
    if (reloading || closing) return;
    reloading = true;
    try {
      const next = await resolveVersion();
      if (next === undefined || next === version) return;
      log(`orrery models serve: ${options.modelUri} moved from version ${version ?? '?'} to ${next}; loading it`);
      const nextPool = await startPool(next);
      if (closing) {
        await nextPool.close();
        return;
      }
      const old = pool;
      pool = nextPool;
      version = next;
      setInfo();
      metrics.reloads.inc({ outcome: 'switched' });
      log(`orrery models serve: now serving version ${next}`);
      // Requests already handed to the old pool finish there.
      await old.close();
    } catch (error) {
      metrics.reloads.inc({ outcome: 'failed' });
      log(`orrery models serve: could not switch ${options.modelUri} (still serving version ${version ?? '?'}): ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      reloading = false;
    }
  };
  if (aliased) {
    const every = Math.max(0.05, options.watchIntervalSeconds ?? 10) * 1000;
    watchTimer = setInterval(() => void watch(), every);
    watchTimer.unref();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      if (watchTimer) clearInterval(watchTimer);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inflight > 0) await new Promise<void>((resolve) => (idle = resolve));
      server.closeIdleConnections();
      await pool.close();
      // Connections that stay open without a request are cut after the answers went out.
      setTimeout(() => server.closeAllConnections(), 1000).unref();
      await stopped;
    })();
    return closed;
  };

  return { url: `http://${host}:${address.port}`, port: address.port, server, metrics, modelVersion: () => version, close };
}
