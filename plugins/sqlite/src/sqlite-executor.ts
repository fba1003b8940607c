import { realpathSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { compareLike, errors } from '@orrery/core';
import type { RunResult, SqlExecutor, SqlFragment } from '@orrery/sql';
import { AsyncMutex, renderQuery, SQLITE_ILIKE_FUNCTION_NAME } from '@orrery/sql';
import { SqliteSearchThread } from './sqlite-search-thread.js';
import { SQLITE_MMAP_BYTES, sqliteDialect } from './sqlite-dialect.js';

export interface SqliteExecutorOptions {
  /** How long a statement waits for another process's write lock before failing (default 10 s). */
  busyTimeoutMs?: number;
  /** How many prepared statements to keep (least recently used are dropped; default 500). */
  statementCacheSize?: number;
  /**
   * WAL pages written before SQLite checkpoints them into the database file (default 10000,
   * about 40 MB). Larger than SQLite's 1000 because each checkpoint syncs the file: bulk metric
   * logging runs about 15% faster, at the cost of a larger `-wal` file.
   */
  walAutocheckpointPages?: number;
  /**
   * Run the reads of searches on a worker thread with its own read-only connection (default
   * true; in-memory databases always read on the calling thread). better-sqlite3 blocks the thread
   * it runs on, and a search filter can make a read long; see `SqliteSearchThread`.
   */
  searchThread?: boolean;
  /**
   * Open the file read-only and leave its settings as they are (no WAL switch): for reading a
   * database another program owns, such as an MLflow store being imported.
   */
  readOnly?: boolean;
}

type Statement = Database.Statement<unknown[], unknown>;

/** Rows per multi-row INSERT: large enough to amortise the call, well under SQLite's 32766 variables. */
const INSERT_CHUNK_ROWS = 250;

function bindable(values: unknown[]): unknown[] {
  return values.map((v) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v));
}

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The SQLite `SqlExecutor` on one better-sqlite3 connection. better-sqlite3 is synchronous, so a
 * statement never interleaves with another; a transaction, though, spans awaits in its callback,
 * so an async mutex is held from `BEGIN IMMEDIATE` to `COMMIT` and every other statement on this
 * executor (and on any other executor of this process open on the same file) waits for it. `BEGIN IMMEDIATE` takes SQLite's write lock at once, so two processes
 * sharing a file serialise their transactions too (waiting up to `busy_timeout`). The connection
 * runs in WAL mode (readers never block the writer) with `synchronous=NORMAL` and foreign keys on.
 * Prepared statements are cached by SQL text.
 */
export class SqliteExecutor implements SqlExecutor {
  readonly dialect = sqliteDialect;
  private readonly db: Database.Database;
  private readonly mutex: AsyncMutex;
  private readonly releaseMutex: () => void;
  private readonly statements = new Map<string, Statement>();
  private readonly cacheSize: number;
  private savepoints = 0;
  private readonly searchThread: SqliteSearchThread | undefined;

