import { createHash } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Logger } from '@orrery/core';
import { errors } from '@orrery/core';
import type { RunResult, SqlExecutor, SqlFragment, StreamColumnType } from '@orrery/sql';
import { renderQuery } from '@orrery/sql';
import { postgresDialect } from './dialect/postgres-dialect.js';
import { BinaryCopyReader } from './binary-copy-reader.js';
import { isConnectionError, isRetryableTransactionError, isUniqueViolation, translatePostgresError } from './postgres-errors.js';

/** How many times a transaction PostgreSQL rolled back for a deadlock or serialization failure is run again. */
const TRANSACTION_ATTEMPTS = 4;
/** Rows per `INSERT ... SELECT FROM unnest(...)`: bounds the size of one message. */
const INSERT_CHUNK_ROWS = 20_000;
/** Plain appends of at least this many rows go through COPY, PostgreSQL's fastest load path. */
const COPY_MIN_ROWS = 64;

/**
 * BIGINT columns (timestamps, steps, ids) arrive as JS numbers rather than node-postgres' default
 * strings: every value Orrery stores fits in 2^53, and numbers keep keyset cursors and entities
 * exact. The parser is set on this pool only, never globally.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Anything that runs a query: the pool, or one checked-out client. */
type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Column → PostgreSQL type name (without length), per table, for array-typed bulk inserts. */
type ColumnTypes = Map<string, Map<string, string>>;

export interface PostgresExecutorOptions {
  logger?: Logger;
}

/**
 * The PostgreSQL `SqlExecutor` on a `pg` pool. Statements outside a transaction run on any pooled
 * connection; `transaction` checks one connection out for its length (so `BEGIN`..`COMMIT` never
 * interleaves with other callers). A connection that fails is destroyed rather than returned to the
 * pool, so the next call connects afresh: after a PostgreSQL restart the executor recovers by itself.
 * Failures that mean "the service is down or busy" become TEMPORARILY_UNAVAILABLE.
 *
 * Bulk inserts (`insertMany`) send each column as one array parameter and insert with
 * `INSERT ... SELECT * FROM unnest($1::type[], ...)`: one fixed statement text (prepared once per
 * connection) whatever the row count, and far fewer bytes to parse than multi-row VALUES. Rows with
 * an `ON CONFLICT` clause are sorted first, so concurrent upserts lock rows in the same order and
 * cannot deadlock one another.
 */
export class PostgresExecutor implements SqlExecutor {
  readonly dialect = postgresDialect;
  readonly pool: pg.Pool;
  private readonly columnTypes: ColumnTypes = new Map();
  private closed = false;

