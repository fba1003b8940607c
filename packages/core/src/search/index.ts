/**
 * Search API surface: MLflow's filter and order_by grammars, page tokens, the reference run
 * evaluator and the printer. Bodies live in the files named beside each.
 */
import type { FilterAst, OrderByTerm } from './ast.js';
import { parseFilter } from './filter-parser.js';
import { parseOrderByTerms } from './order-by.js';
import { decodeToken, encodeToken } from './page-token.js';
import type { SearchEntity } from './search-entity.js';

export type { SearchEntity } from './search-entity.js';
export { SEARCH_ENTITIES } from './search-entity.js';
export { evaluateFilter, comparisonHolds, DATASET_CONTEXT_TAG } from './evaluate-filter.js';
export { compareLike } from './like-pattern.js';
export { formatSearchFilter, formatOrderByTerm } from './format-filter.js';

/**
 * Parses a filter string (undefined or blank means "match all") with the grammar of `entity`
 * (filter-parser.ts, search-keys.ts). Keys in the result are canonical: prefixes and aliases
 * resolved, quotes removed. Throws INVALID_PARAMETER_VALUE naming the offending part.
 */
export function parseSearchFilter(filter: string | undefined, entity: SearchEntity = 'run'): FilterAst {
  return parseFilter(filter, entity);
}

/** Parses order_by terms, `<key> [ASC|DESC]` each (order-by.ts). Throws INVALID_PARAMETER_VALUE. */
export function parseOrderBy(orderBy: readonly string[] | undefined, entity: SearchEntity = 'run'): OrderByTerm[] {
  return parseOrderByTerms(orderBy, entity);
}

/** Encodes a store's paging state as an opaque, URL-safe token (page-token.ts). */
export function encodePageToken(state: Record<string, unknown>): string {
  return encodeToken(state);
}

/** Decodes a token made by `encodePageToken`; throws INVALID_PARAMETER_VALUE for anything else. */
export function decodePageToken(token: string): Record<string, unknown> {
  return decodeToken(token);
}
