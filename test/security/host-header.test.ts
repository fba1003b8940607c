/**
 * DNS rebinding: a web page on attacker.example can resolve its own name to 127.0.0.1 and have
 * the victim's browser call a server on localhost; the request then carries `Host:
 * attacker.example`. The server answers only to the hosts it was told about (`--allowed-hosts`).
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAllowedHosts, parseAllowedHosts, refuseHost, serverOptionsFrom, startServer, type RunningServer } from '@orrery/server';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: { allowedHosts?: string[] } = {}): Promise<RunningServer> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'orrery-hosts-'));
  const server = await startServer({ cwd, port: 0, ...options, logger: silentLogger() });
  cleanups.push(async () => {
    await server.close();
    await rm(cwd, { recursive: true, force: true });
  });
  return server;
}

function silentLogger() {
  // A pino-compatible logger that drops everything.
  const noop = () => undefined;
  const logger = { level: 'silent', info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop, silent: noop, child: () => logger };
  return logger as never;
}

/** GET with an explicit Host header, as a browser under DNS rebinding sends it. */
function getWithHost(url: string, requestPath: string, host: string | undefined): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: requestPath, method: 'GET', setHost: host === undefined ? false : true, headers: host === undefined ? {} : { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('Host header check (DNS rebinding)', () => {
  it('refuses a request naming a host the server was not told about, before any route runs', async () => {
    const server = await serve();
    const port = new URL(server.url).port;
    const refused = await getWithHost(server.url, '/api/2.0/mlflow/experiments/search?max_results=10', `attacker.example:${port}`);
    expect(refused.status).toBe(403);
    const body = JSON.parse(refused.body) as { error_code: string; message: string };
    expect(body.error_code).toBe('PERMISSION_DENIED');
    expect(body.message).toContain('--allowed-hosts');
    expect(refused.body).not.toContain('Default');

    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost']) {
      const answered = await getWithHost(server.url, '/api/2.0/mlflow/experiments/search?max_results=10', host);
      expect(answered.status, host).toBe(200);
      expect(answered.body).toContain('Default');
    }
  });

  it('answers the hosts named by --allowed-hosts, with wildcards and ports, and any host with *', async () => {
    const server = await serve({ allowedHosts: ['mlflow.internal:5000,*.corp.example'] });
    const port = new URL(server.url).port;
    expect((await getWithHost(server.url, '/health', 'mlflow.internal:5000')).status).toBe(200);
    expect((await getWithHost(server.url, '/health', `mlflow.internal:${port}`)).status).toBe(403);
    expect((await getWithHost(server.url, '/health', 'ml.corp.example')).status).toBe(200);
    expect((await getWithHost(server.url, '/health', 'corp.example')).status).toBe(403);
    // Naming hosts replaces the default: localhost is no longer implied.
    expect((await getWithHost(server.url, '/health', `127.0.0.1:${port}`)).status).toBe(403);

    const open = await serve({ allowedHosts: ['*'] });
    expect((await getWithHost(open.url, '/health', 'anything.example')).status).toBe(200);
  });

  it('refuses a request without a Host header', async () => {
    const server = await serve();
    const answer = await getWithHost(server.url, '/health', undefined);
    // Node's HTTP parser already answers 400 to an HTTP/1.1 request without Host; either way it is refused.
    expect([400, 403]).toContain(answer.status);
    expect(answer.body).not.toBe('OK');
  });

  it('takes --allowed-hosts from the flag, ORRERY_ALLOWED_HOSTS, then MLflow 3\'s MLFLOW_SERVER_ALLOWED_HOSTS', () => {
    expect(serverOptionsFrom({}, () => false, { MLFLOW_SERVER_ALLOWED_HOSTS: 'a.example' }).allowedHosts).toEqual(['a.example']);
    expect(serverOptionsFrom({}, () => false, { ORRERY_ALLOWED_HOSTS: 'b.example', MLFLOW_SERVER_ALLOWED_HOSTS: 'a.example' }).allowedHosts).toEqual(['b.example']);
    expect(serverOptionsFrom({ allowedHosts: 'c.example' }, (name) => name === 'allowedHosts', { ORRERY_ALLOWED_HOSTS: 'b.example' }).allowedHosts).toEqual(['c.example']);
  });

  it('matches patterns as documented', () => {
    const allowed = parseAllowedHosts(['192.168.*', '[::1]:5000', 'Example.COM']);
    expect(refuseHost(allowed, '192.168.1.7:5000')).toBeUndefined();
    expect(refuseHost(allowed, '192.169.1.7')).toBeDefined();
    expect(refuseHost(allowed, '[::1]:5000')).toBeUndefined();
    expect(refuseHost(allowed, '[::1]:5001')).toBeDefined();
    expect(refuseHost(allowed, 'example.com')).toBeUndefined();
    expect(refuseHost(allowed, 'example.com.attacker.example')).toBeDefined();
    expect(refuseHost(allowed, 'example.com:80:80')).toBeDefined();
    expect(() => parseAllowedHosts(['exa*mple.com'])).toThrow(/--allowed-hosts/);
    expect(() => parseAllowedHosts([' , '])).toThrow(/empty/);
    // Bound to every interface: this machine's own addresses are answered, other names are not.
    const wildcard = defaultAllowedHosts('0.0.0.0');
    expect(refuseHost(wildcard, '127.0.0.1:5000')).toBeUndefined();
    expect(refuseHost(wildcard, 'attacker.example')).toBeDefined();
    expect(refuseHost(defaultAllowedHosts('10.1.2.3'), '10.1.2.3:5000')).toBeUndefined();
  });
});