  constructor(config: pg.PoolConfig, options: PostgresExecutorOptions = {}) {
    this.pool = new pg.Pool({ ...config, types });
    // An idle connection dropped by the server emits 'error' on the pool; unhandled, it would end
    // the process. The pool has already discarded it; the next checkout connects anew.
    this.pool.on('error', (error) => {
      options.logger?.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'idle PostgreSQL connection lost');
    });
  }

  async all<T>(query: SqlFragment): Promise<T[]> {
    return (await runQuery(this.pool, query)).rows as T[];
  }

  async get<T>(query: SqlFragment): Promise<T | undefined> {
    return (await runQuery(this.pool, query)).rows[0] as T | undefined;
  }

  async run(query: SqlFragment): Promise<RunResult> {
    return { changes: (await runQuery(this.pool, query)).rowCount ?? 0 };
  }

  async insertMany(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], onConflict?: string): Promise<void> {
    // Run on one connection so the type lookup and the insert see the same search_path.
    await this.withSession((session) => session.insertMany(table, columns, rows, onConflict));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withSession((session) => session.transaction(fn));
      } catch (error) {
        // PostgreSQL rolled the whole transaction back, so running it again cannot double-write.
        const cause = (error as { cause?: unknown }).cause ?? error;
        if (attempt < TRANSACTION_ATTEMPTS && isRetryableTransactionError(cause)) {
          await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * The rows of `query` through `COPY (query) TO STDOUT (FORMAT binary)`, decoded batch by batch
   * as the socket delivers them. COPY takes no bound parameters, so the query's values travel as
   * transaction-local settings (`set_config(..., true)`, themselves bound) and the query text reads
   * them back with `current_setting`: user input still never becomes SQL text. A stable function
   * in an equality is an index condition like a parameter, so plans are the same. A read that ends
   * early (the consumer stopped, or failed) destroys its connection rather than draining the COPY.
   */
  async *streamColumns(query: SqlFragment, columns: readonly StreamColumnType[]): AsyncGenerator<unknown[][]> {
    const { text, values } = renderQuery(query, postgresDialect, settingPlaceholder);
    const settings = values.map((value, i) => `set_config('${STREAM_SETTING_PREFIX}${i + 1}', $${i + 1}, true)`);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translatePostgresError(error);
    }
    let broken = true;
    const onError = (): void => undefined;
    client.on('error', onError);
    try {
      // A stream is consumed while it is produced, so it wants the plan that yields rows in order
      // from the first one (an index scan); PostgreSQL costs plans by their total and, misjudging
      // how many rows one key of a long history has, picks a bitmap scan and a full (external)
      // sort that sends nothing until it has read everything (1M points: 1.4 s before the first
      // row, against rows from the start and 1.1 s in all).
      await client.query('BEGIN READ ONLY; SET LOCAL enable_bitmapscan = off');
      if (values.length > 0) await client.query(`SELECT ${settings.join(', ')}`, values.map(settingValue));
      const reader = new BinaryCopyReader(columns);
      const stream = client.query(copyTo(`COPY (${text}) TO STDOUT (FORMAT binary)`));
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const batch = reader.push(chunk);
        if (batch[0]!.length > 0) yield batch;
      }
      reader.finish();
      await client.query('COMMIT');
      broken = false;
    } catch (error) {
      throw translatePostgresError(error);
    } finally {
      client.off('error', onError);
      client.release(broken ? true : undefined);
    }
  }

  /**
   * Runs `fn` on one checked-out connection (for session state such as advisory locks). The
   * connection is destroyed instead of reused when it failed.
   */
  async withSession<T>(fn: (session: PostgresSession) => Promise<T>): Promise<T> {
    if (this.closed) throw errors.unavailable('The PostgreSQL store is closed.');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translatePostgresError(error);
    }
    const session = new PostgresSession(client, this.columnTypes);
    // A checked-out client has no listener of the pool's: without this one, the server ending the
    // connection (a restart, pg_terminate_backend) would be an unhandled 'error' event and end the
    // process. The statement in progress fails on its own; the client is then destroyed on release.
    const onError = (): void => {
      session.broken = true;
    };
    client.on('error', onError);
    try {
      const result = await fn(session);
      client.off('error', onError);
      client.release(session.broken ? true : undefined);
      return result;
    } catch (error) {
      client.off('error', onError);
      client.release(session.broken ? (error instanceof Error ? error : true) : undefined);
      throw error;
    }
  }

  isUniqueViolation(error: unknown): boolean {
    return isUniqueViolation(error);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Custom settings carrying the values of a streamed read (`orrery.stream_1`, ...). */
const STREAM_SETTING_PREFIX = 'orrery.stream_';

/**
 * The SQL that reads bound value `index` back from its setting, typed as the value is (settings
 * are text; a comparison with a number column needs the number's type). Wrapped in a scalar
 * subquery, so PostgreSQL evaluates it once per statement (an InitPlan) rather than once per row
 * where it appears in a filter, and can still use it as an index bound.
 */
function settingPlaceholder(index: number, value: unknown): string {
  const read = `current_setting('${STREAM_SETTING_PREFIX}${index}')`;
  if (typeof value === 'string') return `(SELECT ${read})`;
  if (typeof value === 'number') return `(SELECT CAST(${read} AS ${Number.isSafeInteger(value) ? 'BIGINT' : 'DOUBLE PRECISION'}))`;
  throw new Error(`streamColumns binds strings and numbers only, not ${value === null ? 'null' : typeof value}`);
}

/** A value as the text of its setting. */
function settingValue(value: unknown): string {
  return typeof value === 'number' ? numberText(value) : String(value);
}

/** A number as PostgreSQL reads it back exactly: shortest round-trip form, NaN and ±Infinity spelled out. */
function numberText(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
}

const statementNames = new Map<string, string>();

/**
 * The name a statement is prepared under on every connection: derived from its text, so the same
 * text is prepared once per connection and a different text never reuses another's plan. Only
 * fixed statement texts written in code are named, so the cache stays small.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `orrery_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`));
  return name;
}

async function runQuery(target: Queryable, fragment: SqlFragment): Promise<pg.QueryResult> {
  const { text, values } = renderQuery(fragment, postgresDialect);
  try {
    return await target.query(fragment.prepare ? { name: statementName(text), text, values } : { text, values });
  } catch (error) {
    throw translatePostgresError(error);
  }
}

/**
 * One connection, as an executor: what a transaction callback (and a migration holding an
 * advisory lock) runs on. `transaction` opens `BEGIN`..`COMMIT` at the outermost level and a
 * savepoint inside one.
 */
export class PostgresSession implements SqlExecutor {
  readonly dialect = postgresDialect;
  /** Set once a statement failed because the connection is gone. */
  broken = false;
  private depth = 0;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly columnTypes: ColumnTypes,
  ) {}

  async all<T>(query: SqlFragment): Promise<T[]> {
    return (await this.query(query)).rows as T[];
  }

  async get<T>(query: SqlFragment): Promise<T | undefined> {
    return (await this.query(query)).rows[0] as T | undefined;
  }

  async run(query: SqlFragment): Promise<RunResult> {
    return { changes: (await this.query(query)).rowCount ?? 0 };
  }

  async insertMany(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], onConflict?: string): Promise<void> {
    if (rows.length === 0) return;
    if (!onConflict && rows.length >= COPY_MIN_ROWS) return this.copyRows(table, columns, rows);
    const typesOf = await this.tableColumnTypes(table);
    const casts = columns.map((column, i) => {
      const type = typesOf.get(column);
      if (!type) throw new Error(`insertMany: table ${table} has no column ${column}`);
      return `CAST($${i + 1} AS ${type}[])`;
    });
    const text =
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${casts.join(', ')})` + (onConflict ? ` ${onConflict}` : '');
    const name = statementName(text);
    const ordered = onConflict ? [...rows].sort(compareRows) : rows;
    for (let start = 0; start < ordered.length; start += INSERT_CHUNK_ROWS) {
      const chunk = ordered.slice(start, start + INSERT_CHUNK_ROWS);
      const values = columns.map((_, c) => chunk.map((row) => row[c] ?? null));
      await this.raw(name, text, values);
    }
  }

  /**
   * `COPY table (columns) FROM STDIN` in text format: the log-batch fast path (no ON CONFLICT, so
   * only plain appends such as metric history take it). Runs inside the caller's transaction.
   */
  private async copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
    // A batch repeats a few strings (its run id, its metric keys) on every row: escape each once.
    const escaped = new Map<string, string>();
    let text = '';
    for (const row of rows) {
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) text += '\t';
        const value = row[c];
        if (typeof value === 'string') {
          let field = escaped.get(value);
          if (field === undefined) escaped.set(value, (field = copyField(value)));
          text += field;
        } else {
          text += copyField(value);
        }
      }
      text += '\n';
    }
    const stream = this.client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('finish', resolve);
        stream.on('error', reject);
        stream.end(text);
      });
    } catch (error) {
      if (isConnectionError(error)) this.broken = true;
      throw translatePostgresError(error);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const outer = this.depth === 0;
    const savepoint = `sp${this.depth}`;
    await this.raw(undefined, outer ? 'BEGIN' : `SAVEPOINT ${savepoint}`, []);
    this.depth++;
    try {
      const result = await fn(this);
      this.depth--;
      await this.raw(undefined, outer ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`, []);
      return result;
    } catch (error) {
      this.depth = outer ? 0 : this.depth - 1;
      if (!this.broken) {
        try {
          await this.raw(undefined, outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`, []);
        } catch {
          // The connection is gone; PostgreSQL rolls the transaction back itself.
        }
      }
      throw error;
    }
  }

  isUniqueViolation(error: unknown): boolean {
    return isUniqueViolation(error);
  }

  async close(): Promise<void> {
    throw errors.invalidState('A transaction cannot close the connection pool it runs on.');
  }

  private async query(fragment: SqlFragment): Promise<pg.QueryResult> {
    const { text, values } = renderQuery(fragment, postgresDialect);
    return this.raw(fragment.prepare ? statementName(text) : undefined, text, values);
  }

  private async raw(name: string | undefined, text: string, values: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.client.query(name ? { name, text, values } : { text, values });
    } catch (error) {
      if (isConnectionError(error)) this.broken = true;
      throw translatePostgresError(error);
    }
  }

  /** The element types of a table's columns (cached per pool; the schema only changes by migration). */
  private async tableColumnTypes(table: string): Promise<Map<string, string>> {
    const cached = this.columnTypes.get(table);
    if (cached) return cached;
    const result = await this.raw(
      undefined,
      `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [table],
    );
    const map = new Map<string, string>((result.rows as { name: string; type: string }[]).map((r) => [r.name, r.type]));
    if (map.size === 0) throw new Error(`insertMany: table ${table} does not exist`);
    this.columnTypes.set(table, map);
    return map;
  }
}

/** One value in COPY's text format: `\N` for NULL, backslash escapes for the characters COPY reserves. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return numberText(value);
  return String(value).replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}

/** A total order on rows (by their first two columns, then the rest), for lock ordering. */
function compareRows(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    const sx = String(x);
    const sy = String(y);
    if (sx !== sy) return sx < sy ? -1 : 1;
  }
  return 0;
}
