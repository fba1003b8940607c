import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errors } from '@orrery/core';
import type { SearchReply, SearchRequest, SearchWorkerData } from './sqlite-search-worker.js';

/**
 * The worker's compiled script. It is resolved in the package's `dist/` whether this module runs
 * from `dist/` or (under a test runner that loads TypeScript sources) from `src/`: a worker thread
 * loads plain JavaScript only.
 */
const WORKER_SCRIPT = fileURLToPath(new URL('../dist/sqlite-search-worker.js', import.meta.url));

interface Pending {
  resolve: (rows: unknown[]) => void;
  reject: (error: Error) => void;
}

/**
 * A worker thread with its own read-only connection to one SQLite file, running the reads of
 * searches. better-sqlite3 runs a statement on the calling thread until it ends, so a search whose
 * filter makes every row expensive would stop the server from answering anything else; here it
 * only occupies the worker. The database runs in WAL mode, so the worker's reads see the last
 * committed state and never block the main connection's writes.
 *
 * Started on first use; if it dies, the reads it held fail with TEMPORARILY_UNAVAILABLE and the
 * next read starts a new one.
 */
export class SqliteSearchThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private started = false;
  /** True when the thread died before its connection was open: callers read on their own thread instead. */
  failedToStart = false;

  constructor(private readonly data: SearchWorkerData) {}

  /** True when the compiled worker script exists (it does once the package is built). */
  static available(): boolean {
    return existsSync(WORKER_SCRIPT);
  }

  /** The rows of `text` bound with `values`, read on the worker thread. */
  all<T>(text: string, values: unknown[]): Promise<T[]> {
    if (this.closed) return Promise.reject(errors.unavailable('The SQLite search thread is closed.'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<T[]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      // Keeps the process alive only while a read is outstanding.
      worker.ref();
      worker.postMessage({ id, text, values } satisfies SearchRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(errors.unavailable('The SQLite store was closed during a search.'));
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SCRIPT, { workerData: this.data });
    worker.unref();
    worker.on('message', (reply: SearchReply) => {
      if ('ready' in reply) {
        this.started = true;
        return;
      }
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (waiting === undefined) return;
      if ('rows' in reply) waiting.resolve(reply.rows);
      else waiting.reject(translateWorkerError(reply.error));
    });
    const lost = (cause: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      if (!this.started) this.failedToStart = true;
      this.failAll(errors.unavailable(`The SQLite search thread stopped: ${String((cause as Error)?.message ?? cause)}. Retry the search.`, cause));
    };
    worker.on('error', lost);
    worker.on('exit', (code) => {
      if (this.worker === worker) lost(new Error(`exit code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const { reject } of waiting) reject(error);
  }
}

function translateWorkerError(error: { message: string; code?: string }): Error {
  if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED' || error.code?.startsWith('SQLITE_BUSY_')) {
    return errors.unavailable(`The SQLite database is locked: ${error.message}`);
  }
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}
