/**
 * The HTTP that MLflow 2.12.2's Python client puts on the wire, reproduced in TypeScript so the
 * tests can replay its flows against `orrery server` (PyPI is unreachable here, so the real client
 * cannot run). Written from reading MLflow's sources (facts only, no code copied):
 * - `mlflow/utils/rest_utils.py` `http_request`, `call_endpoint`, `verify_rest_response`: one
 *   requests.Session per host; GET sends the request message as query parameters (`params=`),
 *   every other method as a JSON body (`json=`); status ≠ 200 with a JSON object body becomes a
 *   `RestException(error_code, message)`; a 200 under `/api/2.0` must be a JSON object; the body is
 *   parsed with `parse_dict` (see protobuf-json.ts).
 * - `mlflow/utils/proto_json_utils.py` `message_to_json`: protobuf JSON with the proto field names,
 *   unset fields left out (MLflow's protos are proto2: only fields the caller set appear; empty
 *   repeated fields never), int64 fields turned back into JSON numbers, doubles that are not finite
 *   as the strings "NaN", "Infinity", "-Infinity".
 * - `mlflow/tracking/request_header/default_request_header_provider.py`: `User-Agent:
 *   mlflow-python-client/2.12.2`; requests adds `Accept-Encoding: gzip, deflate`, `Accept: *\/*`,
 *   `Connection: keep-alive`, and for `json=` `Content-Type: application/json` with
 *   `json.dumps(body, allow_nan=False)` (", " and ": " separators, non-ASCII escaped as \uXXXX).
 * - requests encodes `params=` with `urlencode(doseq=True)`: lists repeat the key, values are
 *   `str(v)`, spaces become `+`, everything but letters, digits and `_.-~` is percent-encoded.
 * - `mlflow/store/artifact/http_artifact_repo.py` and `mlflow_artifacts_repo.py` for the proxy, and
 *   `mlflow/store/artifact/artifact_repo.py` `download_artifacts` for the download walk.
 */
import { createReadStream, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseDict, parseMessage, Responses, type MessageSchema, type ParsedMessage } from './protobuf-json.js';

export const PYTHON_CLIENT_VERSION = '2.12.2';
export const PYTHON_USER_AGENT = `mlflow-python-client/${PYTHON_CLIENT_VERSION}`;
export const REST_API_PREFIX = '/api/2.0';

/** A protobuf `double` in a request message (Python prints it with `repr`, e.g. `3.0`, `1e-05`). */
export class PyFloat {
  constructor(readonly value: number) {}
}
export const pyFloat = (value: number): PyFloat => new PyFloat(value);

/** Python's `repr(float)`: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = x.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = String(x); // JS prints fixed notation in this exponent range, with the same digits
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/**
 * `message_to_json` for a request message written as a plain object in proto field order: fields
 * set to `undefined` are unset (left out), empty repeated fields are left out, non-finite doubles
 * become strings. Returns the JSON value `call_endpoint` gets back from `json.loads`.
 */
export function messageToJson(message: Record<string, unknown>): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (value instanceof PyFloat) return Number.isFinite(value.value) ? value : pythonFloatRepr(value.value);
    if (Array.isArray(value)) return value.map(convert);
    if (value !== null && typeof value === 'object') return messageToJson(value as Record<string, unknown>);
    return value;
  };
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    result[key] = convert(value);
  }
  return result;
}

