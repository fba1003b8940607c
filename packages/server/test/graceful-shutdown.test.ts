import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/graceful-server.mjs', import.meta.url));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts the built server in a child process and waits for its address. */
async function startChild(cwd: string): Promise<{ child: ChildProcess; url: URL; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [FIXTURE], {
    cwd,
    env: { ...process.env, ORRERY_LOG_LEVEL: 'warn', ORRERY_TEST_SERVER_OPTIONS: JSON.stringify({ port: 0, cwd }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /LISTENING (\S+)/.exec(out);
      if (match) resolve(new URL(match[1]!));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  return { child, url, exited };
}

/** Whether a new TCP connection to the address is refused. */
function connectionRefused(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown', () => {
  it('finishes a slow upload in flight after SIGTERM, refuses new connections, then exits 0', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'orrery-graceful-'));
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));
    const { child, url, exited } = await startChild(cwd);

    const first = randomBytes(256 * 1024);
    const second = randomBytes(256 * 1024);
    const request = http.request(new URL('/api/2.0/mlflow-artifacts/artifacts/slow/upload.bin', url), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(first.length + second.length) },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      request.once('error', reject);
    });
    // Half the body is on its way: the request is in flight when the signal comes.
    await new Promise<void>((resolve) => request.write(first, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGTERM');

    let refused = false;
    for (let attempt = 0; attempt < 100 && !refused; attempt += 1) {
      refused = await connectionRefused(url);
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refused).toBe(true);
    expect(child.exitCode).toBeNull();

    request.end(second);
    expect(await response).toEqual({ status: 200, body: '{}' });
    expect(await exited).toBe(0);
    const stored = await readFile(path.join(cwd, 'orrery-artifacts', 'slow', 'upload.bin'));
    expect(stored.equals(Buffer.concat([first, second]))).toBe(true);
  });
});
