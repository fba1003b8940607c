import type { Comparison, FilterAst, OrderByTerm } from '@orrery/core';
import { errors } from '@orrery/core';
import type { SortKey } from '../keyset.js';
import { valueComparison } from '../search-compiler.js';
import type { SqlFragment } from '../sql-fragment.js';
import { joinSql, sql, trustedSql } from '../sql-fragment.js';

/**
 * Compiles registry searches (core's `registeredModel` and `modelVersion` grammars, already
 * parsed) into SQL on the rows `rm` (registered_models) and `mv` (model_versions). Columns come
 * from the fixed maps below; every value is bound. A tag clause matches rows that have the tag
 * with a matching value, as in MLflow (`tags.k != 'x'` does not match rows without the tag).
 */

function invalidKey(clause: { type: string; key: string }, noun: string): never {
  throw errors.invalidParameter(`Invalid ${clause.type} key '${clause.key}' in a ${noun} search filter.`);
}

function registeredModelClause(clause: Comparison): SqlFragment {
  if (clause.type === 'attribute' && clause.key === 'name' && clause.kind === 'string') {
    return valueComparison(trustedSql('rm.name'), clause);
  }
  if (clause.type === 'tag' && clause.kind === 'string') {
    return sql`EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.name = rm.name AND t.key = ${clause.key} AND ${valueComparison(trustedSql('t.value'), clause)})`;
  }
  invalidKey(clause, 'registered model');
}

/** `AND`-joined conditions on `rm` (TRUE for an empty filter). */
export function compileRegisteredModelFilter(ast: FilterAst): SqlFragment {
  if (ast.clauses.length === 0) return sql`1 = 1`;
  return joinSql(ast.clauses.map(registeredModelClause), ' AND ');
}

const REGISTERED_MODEL_ORDER: Record<string, string> = {
  name: 'rm.name',
  last_updated_timestamp: 'rm.last_updated_time',
};

/** Registered-model ordering: the requested terms, then name ASC (unique) unless ordered by name already. */
export function compileRegisteredModelOrder(terms: readonly OrderByTerm[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const term of terms) {
    const column = term.type === 'attribute' ? REGISTERED_MODEL_ORDER[term.key] : undefined;
    if (!column) throw errors.invalidParameter(`Invalid order_by key '${term.key}' for registered models.`);
    keys.push({ expr: trustedSql(column), ascending: term.ascending });
  }
  if (!terms.some((t) => t.key === 'name')) keys.push({ expr: trustedSql('rm.name'), ascending: true });
  return keys;
}

const MODEL_VERSION_STRING_ATTRIBUTES: Record<string, string> = {
  name: 'mv.name',
  run_id: 'mv.run_id',
  source_path: 'mv.source',
};

function modelVersionClause(clause: Comparison): SqlFragment {
  switch (clause.type) {
    case 'attribute': {
      if (clause.key === 'version_number' && clause.kind === 'numeric') {
        return valueComparison(trustedSql('mv.version'), clause);
      }
      const column = clause.kind !== 'numeric' ? MODEL_VERSION_STRING_ATTRIBUTES[clause.key] : undefined;
      if (!column) invalidKey(clause, 'model version');
      return valueComparison(trustedSql(column), clause);
    }
    case 'tag':
      if (clause.kind !== 'string') invalidKey(clause, 'model version');
      return sql`EXISTS (SELECT 1 FROM model_version_tags t WHERE t.name = mv.name AND t.version = mv.version AND t.key = ${clause.key} AND ${valueComparison(trustedSql('t.value'), clause)})`;
    default:
      invalidKey(clause, 'model version');
  }
}

/** `AND`-joined conditions on `mv` (TRUE for an empty filter). */
export function compileModelVersionFilter(ast: FilterAst): SqlFragment {
  if (ast.clauses.length === 0) return sql`1 = 1`;
  return joinSql(ast.clauses.map(modelVersionClause), ' AND ');
}

const MODEL_VERSION_ORDER: Record<string, string> = {
  name: 'mv.name',
  version_number: 'mv.version',
  creation_timestamp: 'mv.creation_time',
  last_updated_timestamp: 'mv.last_updated_time',
};

/**
 * Model-version ordering, as MLflow: by default `last_updated_timestamp DESC`; then name ASC and
 * version DESC unless already ordered by them, so (name, version) makes every position unique.
 */
export function compileModelVersionOrder(terms: readonly OrderByTerm[]): SortKey[] {
  const effective: readonly OrderByTerm[] =
    terms.length > 0 ? terms : [{ type: 'attribute', key: 'last_updated_timestamp', ascending: false }];
  const keys: SortKey[] = [];
  for (const term of effective) {
    const column = term.type === 'attribute' ? MODEL_VERSION_ORDER[term.key] : undefined;
    if (!column) throw errors.invalidParameter(`Invalid order_by key '${term.key}' for model versions.`);
    keys.push({ expr: trustedSql(column), ascending: term.ascending });
  }
  if (!effective.some((t) => t.key === 'name')) keys.push({ expr: trustedSql('mv.name'), ascending: true });
  if (!effective.some((t) => t.key === 'version_number')) keys.push({ expr: trustedSql('mv.version'), ascending: false });
  return keys;
}