  constructor(filename: string, options: SqliteExecutorOptions = {}) {
    this.cacheSize = options.statementCacheSize ?? 500;
    const shared = acquireFileMutex(filename);
    this.mutex = shared.mutex;
    this.releaseMutex = shared.release;
    try {
      this.db = new Database(filename, { timeout: options.busyTimeoutMs ?? 10_000, readonly: options.readOnly === true, fileMustExist: options.readOnly === true });
      if (filename !== ':memory:' && filename !== '' && options.readOnly !== true) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.floor(options.walAutocheckpointPages ?? 10_000))}`);
      }
      if (options.readOnly !== true) this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
      // ILIKE with Unicode case folding (SQLite's LIKE folds ASCII only); see the search compiler.
      this.db.function(SQLITE_ILIKE_FUNCTION_NAME, { deterministic: true }, (value: unknown, pattern: unknown) =>
        typeof value === 'string' && typeof pattern === 'string' && compareLike(value, pattern, true) ? 1 : 0,
      );
    } catch (error) {
      this.releaseMutex();
      throw errors.unavailable(`Cannot open SQLite database '${filename}': ${(error as Error).message}`, error);
    }
    // Another connection cannot see an in-memory (or temporary) database.
    const onDisk = !this.db.memory && filename !== '';
    this.searchThread =
      onDisk && options.searchThread !== false && options.readOnly !== true && SqliteSearchThread.available()
        ? new SqliteSearchThread({ filename: this.db.name, busyTimeoutMs: options.busyTimeoutMs ?? 10_000 })
        : undefined;
  }

  async all<T>(query: SqlFragment): Promise<T[]> {
    return this.exclusive(() => this.allNow<T>(query));
  }

  /** Runs the read on the search thread (see `SqliteSearchThread`), or here for in-memory databases. */
  async allOffThread<T>(query: SqlFragment): Promise<T[]> {
    const thread = this.searchThread;
    if (thread === undefined || thread.failedToStart) return this.all<T>(query);
    const { text, values } = renderQuery(query, sqliteDialect);
    try {
      return await thread.all<T>(text, bindable(values));
    } catch (error) {
      // A thread that could not start (a broken install) must not take searches down with it.
      if (thread.failedToStart) return this.all<T>(query);
      throw error;
    }
  }

  async get<T>(query: SqlFragment): Promise<T | undefined> {
    return this.exclusive(() => this.getNow<T>(query));
  }

  async run(query: SqlFragment): Promise<RunResult> {
    return this.exclusive(() => this.runNow(query));
  }

  async insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
    onConflict?: string,
  ): Promise<void> {
    return this.exclusive(() => this.insertManyNow(table, columns, rows, onConflict));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const release = await this.mutex.acquire();
    try {
      return await this.transactionNow(fn);
    } finally {
      release();
    }
  }

  isUniqueViolation(error: unknown): boolean {
    const code = sqliteCode(error);
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async close(): Promise<void> {
    await this.searchThread?.close();
    await this.mutex.runExclusive(() => {
      this.statements.clear();
      if (this.db.open) this.db.close();
    });
    this.releaseMutex();
  }

  /** The raw connection, for tests and tools (pragmas, inspection). */
  get connection(): Database.Database {
    return this.db;
  }

  // ---- direct execution (caller holds the lock or owns the open transaction) ----

  /** @internal */
  allNow<T>(query: SqlFragment): T[] {
    const { text, values } = renderQuery(query, sqliteDialect);
    return this.guard(() => this.prepare(text).all(bindable(values)) as T[]);
  }

  /** @internal */
  getNow<T>(query: SqlFragment): T | undefined {
    const { text, values } = renderQuery(query, sqliteDialect);
    return this.guard(() => this.prepare(text).get(bindable(values)) as T | undefined);
  }

  /** @internal */
  runNow(query: SqlFragment): RunResult {
    const { text, values } = renderQuery(query, sqliteDialect);
    return this.guard(() => ({ changes: this.prepare(text).run(bindable(values)).changes }));
  }

  /** @internal */
  insertManyNow(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], onConflict?: string): void {
    if (rows.length === 0) return;
    const width = columns.length;
    this.guard(() => {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
        const count = Math.min(INSERT_CHUNK_ROWS, rows.length - start);
        const group = `(${new Array<string>(width).fill('?').join(', ')})`;
        const text =
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${new Array<string>(count).fill(group).join(', ')}` +
          (onConflict ? ` ${onConflict}` : '');
        const values = new Array<unknown>(count * width);
        for (let r = 0; r < count; r++) {
          const row = rows[start + r]!;
          for (let c = 0; c < width; c++) {
            const v = row[c];
            values[r * width + c] = v === undefined ? null : v;
          }
        }
        this.prepare(text).run(values);
      }
    });
  }

  /** @internal */
  async transactionNow<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.db.inTransaction) return this.savepoint(fn);
    this.guard(() => this.prepare('BEGIN IMMEDIATE').run());
    try {
      const result = await fn(new SqliteTransaction(this));
      this.guard(() => this.prepare('COMMIT').run());
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.prepare('ROLLBACK').run();
      throw error;
    }
  }

  private async savepoint<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const name = `sp${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(new SqliteTransaction(this));
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (this.db.inTransaction) {
        this.db.exec(`ROLLBACK TO ${name}`);
        this.db.exec(`RELEASE ${name}`);
      }
      throw error;
    } finally {
      this.savepoints--;
    }
  }

  private async exclusive<T>(fn: () => T): Promise<T> {
    // Nobody holds or waits for the lock: run now (statements are synchronous, so nothing can
    // start a transaction in between).
    if (this.mutex.idle) return fn();
    return this.mutex.runExclusive(fn);
  }

  private prepare(text: string): Statement {
    let statement = this.statements.get(text);
    if (statement) {
      // Refresh its place in the least-recently-used order.
      this.statements.delete(text);
      this.statements.set(text, statement);
      return statement;
    }
    statement = this.db.prepare(text);
    this.statements.set(text, statement);
    if (this.statements.size > this.cacheSize) {
      const oldest = this.statements.keys().next().value;
      if (oldest !== undefined) this.statements.delete(oldest);
    }
    return statement;
  }

  /** Translates lock timeouts into TEMPORARILY_UNAVAILABLE; everything else passes through. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      const code = sqliteCode(error);
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code?.startsWith('SQLITE_BUSY_')) {
        throw errors.unavailable(`The SQLite database is locked by another writer: ${(error as Error).message}`, error);
      }
      throw error;
    }
  }
}

/**
 * One lock per database file in this process. SQLite's busy handler waits by blocking the thread,
 * so if two connections of one process shared a file with separate locks, the second
 * `BEGIN IMMEDIATE` would block the very thread the first transaction needs to finish. Sharing
 * the lock makes them queue instead; other processes still wait on SQLite's own file lock.
 */
const fileMutexes = new Map<string, { mutex: AsyncMutex; users: number }>();

function acquireFileMutex(filename: string): { mutex: AsyncMutex; release: () => void } {
  if (filename === ':memory:' || filename === '') {
    return { mutex: new AsyncMutex(), release: () => {} };
  }
  let key = path.resolve(filename);
  try {
    key = realpathSync(key);
  } catch {
    // Not created yet: the resolved path names it.
  }
  let entry = fileMutexes.get(key);
  if (!entry) fileMutexes.set(key, (entry = { mutex: new AsyncMutex(), users: 0 }));
  entry.users++;
  let released = false;
  const shared = entry;
  return {
    mutex: shared.mutex,
    release: () => {
      if (released) return;
      released = true;
      if (--shared.users === 0) fileMutexes.delete(key);
    },
  };
}

/** The executor handed to a transaction callback: runs on the open transaction without locking. */
class SqliteTransaction implements SqlExecutor {
  readonly dialect = sqliteDialect;

  constructor(private readonly parent: SqliteExecutor) {}

  async all<T>(query: SqlFragment): Promise<T[]> {
    return this.parent.allNow<T>(query);
  }

  async get<T>(query: SqlFragment): Promise<T | undefined> {
    return this.parent.getNow<T>(query);
  }

  async run(query: SqlFragment): Promise<RunResult> {
    return this.parent.runNow(query);
  }

  async insertMany(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], onConflict?: string): Promise<void> {
    this.parent.insertManyNow(table, columns, rows, onConflict);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.parent.transactionNow(fn);
  }

  isUniqueViolation(error: unknown): boolean {
    return this.parent.isUniqueViolation(error);
  }

  async close(): Promise<void> {
    throw errors.invalidState('A transaction cannot close the connection it runs on.');
  }
}