function pythonString(s: string): string {
  // ensure_ascii: every UTF-16 unit above 0x7f as \uXXXX (astral characters as surrogate pairs)
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `json.dumps(value, allow_nan=False)` as requests calls it for `json=`. */
export function pythonJsonDumps(value: unknown): string {
  if (value instanceof PyFloat) {
    if (!Number.isFinite(value.value)) throw new Error('Out of range float values are not JSON compliant');
    return pythonFloatRepr(value.value);
  }
  if (value === null) return 'null';
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`a Python int was expected, got ${value}; wrap doubles in pyFloat()`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`;
  }
  throw new Error(`cannot serialize ${typeof value}`);
}

function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function pythonStr(value: unknown): string {
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** requests' `params=` encoding (`urlencode(..., doseq=True)`). */
export function pythonUrlencode(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) pairs.push(`${quotePlus(key)}=${quotePlus(pythonStr(item))}`);
  }
  return pairs.join('&');
}

/**
 * requests' `requote_uri`: characters outside the unreserved set and `!#$%&'()*+,/:;=?@[]~` (space,
 * non-ASCII, `"`, `<`, `>`, ...) are percent-encoded as UTF-8; existing `%XX` escapes are kept.
 */
export function requoteUri(text: string): string {
  return text.replace(/[^A-Za-z0-9\-._~!#$%&'()*+,/:;=?@[\]]/gu, (c) => encodeURIComponent(c));
}

/** `mlflow.exceptions.RestException`: a non-200 answer whose body is a JSON object. */
export class RestException extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(`${errorCode}: ${message}`);
  }
}

/** `MlflowException` raised for a non-200 answer that is not JSON, or a 200 that is not a JSON object. */
export class MlflowException extends Error {}

/** `requests.HTTPError` from `augmented_raise_for_status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface WireResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** `mlflow.utils.rest_utils.http_request` on one keep-alive session, as requests sends it. */
export class PythonRestClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  /** Every request sent, in order, for assertions on the wire shape. */
  readonly sent: WireRequest[] = [];

  /**
   * `hostCreds`: `MlflowHostCreds` from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (Basic,
   * used when both are set) or MLFLOW_TRACKING_TOKEN (Bearer), as `http_request` turns them into an
   * `Authorization` header on every request, artifact uploads and downloads included.
   */
  constructor(
    readonly trackingUri: string,
    readonly hostCreds: { username?: string; password?: string; token?: string } = {},
  ) {}

  /** The `Authorization` header `http_request` adds, if any. */
  private authorization(): string | undefined {
    const { username, password, token } = this.hostCreds;
    if (username && password) return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    if (token) return `Bearer ${token}`;
    return undefined;
  }

  close(): void {
    this.agent.destroy();
  }

  async httpRequest(
    method: string,
    url: string,
    options: { json?: unknown; params?: Record<string, unknown>; data?: string; extraHeaders?: Record<string, string> } = {},
  ): Promise<WireResponse> {
    const parts = /^https?:\/\/([^/:]+):(\d+)([^?]*)(\?.*)?$/.exec(url);
    if (!parts) throw new Error(`unexpected URL ${url}`);
    const [, hostname, port, rawPath, rawQuery] = parts as unknown as [string, string, string, string, string | undefined];
    let search = rawQuery ?? '';
    if (options.params !== undefined) {
      const query = pythonUrlencode(options.params);
      if (query !== '') search = `${search === '' ? '?' : `${search}&`}${query}`;
    }
    const headers: Record<string, string> = {
      'User-Agent': PYTHON_USER_AGENT,
      'Accept-Encoding': 'gzip, deflate',
      Accept: '*/*',
      Connection: 'keep-alive',
      ...options.extraHeaders,
    };
    const authorization = this.authorization();
    if (authorization !== undefined) headers.Authorization = authorization;
    let body: string | Buffer | undefined;
    let fileToSend: string | undefined;
    if (options.json !== undefined) {
      body = Buffer.from(pythonJsonDumps(options.json), 'utf8');
      headers['Content-Type'] = 'application/json';
    } else if (options.data !== undefined) {
      // `data=open(file, "rb")`: streamed, with Content-Length from the file's size
      fileToSend = options.data;
      headers['Content-Length'] = String(statSync(fileToSend).size);
    }
    if (body !== undefined) headers['Content-Length'] = String(body.length);
    const pathAndQuery = requoteUri(`${rawPath || '/'}${search}`);
    this.sent.push({ method, url: pathAndQuery, headers, ...(body !== undefined ? { body } : {}) });

    return await new Promise<WireResponse>((resolve, reject) => {
      const request = http.request(
        { host: hostname, port: Number(port), method, path: pathAndQuery, headers, agent: this.agent },
        (response) => {
          const encoding = response.headers['content-encoding'];
          const stream =
            encoding === 'gzip' ? response.pipe(zlib.createGunzip()) : encoding === 'deflate' ? response.pipe(zlib.createInflate()) : response;
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          stream.on('error', reject);
        },
      );
      request.on('error', reject);
      if (fileToSend !== undefined) createReadStream(fileToSend).pipe(request);
      else request.end(body);
    });
  }

  /** `rest_utils.verify_rest_response`. */
  static verifyRestResponse(response: WireResponse, endpoint: string): unknown {
    const text = response.body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
    if (response.status !== 200) {
      if (isObject) {
        const error = parsed as { error_code?: unknown; message?: unknown };
        throw new RestException(response.status, String(error.error_code ?? 'INTERNAL_ERROR'), String(error.message ?? ''));
      }
      throw new MlflowException(`API request to endpoint ${endpoint} failed with error code ${response.status} != 200. Response body: '${text}'`);
    }
    if (endpoint.startsWith(REST_API_PREFIX) && !isObject) {
      throw new MlflowException(`API request to endpoint was successful but the response body was not in a valid JSON format. Response body: '${text}'`);
    }
    return parsed;
  }

  /**
   * `rest_utils.call_endpoint` as `RestStore._call_endpoint` uses it: the request message through
   * `message_to_json`, GET as query parameters, others as a JSON body; the answer through
   * `verify_rest_response` and `parse_dict` into `response`.
   */
  async callEndpoint(method: 'GET' | 'POST', endpoint: string, request: Record<string, unknown>, response: MessageSchema): Promise<ParsedMessage> {
    const json = messageToJson(request);
    const url = `${this.trackingUri.replace(/\/$/, '')}${endpoint}`;
    const answer =
      method === 'GET'
        ? await this.httpRequest('GET', url, { params: unwrapFloats(json) as Record<string, unknown> })
        : await this.httpRequest(method, url, { json });
    return parseDict(response, PythonRestClient.verifyRestResponse(answer, endpoint));
  }
}

