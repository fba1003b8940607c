import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The full 2 GB check is `node bench/artifact-proxy.mjs`; this is the same property at 256 MB.
const MB = 1024 * 1024;
const TOTAL_MB = 256;
/** The bound the issue sets for the server's resident memory while it proxies big files. */
const RSS_LIMIT_MB = 150;
const FIXTURE = fileURLToPath(new URL('./fixtures/graceful-server.mjs', import.meta.url));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Peak resident set size of a process so far (VmHWM), in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

async function startServerProcess(cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [FIXTURE], {
    cwd,
    env: { ...process.env, ORRERY_LOG_LEVEL: 'warn', ORRERY_TEST_SERVER_OPTIONS: JSON.stringify({ port: 0, cwd }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /LISTENING (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  return { child, url };
}

function upload(url: string, hash: Hash): Promise<number> {
  const block = randomBytes(MB);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL_MB * MB) } });
    request.once('error', reject);
    request.once('response', (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    let sent = 0;
    const writeMore = () => {
      while (sent < TOTAL_MB) {
        block.writeUInt32LE(sent, 0);
        const chunk = Buffer.from(block);
        hash.update(chunk);
        sent += 1;
        if (!request.write(chunk)) {
          request.once('drain', writeMore);
          return;
        }
      }
      request.end();
    };
    writeMore();
  });
}

function download(url: string, hash: Hash): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        response.once('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
        response.once('error', reject);
      })
      .once('error', reject);
  });
}

describe('artifact proxy memory', () => {
  it(
    `keeps the server's peak RSS under ${RSS_LIMIT_MB} MB through a ${TOTAL_MB} MB upload and its download`,
    async () => {
      const cwd = await mkdtemp(path.join(tmpdir(), 'orrery-proxy-memory-'));
      cleanups.push(() => rm(cwd, { recursive: true, force: true }));
      const { child, url } = await startServerProcess(cwd);
      const target = `${url}/api/2.0/mlflow-artifacts/artifacts/big/blob.bin`;

      const sent = createHash('sha256');
      expect(await upload(target, sent)).toBe(200);
      const received = createHash('sha256');
      expect(await download(target, received)).toEqual({ status: 200, bytes: TOTAL_MB * MB });
      expect(received.digest('hex')).toBe(sent.digest('hex'));

      const peak = await peakRssMb(child.pid!);
      expect(peak).toBeLessThan(RSS_LIMIT_MB);
    },
    120_000,
  );
});
