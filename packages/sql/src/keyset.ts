import { createHash } from 'node:crypto';
import { decodePageToken, encodePageToken, errors } from '@orrery/core';
import type { SqlFragment } from './sql-fragment.js';
import { joinSql, sql, trustedSql } from './sql-fragment.js';

/**
 * Keyset pagination. A query orders by a list of sort keys whose last key is unique (a primary
 * key), so every row has a distinct position; the page token carries the last row's key values,
 * and the next page asks for rows strictly after them. Rows inserted or deleted between pages
 * never shift the others, so pages neither repeat nor skip a row that exists throughout.
 *
 * A key may be NULL only where all rows that tie on the keys before it are NULL too (the search
 * compiler puts a "null rank" key before each nullable value), so NULL compares as equal.
 */
export interface SortKey {
  /** SQL expression of the key (built from whitelisted columns only). */
  expr: SqlFragment;
  ascending: boolean;
}

/** A key value as stored in a token; non-finite numbers are tagged because JSON cannot hold them. */
type TokenValue = string | number | null | { n: 'Infinity' | '-Infinity' | 'NaN' };

function toTokenValue(value: unknown): TokenValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    return { n: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  if (typeof value === 'bigint') return Number(value);
  return String(value);
}

function fromTokenValue(value: unknown): string | number | null {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'n' in value) {
    const n = (value as { n: unknown }).n;
    if (n === 'Infinity') return Infinity;
    if (n === '-Infinity') return -Infinity;
    if (n === 'NaN') return NaN;
  }
  throw errors.invalidParameter('Invalid page token: it was not issued for this request.');
}

/** Fingerprint of the request a token belongs to, so a token cannot be replayed on another query. */
export function queryFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** Makes the opaque token for the page after the row whose sort-key values are `values`. */
export function makeKeysetToken(fingerprint: string, values: readonly unknown[]): string {
  return encodePageToken({ q: fingerprint, k: values.map(toTokenValue) });
}

/**
 * Reads a token made by `makeKeysetToken` for the same request; throws INVALID_PARAMETER_VALUE for
 * anything else.
 */
export function readKeysetToken(token: string, fingerprint: string, keyCount: number): Array<string | number | null> {
  const state = decodePageToken(token);
  const keys = state.k;
  if (state.q !== fingerprint || !Array.isArray(keys) || keys.length !== keyCount) {
    throw errors.invalidParameter(
      `Invalid page token '${token.length > 40 ? `${token.slice(0, 40)}...` : token}': it was not issued for this request.`,
    );
  }
  return keys.map(fromTokenValue);
}

/** `(row after cursor)` in the lexicographic order of `keys`. */
export function keysetAfter(keys: readonly SortKey[], cursor: readonly (string | number | null)[]): SqlFragment {
  const build = (i: number): SqlFragment => {
    const key = keys[i]!;
    const value = cursor[i] ?? null;
    const last = i === keys.length - 1;
    const op = trustedSql(key.ascending ? ' > ' : ' < ');
    if (value === null) {
      // Every row tying on the earlier keys has NULL here too: compare the rest.
      return last ? sql`(1 = 0)` : build(i + 1);
    }
    if (last) return sql`${key.expr}${op}${value}`;
    return sql`(${key.expr}${op}${value} OR (${key.expr} = ${value} AND ${build(i + 1)}))`;
  };
  return build(0);
}

/** `ORDER BY` body for the keys. */
export function orderByKeys(keys: readonly SortKey[]): SqlFragment {
  return joinSql(keys.map((k) => sql`${k.expr}${trustedSql(k.ascending ? ' ASC' : ' DESC')}`));
}
