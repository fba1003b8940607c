/**
 * HTTP calls to an MLflow-compatible server over Node's global fetch (streamed uploads over
 * undici's `request`): credentials, a timeout on each attempt, retries with exponential backoff
 * (connection failures, 429 and 503, for idempotent calls only), and `{error_code, message}`
 * answers turned back into OrreryError.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { OrreryError, isErrorCode, type ErrorCode } from '@orrery/core';
import { errorResponseFromWire } from '@orrery/protocol';

/**
 * TLS settings for `https://` servers, as MLflow's client takes them: a CA bundle to trust instead
 * of the system's, a client certificate (and key) for servers that ask for one, or no verification.
 */
export interface RestTlsOptions {
  /** PEM file of the CA certificate(s) that signed the server's certificate (`..._SERVER_CERT_PATH`). */
  caCertPath?: string;
  /** PEM file of the client certificate; may also hold the key (`..._CLIENT_CERT_PATH`). */
  clientCertPath?: string;
  /** PEM file of the client key, when it is not in the certificate file (`ORRERY_TRACKING_CLIENT_KEY_PATH`). */
  clientKeyPath?: string;
  /** Accept any server certificate (`..._INSECURE_TLS=true`). Encrypts without authenticating the server. */
  insecure?: boolean;
}

export interface RestTransportOptions {
  /** Server base URL, e.g. `http://127.0.0.1:5000` (a path prefix is kept; credentials in it become Basic auth). */
  baseUrl: string;
  /** Bearer token; wins over username/password. */
  token?: string;
  username?: string;
  password?: string;
  /** Time allowed for each attempt to get response headers, in ms (default 120 s). */
  timeoutMs?: number;
  /** Retries after the first attempt for idempotent calls (default 5). */
  maxRetries?: number;
  /** First backoff delay in ms, doubled each retry (default 100). */
  backoffMs?: number;
  /** Longest backoff delay in ms (default 10 s). */
  maxBackoffMs?: number;
  /** TLS settings for https servers; default: verify against the system's CAs. */
  tls?: RestTlsOptions;
  /** Replaces the global fetch (tests); streamed request bodies are sent with undici's `request` regardless. */
  fetch?: typeof fetch;
}

