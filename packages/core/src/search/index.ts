/**
 * Search API surface. Signatures are fixed here; bodies live in the files named beside each.
 * (Stubs until the parser lands.)
 */
import type { FilterAst, OrderByTerm } from './ast.js';
import { errors } from '../errors/orrery-error.js';

/** Which grammar to apply: runs, experiments, registered models or model versions. */
export type SearchEntity = 'run' | 'experiment' | 'registeredModel' | 'modelVersion';

/** Parses a filter string (undefined or blank means "match all"). Throws INVALID_PARAMETER_VALUE. */
export function parseSearchFilter(_filter: string | undefined, _entity: SearchEntity = 'run'): FilterAst {
  throw errors.notImplemented('parseSearchFilter');
}

/** Parses order_by terms. Throws INVALID_PARAMETER_VALUE. */
export function parseOrderBy(_orderBy: readonly string[] | undefined, _entity: SearchEntity = 'run'): OrderByTerm[] {
  throw errors.notImplemented('parseOrderBy');
}

/** Encodes a store's paging state as an opaque, URL-safe token. */
export function encodePageToken(_state: Record<string, unknown>): string {
  throw errors.notImplemented('encodePageToken');
}

/** Decodes a token made by `encodePageToken`; throws INVALID_PARAMETER_VALUE for anything else. */
export function decodePageToken(_token: string): Record<string, unknown> {
  throw errors.notImplemented('decodePageToken');
}
