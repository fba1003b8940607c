import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { isOrreryError } from '@orrery/core';
import type { ErrorCode, OrreryError } from '@orrery/core';

/** A fresh local scratch directory under the OS temp dir. */
export async function makeScratchDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `orrery-${label}-`));
}

/** Writes `files` (`/`-separated relative path → content) under `dir`, creating directories. */
export async function writeLocalTree(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(dir, ...relative.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content);
  }
}

/** Every regular file under `dir`, as `/`-separated relative path → bytes. */
export async function readLocalTree(dir: string): Promise<Record<string, Buffer>> {
  const tree: Record<string, Buffer> = {};
  async function walk(current: string, prefix: string): Promise<void> {
    for (const entry of await fs.readdir(current, { withFileTypes: true })) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full, relative);
      else if (entry.isFile()) tree[relative] = await fs.readFile(full);
    }
  }
  await walk(dir, '');
  return tree;
}

/** Turns a tree of strings into the bytes `readLocalTree` returns, for `toEqual`. */
export function asBytes(files: Record<string, string | Uint8Array>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));
}

/** Reads a whole stream into memory; for small artifacts only. */
export async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The sha256 (hex) and length of a stream, consumed chunk by chunk. */
export async function hashStream(stream: AsyncIterable<Uint8Array | string>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.from(chunk);
    hash.update(buffer);
    bytes += buffer.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export interface GeneratedBytes {
  /** Yields the bytes, a fresh buffer per chunk; iterate it once. */
  body: AsyncIterable<Uint8Array>;
  /** The sha256 (hex) of what `body` yielded so far; the whole content once it is consumed. */
  sha256(): string;
}

export interface GeneratedBytesOptions {
  seed?: number;
  chunkSize?: number;
  /** Throw from the stream after this many bytes, to simulate a failed upload. */
  failAfter?: number;
  /** Called after each chunk is yielded (e.g. to sample memory use). */
  onChunk?: (bytesSoFar: number) => void;
}

/**
 * Deterministic pseudo-random bytes (xorshift32), generated chunk by chunk so that any size can be
 * streamed without holding it in memory.
 */
export function generateBytes(totalBytes: number, options: GeneratedBytesOptions = {}): GeneratedBytes {
  const chunkSize = options.chunkSize ?? 1024 * 1024;
  const hash = createHash('sha256');
  let state = (options.seed ?? 0x9e3779b9) >>> 0 || 1;
  async function* body(): AsyncGenerator<Uint8Array> {
    let produced = 0;
    while (produced < totalBytes) {
      if (options.failAfter !== undefined && produced >= options.failAfter) {
        throw new Error(`generated stream failed on purpose after ${produced} bytes`);
      }
      const size = Math.min(chunkSize, totalBytes - produced);
      const words = new Uint32Array(Math.ceil(size / 4));
      for (let i = 0; i < words.length; i += 1) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      const chunk = Buffer.from(words.buffer, 0, size);
      hash.update(chunk);
      produced += size;
      yield chunk;
      options.onChunk?.(produced);
    }
  }
  return { body: body(), sha256: () => hash.copy().digest('hex') };
}

/** Awaits `promise`, expects it to reject with an OrreryError of `code`, and returns the error. */
export async function expectOrreryError(promise: Promise<unknown>, code: ErrorCode, context = ''): Promise<OrreryError> {
  let outcome: { resolved: unknown } | { rejected: unknown };
  try {
    outcome = { resolved: await promise };
  } catch (error) {
    outcome = { rejected: error };
  }
  const label = context === '' ? '' : `${context}: `;
  if ('resolved' in outcome) {
    expect.fail(`${label}expected an OrreryError ${code}, but the call succeeded`);
  }
  const error = outcome.rejected;
  if (!isOrreryError(error)) {
    expect.fail(`${label}expected an OrreryError ${code}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  expect(error.code, `${label}${error.message}`).toBe(code);
  return error;
}