function parseFlag(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid ${name}=${value}: expected true or false.`);
}

/** Transport options from the environment, `ORRERY_*` first, then MLflow's `MLFLOW_*` names. */
export function transportOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<RestTransportOptions, 'baseUrl'> {
  const read = (name: string): string | undefined => {
    const value = env[`ORRERY_${name}`] ?? env[`MLFLOW_${name}`];
    return value !== undefined && value !== '' ? value : undefined;
  };
  const options: Omit<RestTransportOptions, 'baseUrl'> = {};
  const token = read('TRACKING_TOKEN');
  if (token !== undefined) options.token = token;
  const username = read('TRACKING_USERNAME');
  if (username !== undefined) options.username = username;
  const password = read('TRACKING_PASSWORD');
  if (password !== undefined) options.password = password;
  const timeout = Number(read('HTTP_REQUEST_TIMEOUT'));
  if (Number.isFinite(timeout) && timeout > 0) options.timeoutMs = timeout * 1000;
  const retries = Number(read('HTTP_REQUEST_MAX_RETRIES'));
  if (Number.isInteger(retries) && retries >= 0) options.maxRetries = retries;
  const tls: RestTlsOptions = {};
  const insecure = read('TRACKING_INSECURE_TLS');
  if (insecure !== undefined && parseFlag('TRACKING_INSECURE_TLS', insecure)) tls.insecure = true;
  const caCertPath = read('TRACKING_SERVER_CERT_PATH');
  if (caCertPath !== undefined) tls.caCertPath = caCertPath;
  const clientCertPath = read('TRACKING_CLIENT_CERT_PATH');
  if (clientCertPath !== undefined) tls.clientCertPath = clientCertPath;
  const clientKeyPath = read('TRACKING_CLIENT_KEY_PATH');
  if (clientKeyPath !== undefined) tls.clientKeyPath = clientKeyPath;
  if (Object.keys(tls).length > 0) options.tls = tls;
  return options;
}

/** The error code a status stands for when the body does not name one. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'INVALID_PARAMETER_VALUE';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'RESOURCE_DOES_NOT_EXIST';
    case 409:
      return 'RESOURCE_CONFLICT';
    case 429:
      return 'REQUEST_LIMIT_EXCEEDED';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 503:
      return 'TEMPORARILY_UNAVAILABLE';
    default:
      return status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
  }
}

const MAX_SHOWN_BODY = 500;

/** Rebuilds the OrreryError a server sent (`{"error_code", "message"}`), or one from the status. */
export async function errorFromResponse(response: Response, what: string): Promise<OrreryError> {
  const text = await response.text().catch(() => '');
  try {
    const body = errorResponseFromWire(JSON.parse(text));
    if (body !== undefined) {
      const code = isErrorCode(body.errorCode) ? body.errorCode : codeForStatus(response.status);
      return new OrreryError(code, body.message);
    }
  } catch {
    // Not JSON (a proxy's HTML page, a plain-text 503): described below.
  }
  const shown = text.length > MAX_SHOWN_BODY ? `${text.slice(0, MAX_SHOWN_BODY)}...` : text;
  return new OrreryError(codeForStatus(response.status), `${what} failed with HTTP ${response.status}${shown ? `: ${shown}` : ''}`);
}

/** What a request body may be: a string, bytes, a web stream, or an async iterable (Node streams). */
export type RequestBody = NonNullable<RequestInit['body']> | AsyncIterable<Uint8Array>;

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path below the base URL, already encoded, starting with `/`. */
  path: string;
  /** Query parameters; arrays repeat the parameter. */
  query?: Record<string, string | number | ReadonlyArray<string | number> | undefined>;
  /** A JSON body (sent as `application/json`). */
  json?: unknown;
  /** A raw body; a function is called once per attempt, so a retried upload can be reopened. */
  body?: () => RequestBody;
  /** Whether repeating the call is harmless; only these are retried. */
  idempotent: boolean;
}

/** OpenSSL's codes for a certificate the client does not accept (Node passes them through). */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|HOSTNAME_MISMATCH|SSL/;

/** The certificate problem behind a fetch failure, if that is what it was. */
function certificateError(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code !== undefined && CERTIFICATE_ERROR.test(code) ? code : undefined;
}

/** Whether a fetch failure is a network-level failure (nothing or not all was exchanged). */
function isConnectionFailure(error: unknown): boolean {
  // A refused certificate is refused again on every retry.
  if (certificateError(error) !== undefined) return false;
  if (error instanceof TypeError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = cause?.code ?? cause?.message;
  return `${(error as Error).message}${detail !== undefined ? ` (${String(detail)})` : ''}`;
}

/** Statuses whose responses carry no body (a Response built with one throws). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** A streamed body as the Node stream undici's `request` pipes with backpressure, or undefined if not streamed. */
function streamedBody(body: RequestBody | undefined): Readable | undefined {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) return undefined;
  if (body instanceof Readable) return body;
  if (body instanceof ReadableStream) return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  if (Symbol.asyncIterator in body) return Readable.from(body, { objectMode: false });
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readPem(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

/**
 * One connection pool per distinct TLS setting, shared by every transport using it (a process
 * typically opens a tracking store and artifact repositories against one server).
 */
const tlsAgents = new Map<string, Agent>();

/** The undici dispatcher for `tls`, or undefined when the defaults apply. */
export function tlsDispatcher(tls: RestTlsOptions | undefined): Dispatcher | undefined {
  if (tls === undefined || (!tls.insecure && !tls.caCertPath && !tls.clientCertPath && !tls.clientKeyPath)) return undefined;
  if (tls.insecure && tls.caCertPath) {
    // As MLflow: trusting a given CA and trusting anything contradict each other.
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      'TRACKING_INSECURE_TLS and TRACKING_SERVER_CERT_PATH cannot both be set: one verifies the server against a CA, the other not at all.',
    );
  }
  if (tls.clientKeyPath && !tls.clientCertPath) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', 'A client key was given without a client certificate (TRACKING_CLIENT_CERT_PATH).');
  }
  const key = JSON.stringify([tls.insecure ?? false, tls.caCertPath ?? '', tls.clientCertPath ?? '', tls.clientKeyPath ?? '']);
  let agent = tlsAgents.get(key);
  if (agent === undefined) {
    const cert = tls.clientCertPath ? readPem('client certificate', tls.clientCertPath) : undefined;
    agent = new Agent({
      connect: {
        ...(tls.insecure ? { rejectUnauthorized: false } : {}),
        ...(tls.caCertPath ? { ca: readPem('server CA certificate', tls.caCertPath) } : {}),
        ...(cert ? { cert } : {}),
        // Without a key file the certificate file holds the key too (MLflow's single-file form).
        ...(cert ? { key: tls.clientKeyPath ? readPem('client key', tls.clientKeyPath) : cert } : {}),
      },
    });
    tlsAgents.set(key, agent);
  }
  return agent;
}

export class RestTransport {
  readonly baseUrl: string;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(options: RestTransportOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid server URL ${JSON.stringify(options.baseUrl)}: expected http(s)://host[:port][/prefix].`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid server URL ${url.protocol}//${url.host}: the scheme must be http or https.`);
    }
    // fetch refuses URLs carrying credentials; they become Basic auth instead.
    const username = options.username ?? (url.username !== '' ? decodeURIComponent(url.username) : undefined);
    const password = options.password ?? (url.password !== '' ? decodeURIComponent(url.password) : undefined);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    this.baseUrl = url.href.replace(/\/+$/, '');
    if (options.token !== undefined) this.authorization = `Bearer ${options.token}`;
    else if (username !== undefined) {
      this.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    }
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.maxRetries = options.maxRetries ?? 5;
    this.backoffMs = options.backoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.dispatcher = url.protocol === 'https:' ? tlsDispatcher(options.tls) : undefined;
  }

  private url(request: RestRequest): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
      else params.append(name, String(value));
    }
    const query = params.toString();
    return `${this.baseUrl}${request.path}${query ? `?${query}` : ''}`;
  }

  private delay(attempt: number, response?: Response): number {
    const retryAfter = Number(response?.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(retryAfter * 1000, this.maxBackoffMs);
    const exponential = Math.min(this.backoffMs * 2 ** attempt, this.maxBackoffMs);
    // Jitter spreads the retries of many clients hit by the same outage.
    return exponential / 2 + Math.random() * (exponential / 2);
  }

  /**
   * Sends a streamed body with undici's `request` rather than fetch: fetch keeps every chunk of a
   * streamed request body until the request ends (a 500 MB upload grew the process by 500 MB),
   * `request` pipes it with backpressure. Returns the answer as a fetch Response.
   */
  private async sendStreamed(url: string, method: RestRequest['method'], headers: Record<string, string>, body: Readable, signal: AbortSignal): Promise<Response> {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await undiciRequest(url, {
        method,
        headers,
        body,
        signal,
        // The same pool, hence the same TLS settings, as the fetch calls.
        ...(this.dispatcher !== undefined ? { dispatcher: this.dispatcher } : {}),
      });
    } catch (error) {
      body.destroy();
      const name = (error as { name?: unknown } | null)?.name;
      if (name === 'AbortError' || name === 'TimeoutError') throw error;
      // Shaped as fetch's failures (a TypeError with the cause), so one classification serves both paths.
      throw new TypeError('request failed', { cause: error });
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    if (NULL_BODY_STATUSES.has(answer.statusCode)) {
      await answer.body.dump();
      return new Response(null, { status: answer.statusCode, headers: responseHeaders });
    }
    // The answer to an upload is small (empty, or an error document), so it is read whole; this
    // also avoids Readable.toWeb, whose stream throws when cancelled while the source still ends.
    const responseBody = new Uint8Array(await answer.body.arrayBuffer());
    return new Response(responseBody, { status: answer.statusCode, headers: responseHeaders });
  }

  /**
   * Sends the request and returns the successful response (body unread). Throws the server's
   * error as OrreryError, or TEMPORARILY_UNAVAILABLE when the server cannot be reached.
   */
  async send(request: RestRequest): Promise<Response> {
    const url = this.url(request);
    const what = `${request.method} ${url}`;
    const attempts = request.idempotent ? this.maxRetries + 1 : 1;
    for (let attempt = 0; ; attempt += 1) {
      const headers: Record<string, string> = {};
      if (this.authorization !== undefined) headers.authorization = this.authorization;
      let body: RequestBody | undefined;
      if (request.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(request.json);
      } else if (request.body !== undefined) {
        body = request.body();
      }
      // The timeout covers waiting for the response headers, not streaming a long body afterwards.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new DOMException(`no response within ${this.timeoutMs} ms`, 'TimeoutError')), this.timeoutMs);
      const streamed = streamedBody(body);
      let response: Response;
      try {
        response = streamed !== undefined ? await this.sendStreamed(url, request.method, headers, streamed, controller.signal) : await this.fetchImpl(url, {
          method: request.method,
          headers,
          body: body as RequestInit['body'],
          signal: controller.signal,
          ...(body !== undefined && typeof body !== 'string' ? { duplex: 'half' } : {}),
          // Node's fetch is undici's: a dispatcher carries the TLS settings.
          ...(this.dispatcher !== undefined ? { dispatcher: this.dispatcher } : {}),
        } as RequestInit);
      } catch (error) {
        clearTimeout(timer);
        if (isConnectionFailure(error) && attempt + 1 < attempts) {
          await sleep(this.delay(attempt));
          continue;
        }
        const certificate = certificateError(error);
        if (certificate !== undefined) {
          throw new OrreryError(
            'UNAUTHENTICATED',
            `${what} failed: the TLS handshake failed (${certificate}). Trust the server's CA with ORRERY_TRACKING_SERVER_CERT_PATH ` +
              '(or MLFLOW_TRACKING_SERVER_CERT_PATH), give a client certificate with ..._TRACKING_CLIENT_CERT_PATH if the server asks for one, ' +
              'or, for testing only, skip verification with ..._TRACKING_INSECURE_TLS=true.',
            { cause: error },
          );
        }
        throw new OrreryError('TEMPORARILY_UNAVAILABLE', `${what} failed: ${describeCause(error)}`, { cause: error });
      }
      clearTimeout(timer);
      if (response.ok) return response;
      if ((response.status === 429 || response.status === 503) && attempt + 1 < attempts) {
        await response.body?.cancel().catch(() => undefined);
        await sleep(this.delay(attempt, response));
        continue;
      }
      throw await errorFromResponse(response, what);
    }
  }

  /** Sends a request and parses the JSON answer (an empty body is `{}`). */
  async json(request: RestRequest): Promise<Record<string, unknown>> {
    const response = await this.send(request);
    const text = await response.text();
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new OrreryError('INTERNAL_ERROR', `${request.method} ${request.path}: the server answered with invalid JSON: ${text.slice(0, MAX_SHOWN_BODY)}`);
    }
  }
}
