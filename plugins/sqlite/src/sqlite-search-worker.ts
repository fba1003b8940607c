/**
 * The body of the search thread (see sqlite-search-thread.ts): one read-only connection to the
 * database file, answering `{ id, text, values }` messages with the rows of that query. It runs
 * in a worker thread so that a search that takes long (a LIKE over long values) never blocks the
 * thread that answers other requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { compareLike } from '@orrery/core';
import { SQLITE_ILIKE_FUNCTION_NAME } from '@orrery/sql';
import { SQLITE_MMAP_BYTES } from './sqlite-dialect.js';

/** What the owning executor hands over when it starts the thread. */
export interface SearchWorkerData {
  filename: string;
  busyTimeoutMs: number;
}

/** A query to run: SQL text with `?` placeholders and the values bound to them. */
export interface SearchRequest {
  id: number;
  text: string;
  values: unknown[];
}

/** The first message is `{ ready: true }`, once the connection is open; then one reply per request. */
export type SearchReply = { ready: true } | { id: number; rows: unknown[] } | { id: number; error: { message: string; code?: string } };

const STATEMENT_CACHE_SIZE = 100;

function serve(port: NonNullable<typeof parentPort>, data: SearchWorkerData): void {
  const db = new Database(data.filename, { readonly: true, fileMustExist: true, timeout: data.busyTimeoutMs });
  db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
  // The same ILIKE as the main connection's (see SqliteExecutor): Unicode case folding.
  db.function(SQLITE_ILIKE_FUNCTION_NAME, { deterministic: true }, (value: unknown, pattern: unknown) =>
    typeof value === 'string' && typeof pattern === 'string' && compareLike(value, pattern, true) ? 1 : 0,
  );
  const statements = new Map<string, Database.Statement<unknown[], unknown>>();
  const prepare = (text: string) => {
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      statements.set(text, statement);
      if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    }
    return statement;
  };
  port.on('message', (request: SearchRequest) => {
    let reply: SearchReply;
    try {
      reply = { id: request.id, rows: prepare(request.text).all(request.values) };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      reply = { id: request.id, error: { message: (error as Error).message, ...(typeof code === 'string' ? { code } : {}) } };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies SearchReply);
}

if (parentPort) serve(parentPort, workerData as SearchWorkerData);
