/**
 * A small query-fragment builder shared by every SQL dialect. Fragments keep SQL text and bound
 * values apart until `renderQuery` turns them into one statement with the dialect's placeholders
 * (the `SqlDialect` strategy its executor supplies). User input only ever travels as a bound value: the
 * only ways to put text into a fragment are the literal parts of a `sql` template, `identifier`
 * (checked against a whitelist) and `trustedSql` (for constants written in this codebase).
 */

import type { SqlDialect } from './sql-dialect.js';

/** The names of the SQL dialects, which pick a `byDialect` fragment's variant. */
export type Dialect = 'sqlite' | 'postgres';

/** A rendered statement: text with placeholders, and the values bound to them in order. */
export interface RenderedQuery {
  text: string;
  values: unknown[];
}

type Chunk =
  | { kind: 'text'; text: string }
  | { kind: 'value'; value: unknown }
  | { kind: 'list'; values: readonly (string | number)[]; elementType: 'text' | 'bigint' }
  | { kind: 'dialect'; variants: Record<Dialect, SqlFragment> };

/** An immutable piece of SQL with its bound values. Build with `sql`, never by hand. */
export class SqlFragment {
  /** @internal */
  readonly chunks: readonly Chunk[];
  /** Set by `preparedSql`: the driver may prepare this statement once per connection and reuse it. */
  readonly prepare: boolean;

  /** @internal */
  constructor(chunks: readonly Chunk[], prepare = false) {
    this.chunks = chunks;
    this.prepare = prepare;
  }
}

/**
 * Marks a whole statement as worth preparing once per connection: its text does not vary with its
 * inputs, it runs very often, and its best plan does not depend on the values bound (PostgreSQL
 * reuses a generic plan after a few executions, and skips parsing and planning from then on).
 * Not for searches, whose plans depend on how selective the values are. SQLite caches every
 * statement anyway. Embedding a marked fragment in another one drops the mark.
 */
export function preparedSql(fragment: SqlFragment): SqlFragment {
  return new SqlFragment(fragment.chunks, true);
}

/**
 * Tagged template: literal parts are SQL text, interpolated `SqlFragment`s are embedded, and every
 * other interpolated value is bound as a parameter.
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  const chunks: Chunk[] = [];
  strings.forEach((text, i) => {
    if (text.length > 0) chunks.push({ kind: 'text', text });
    if (i < values.length) {
      const value = values[i];
      if (value instanceof SqlFragment) chunks.push(...value.chunks);
      else chunks.push({ kind: 'value', value });
    }
  });
  return new SqlFragment(chunks);
}

/** The empty fragment. */
export const emptySql = new SqlFragment([]);

/** Joins fragments with a separator written in code (default `, `). */
export function joinSql(fragments: readonly SqlFragment[], separator = ', '): SqlFragment {
  const chunks: Chunk[] = [];
  fragments.forEach((fragment, i) => {
    if (i > 0 && separator.length > 0) chunks.push({ kind: 'text', text: separator });
    chunks.push(...fragment.chunks);
  });
  return new SqlFragment(chunks);
}

/**
 * SQL text written in this codebase (a column expression chosen from a fixed map, a constant).
 * Never pass anything derived from user input.
 */
export function trustedSql(text: string): SqlFragment {
  return new SqlFragment([{ kind: 'text', text }]);
}

/**
 * A quoted identifier, accepted only when it is in `allowed`. Throws otherwise, so a caller that
 * forwards a user-chosen name cannot reach a column or table outside the whitelist.
 */
export function identifier(name: string, allowed: ReadonlySet<string> | readonly string[]): SqlFragment {
  const ok = Array.isArray(allowed) ? allowed.includes(name) : (allowed as ReadonlySet<string>).has(name);
  if (!ok) throw new Error(`SQL identifier '${name}' is not in the allowed list`);
  return trustedSql(`"${name.replace(/"/g, '""')}"`);
}

/**
 * A list for `expr IN <list>` (or `expr NOT IN <list>`), bound as ONE parameter whatever its
 * length, so the statement text stays the same (and its prepared statement is reused) for any
 * number of values. Renders as `(SELECT value FROM json_each(?))` in SQLite. In PostgreSQL,
 * `IN <list>` renders as `= ANY(CAST($n AS text[]))` and `NOT IN <list>` as `<> ALL(...)` (same
 * meaning, NULLs included): the planner turns those into index scans for the listed keys, where it
 * often hash-joins a whole table against `IN (SELECT unnest(...))`. Anywhere else a list renders as
 * `(SELECT unnest(CAST($n AS text[])))`.
 */
export function sqlList(values: readonly (string | number)[], elementType: 'text' | 'bigint' = 'text'): SqlFragment {
  return new SqlFragment([{ kind: 'list', values, elementType }]);
}

/** A fragment whose text differs by dialect (the fast paths: GLOB vs LIKE, json_each vs arrays). */
export function byDialect(variants: Record<Dialect, SqlFragment>): SqlFragment {
  return new SqlFragment([{ kind: 'dialect', variants }]);
}

/**
 * Writes the SQL text that stands for bound value number `index` (1-based). The default is the
 * dialect's placeholder; a driver may bind values another way (PostgreSQL's binary COPY takes no
 * parameters, so its reader binds them as transaction-local settings).
 */
export type PlaceholderWriter = (index: number, value: unknown) => string;

/** Renders a fragment for one dialect (the strategy its executor supplies). */
export function renderQuery(fragment: SqlFragment, dialect: SqlDialect, writePlaceholder?: PlaceholderWriter): RenderedQuery {
  const values: unknown[] = [];
  let text = '';
  const placeholder = (): string =>
    writePlaceholder ? writePlaceholder(values.length, values[values.length - 1]) : dialect.placeholder(values.length);
  const bind = (value: unknown): string => {
    values.push(value);
    return placeholder();
  };
  const walk = (chunks: readonly Chunk[]): void => {
    for (const chunk of chunks) {
      switch (chunk.kind) {
        case 'text':
          text += chunk.text;
          break;
        case 'value':
          values.push(chunk.value);
          text += placeholder();
          break;
        case 'list':
          text = dialect.renderList(text, chunk.values, chunk.elementType, bind);
          break;
        case 'dialect':
          walk(chunk.variants[dialect.name].chunks);
          break;
      }
    }
  };
  walk(fragment.chunks);
  return { text, values };
}