function unwrapFloats(value: unknown): unknown {
  if (value instanceof PyFloat) return value.value;
  if (Array.isArray(value)) return value.map(unwrapFloats);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapFloats(v)]));
  return value;
}

/** `_guess_mime_type` of `mlflow/utils/mime_type_utils.py` for the file names these tests use. */
export function guessMimeType(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const extension = dot > 0 ? fileName.slice(dot + 1) : fileName;
  const text = ['txt', 'log', 'cfg', 'ini', 'toml', 'yaml', 'yml', 'xml', 'json', 'js', 'py', 'csv', 'tsv', 'md', 'rst', 'MLmodel', 'MLproject'];
  if (text.includes(extension)) return 'text/plain';
  const known: Record<string, string> = { png: 'image/png', html: 'text/html', pkl: 'application/octet-stream' };
  return known[extension] ?? 'application/octet-stream';
}

export interface PyFileInfo {
  path: string;
  isDir: boolean;
  fileSize: number | null;
}

/** `validate_path_is_safe` (mlflow/utils/uri.py) on a listed path. */
function validatePathIsSafe(p: string): string {
  const decoded = decodeURIComponent(p);
  if (decoded.includes('#') || decoded.includes('\\') || decoded.split('/').includes('..') || decoded.startsWith('/') || /^[A-Za-z]:/.test(decoded)) {
    throw new MlflowException('Invalid path');
  }
  return decoded;
}

/**
 * `MlflowArtifactsRepository` over `HttpArtifactRepository`: the client side of the artifact proxy
 * for `mlflow-artifacts:` artifact URIs.
 */
export class PythonProxyArtifactRepository {
  /** The resolved `http://host/api/2.0/mlflow-artifacts/artifacts/<path>` URI. */
  readonly artifactUri: string;

  constructor(
    private readonly client: PythonRestClient,
    mlflowArtifactsUri: string,
  ) {
    this.artifactUri = PythonProxyArtifactRepository.resolveUri(mlflowArtifactsUri, client.trackingUri);
  }

  /** `MlflowArtifactsRepository.resolve_uri`. */
  static resolveUri(artifactUri: string, trackingUri: string): string {
    const base = '/api/2.0/mlflow-artifacts/artifacts';
    const tracking = new URL(trackingUri);
    // `mlflow-artifacts:/0/abc/artifacts` (no host) or `mlflow-artifacts://host:port/0/...`
    const match = /^mlflow-artifacts:(?:\/\/([^/]*))?(\/.*)?$/.exec(artifactUri);
    if (!match) throw new MlflowException(`not an mlflow-artifacts URI: ${artifactUri}`);
    const netloc = match[1] || tracking.host;
    const uriPath = match[2] ?? '';
    let resolved = uriPath === '/' ? `${base}/` : uriPath === base ? base : `${tracking.pathname}/${base}/${uriPath}`;
    resolved = resolved.replace(/\/\/+/g, '/');
    return `${tracking.protocol}//${netloc}${resolved}`.replace(/\/+$/, '');
  }

