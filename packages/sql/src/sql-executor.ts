import type { SqlDialect } from './sql-dialect.js';
import type { SqlFragment } from './sql-fragment.js';

/** How a column of a streamed read is decoded (PostgreSQL type names). */
export type StreamColumnType = 'float8' | 'int8' | 'int4' | 'text';

/** What a write statement reports. */
export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/**
 * One database connection (or pool) as the shared SQL layer sees it: async, dialect-aware, with
 * transactions. Implementations live in the driver plugins (better-sqlite3 in `plugins/sqlite`,
 * `pg` in `plugins/postgres`). They translate driver failures they can classify: a busy or
 * unreachable database becomes `TEMPORARILY_UNAVAILABLE`.
 */
export interface SqlExecutor {
  /** The dialect statements are rendered in: the strategy for every SQL text that differs by database. */
  readonly dialect: SqlDialect;
  /** Runs a query and returns every row. */
  all<T>(query: SqlFragment): Promise<T[]>;
  /** Runs a query and returns its first row, or undefined. */
  get<T>(query: SqlFragment): Promise<T | undefined>;
  /** Runs a statement that returns no rows. */
  run(query: SqlFragment): Promise<RunResult>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws (the
   * error is rethrown). Statements must go through `tx`; other callers of the same executor wait
   * until the transaction ends. Write transactions take the write lock at BEGIN, so two
   * transactions never interleave their reads and writes.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Inserts many rows into one table: the bulk-write fast path (SQLite runs cached multi-row
   * prepared statements; PostgreSQL may use multi-row VALUES). `table`, `columns` and
   * `onConflict` are constants written in code, never user input; only `rows` are bound.
   * `onConflict` is an `ON CONFLICT ...` clause appended to every statement.
   */
  insertMany(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], onConflict?: string): Promise<void>;
  /**
   * Optional fast path for reading a large result: the rows of `query` in batches, column by
   * column (`batch[c][r]` is column `c` of row `r`; no array per row), each column decoded as
   * `columns` says (`int8` as a JS number, exact below 2^53). The whole read is one statement, so
   * it sees one snapshot, and plans that yield rows in order from the first one are preferred.
   * Ending the iteration early releases whatever the read holds. Drivers whose row-at-a-time
   * reads are already cheap (SQLite) leave it out, and callers fall back to `all`. PostgreSQL
   * implements it with a binary COPY: no per-field text decoding in JavaScript.
   */
  streamColumns?(query: SqlFragment, columns: readonly StreamColumnType[]): AsyncGenerator<unknown[][]>;
  /**
   * Optional: runs a read that may take long (the scan of a search, whose cost a filter decides)
   * where it cannot hold up other requests, and returns every row. Executors whose driver blocks
   * the calling thread (better-sqlite3) run it on another thread over their own read connection,
   * so it sees the last committed state; drivers that are already asynchronous leave it out and
   * callers use `all` (see `readSearchRows`). Not for use inside a transaction.
   */
  allOffThread?<T>(query: SqlFragment): Promise<T[]>;
  /** True when `error` is a unique or primary-key violation raised by this driver. */
  isUniqueViolation(error: unknown): boolean;
  /** Closes the connection; the executor is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * The rows of a search's main query: off the event loop where the executor can do that
 * (`allOffThread`), else through `all`. A search filter can make each row expensive (a LIKE over
 * long values), so a search must never run on the thread that answers other requests.
 */
export function readSearchRows<T>(db: SqlExecutor, query: SqlFragment): Promise<T[]> {
  return db.allOffThread ? db.allOffThread<T>(query) : db.all<T>(query);
}
