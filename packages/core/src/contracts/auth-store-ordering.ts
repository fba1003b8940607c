/**
 * The orders and paging sizes the AuthStore contract promises, written once so every store
 * (SQL, Redis, a REST client) sorts and pages the same way.
 */
import type { ApiToken } from '../entities/auth.js';
import { validateMaxResults } from '../validation/validate.js';

/** `listAudit` returns this many entries when `maxResults` is not given. */
export const AUDIT_DEFAULT_MAX_RESULTS = 1000;
/** The most entries one `listAudit` call returns. */
export const AUDIT_MAX_RESULTS = 10_000;

/** The page size of a `listAudit` call; throws INVALID_PARAMETER_VALUE for anything but an integer from 1 to AUDIT_MAX_RESULTS. */
export function auditPageSize(maxResults: number | undefined): number {
  return validateMaxResults(maxResults, { defaultMaxResults: AUDIT_DEFAULT_MAX_RESULTS, maxResults: AUDIT_MAX_RESULTS });
}

/**
 * Code-point order (the byte order of UTF-8, which is how SQLite and PostgreSQL's "C" collation
 * compare). JavaScript's `<` compares UTF-16 code units, which puts characters beyond U+FFFF before
 * U+E000..U+FFFF; comparing code points keeps every store in one order.
 */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Experiment ids as `listExperimentPermissions` orders them: numerically when both are decimal numbers, numbers first, else by code point. */
export function compareExperimentIds(a: string, b: string): number {
  const aNumber = DECIMAL.test(a);
  const bNumber = DECIMAL.test(b);
  if (aNumber && bNumber) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  if (aNumber !== bNumber) return aNumber ? -1 : 1;
  return compareCodePoints(a, b);
}

/** `listApiTokens` order: newest first; tokens created in the same millisecond by id. */
export function compareTokensNewestFirst(a: ApiToken, b: ApiToken): number {
  return b.createdAt - a.createdAt || compareCodePoints(a.id, b.id);
}

