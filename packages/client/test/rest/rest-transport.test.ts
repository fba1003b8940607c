import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { RestTrackingStore, RestTransport, transportOptionsFromEnv } from '../../src/rest/index.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** A real HTTP server on 127.0.0.1 answering with the given handler, recording what it saw. */
async function serve(handler: (request: http.IncomingMessage, response: http.ServerResponse, count: number) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    request.resume();
    request.on('end', () => handler(request, response, seen.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, seen };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function json(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function caught(action: Promise<unknown>): Promise<unknown> {
  try {
    await action;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('REST transport', () => {
  it('retries idempotent calls on 503 and 429, then succeeds', async () => {
    const { url, seen } = await serve((_req, res, count) => {
      if (count === 1) return json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
      if (count === 2) return json(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'retry-after': '0' });
      return json(res, 200, { experiment: { experiment_id: '0', name: 'Default', lifecycle_stage: 'active' } });
    });
    const store = new RestTrackingStore(url, { backoffMs: 1 });
    const experiment = await store.getExperiment('0');
    expect(experiment).toMatchObject({ experimentId: '0', name: 'Default', tags: [] });
    expect(seen.map((s) => s.url)).toEqual(Array(3).fill('/api/2.0/mlflow/experiments/get?experiment_id=0'));
  });

  it('never retries a call that is not idempotent', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }));
    const store = new RestTrackingStore(url, { backoffMs: 1 });
    const error = await caught(store.logMetric('r', { key: 'm', value: 1, timestamp: 1, step: 0 }));
    expect(isOrreryError(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(seen).toHaveLength(1);
  });

  it('rebuilds the server error as OrreryError, and falls back to the status without a JSON body', async () => {
    const { url } = await serve((req, res) => {
      if (req.url?.startsWith('/api/2.0/mlflow/runs/get')) return json(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=x not found' });
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<h1>Forbidden</h1>');
    });
    const store = new RestTrackingStore(url, { maxRetries: 0 });
    const notFound = await caught(store.getRun('x'));
    expect(isOrreryError(notFound) && [notFound.code, notFound.message]).toEqual(['RESOURCE_DOES_NOT_EXIST', 'Run with id=x not found']);
    const forbidden = await caught(store.deleteRun('x'));
    expect(isOrreryError(forbidden) && forbidden.code).toBe('PERMISSION_DENIED');
    expect((forbidden as Error).message).toContain('HTTP 403');
    expect(await store.getExperimentByName('missing').catch((e: unknown) => e)).toBeInstanceOf(Error);
  });

  it('sends a Bearer token, or Basic credentials from options or the URL', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, {}));
    await new RestTransport({ baseUrl: url, token: 'tok' }).json({ method: 'GET', path: '/x', idempotent: true });
    await new RestTransport({ baseUrl: url, username: 'ana', password: 'pw' }).json({ method: 'GET', path: '/x', idempotent: true });
    const withUserInfo = url.replace('http://', 'http://bob:s%3Acret@');
    await new RestTransport({ baseUrl: withUserInfo }).json({ method: 'GET', path: '/x', idempotent: true });
    expect(seen.map((s) => s.authorization)).toEqual([
      'Bearer tok',
      `Basic ${Buffer.from('ana:pw').toString('base64')}`,
      `Basic ${Buffer.from('bob:s:cret').toString('base64')}`,
    ]);
  });

  it('reads credentials and settings from ORRERY_* before MLFLOW_* variables', () => {
    expect(
      transportOptionsFromEnv({
        MLFLOW_TRACKING_TOKEN: 'mlflow-token',
        ORRERY_TRACKING_TOKEN: 'orrery-token',
        MLFLOW_TRACKING_USERNAME: 'u',
        MLFLOW_TRACKING_PASSWORD: 'p',
        MLFLOW_HTTP_REQUEST_TIMEOUT: '7',
        ORRERY_HTTP_REQUEST_MAX_RETRIES: '2',
      }),
    ).toEqual({ token: 'orrery-token', username: 'u', password: 'p', timeoutMs: 7000, maxRetries: 2 });
  });

  it('gives up with TEMPORARILY_UNAVAILABLE when the server cannot be reached or does not answer in time', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await caught(new RestTrackingStore(`http://127.0.0.1:${port}`, { maxRetries: 2, backoffMs: 1 }).getRun('r'));
    expect(isOrreryError(refused) && refused.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect((refused as Error).message).toContain('ECONNREFUSED');

    const { url, seen } = await serve(() => {
      // Never answers.
    });
    const slow = await caught(new RestTrackingStore(url, { maxRetries: 1, backoffMs: 1, timeoutMs: 100 }).getRun('r'));
    expect(isOrreryError(slow) && slow.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(seen).toHaveLength(2);
  });

  it('streams upload bodies whole with credentials, retries only reopenable ones, and maps their failures', async () => {
    const received: string[] = [];
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(`${request.headers.authorization} ${Buffer.concat(chunks).toString()}`);
        if (received.length === 1) return json(response, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
        if (request.url === '/denied') return json(response, 403, { error_code: 'PERMISSION_DENIED', message: 'no writes here' });
        response.writeHead(204);
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const transport = new RestTransport({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'tok', backoffMs: 1 });
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('hello ');
      yield Buffer.from('world');
    }

    // A reopenable body is sent again after a 503; the answer is the server's.
    const response = await transport.send({ method: 'PUT', path: '/file', body: () => parts(), idempotent: true });
    expect(response.status).toBe(204);
    expect(received).toEqual(['Bearer tok hello world', 'Bearer tok hello world']);

    const denied = await caught(transport.send({ method: 'PUT', path: '/denied', body: () => parts(), idempotent: false }));
    expect(isOrreryError(denied) && [denied.code, denied.message]).toEqual(['PERMISSION_DENIED', 'no writes here']);
    expect(received).toHaveLength(3);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = new RestTransport({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1, backoffMs: 1 });
    const refused = await caught(unreachable.send({ method: 'PUT', path: '/file', body: () => parts(), idempotent: true }));
    expect(isOrreryError(refused) && refused.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect((refused as Error).message).toContain('ECONNREFUSED');
  });
});