  /** `HttpArtifactRepository.log_artifact`: one PUT of the file (multipart upload is off by default). */
  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const fileName = path.basename(localFile);
    const endpoint = `/${[artifactPath, fileName].filter(Boolean).join('/')}`;
    const response = await this.client.httpRequest('PUT', `${this.artifactUri}${endpoint}`, {
      data: localFile,
      extraHeaders: { 'Content-Type': guessMimeType(fileName) },
    });
    if (response.status >= 400) throw new HttpError(response.status, response.body.toString('utf8'));
  }

  /** `HttpArtifactRepository.log_artifacts`: walks the folder, one `log_artifact` per file. */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    const walk = async (dir: string, rel: string | undefined): Promise<void> => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full, rel ? `${rel}/${entry.name}` : entry.name);
        else await this.logArtifact(full, [artifactPath, rel].filter(Boolean).join('/') || undefined);
      }
    };
    await walk(localDir, undefined);
  }

  /** `HttpArtifactRepository.list_artifacts`: `GET <api>/mlflow-artifacts/artifacts?path=<root>/<path>`. */
  async listArtifacts(listPath?: string): Promise<PyFileInfo[]> {
    const endpoint = '/mlflow-artifacts/artifacts';
    const [url, tail] = this.artifactUri.split(endpoint, 2) as [string, string];
    const root = tail.replace(/^\/+/, '');
    const response = await this.client.httpRequest('GET', `${url}${endpoint}`, { params: { path: listPath ? `${root}/${listPath}` : root } });
    if (response.status >= 400) throw new HttpError(response.status, response.body.toString('utf8'));
    // resp.json().get("files", []); the fields are read directly, so also check them as protobuf would
    const body = JSON.parse(response.body.toString('utf8')) as unknown;
    const parsed = parseMessage(Responses.ProxyListArtifacts, body);
    const files = (parsed.files ?? []) as ParsedMessage[];
    return files
      .map((f) => {
        const safe = validatePathIsSafe(f.path as string);
        return { path: listPath ? `${listPath}/${safe}` : safe, isDir: f.is_dir as boolean, fileSize: f.file_size === undefined ? null : Number(f.file_size) };
      })
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** `HttpArtifactRepository._download_file`: a streamed GET of the file. */
  async downloadFile(remotePath: string, localPath: string): Promise<void> {
    const response = await this.client.httpRequest('GET', `${this.artifactUri}/${remotePath}`);
    if (response.status >= 400) throw new HttpError(response.status, response.body.toString('utf8'));
    mkdirSync(path.dirname(localPath), { recursive: true });
    writeFileSync(localPath, response.body);
  }

  /**
   * `ArtifactRepository.download_artifacts`: a path whose listing is not empty is a directory,
   * walked recursively (an empty sub-directory is created locally); otherwise it is one file.
   */
  async downloadArtifacts(artifactPath: string, dstPath: string): Promise<string> {
    const iterRecursive = async (p: string): Promise<PyFileInfo[]> => {
      const content = (await this.listArtifacts(p)).filter((f) => f.path !== '.' && f.path !== p);
      if (content.length === 0) return [{ path: p, isDir: true, fileSize: null }];
      const out: PyFileInfo[] = [];
      for (const f of content) out.push(...(f.isDir ? await iterRecursive(f.path) : [f]));
      return out;
    };
    if ((await this.listArtifacts(artifactPath)).length > 0) {
      for (const f of await iterRecursive(artifactPath)) {
        if (f.isDir) mkdirSync(path.join(dstPath, f.path), { recursive: true });
        else await this.downloadFile(f.path, path.join(dstPath, f.path));
      }
    } else {
      await this.downloadFile(artifactPath, path.join(dstPath, artifactPath));
    }
    return path.join(dstPath, artifactPath);
  }
}
