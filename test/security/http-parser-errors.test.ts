/**
 * Finding 7 of issue #15 (HTTP parser errors): requests Node's HTTP parser refuses before Fastify
 * sees them (headers over the size limit, a bad Content-Length, a request line that is not HTTP)
 * were answered without MLflow's `{error_code, message}` body. Sent here over a raw socket, since
 * an HTTP client would refuse to send most of them.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../packages/server/test/server-fixture.js';

/** Writes `request` as bytes and reads until the server closes: status, headers and parsed body. */
async function rawRequest(url: string, request: string): Promise<{ status: number; headers: string; body: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => socket.write(request));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { status, headers: head, body: JSON.parse(text.slice(split + 4)) as Record<string, unknown> };
}

describe("answers to requests Node's HTTP parser refuses", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ listen: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers headers over the size limit with 431 REQUEST_LIMIT_EXCEEDED in JSON', async () => {
    const answer = await rawRequest(server.url, `GET /api/2.0/mlflow/experiments/search?filter=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.headers.toLowerCase()).toContain('content-type: application/json');
    expect(answer.body.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(answer.body.message).toMatch(/at most \d+ bytes/);
  });

  it.each([
    ['a Content-Length that is not a number', 'Content-Length: abc\r\n'],
    ['a negative Content-Length', 'Content-Length: -1\r\n'],
    ['two different Content-Lengths', 'Content-Length: 2\r\nContent-Length: 5\r\n'],
    ['a Content-Length with a Transfer-Encoding', 'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n'],
  ])('answers %s with 400 INVALID_PARAMETER_VALUE in JSON', async (_label, header) => {
    const answer = await rawRequest(
      server.url,
      `POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${header}\r\n{}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(answer.body.message)).toMatch(/Content-Length|Transfer-Encoding/);
    // Nothing was created by the refused request.
    expect((await server.store.searchExperiments({})).items.map((e) => e.name)).toEqual(['Default']);
  });

  it('answers a request line that is not HTTP with 400 INVALID_PARAMETER_VALUE in JSON', async () => {
    const answer = await rawRequest(server.url, 'HELLO THERE\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(answer.body.message)).toContain('Malformed HTTP request');
  });
});
