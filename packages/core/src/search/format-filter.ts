/**
 * Prints search ASTs back to MLflow's grammar, e.g. for the REST client (which sends filters as
 * strings) or for logs. What is printed parses back to the same AST.
 */
import { errors } from '../errors/orrery-error.js';
import type { Comparison, FilterAst, OrderByTerm, SearchKeyType } from './ast.js';

const PLAIN_KEY = /^[\p{L}\p{N}\p{M}_]+(?:\.[\p{L}\p{N}\p{M}_]+)*$/u;

const PREFIX: Record<SearchKeyType, string> = {
  metric: 'metrics.',
  param: 'params.',
  tag: 'tags.',
  dataset: 'datasets.',
  // Canonical attribute names are accepted bare by every entity's grammar.
  attribute: '',
};

/** A key as the grammar reads it: plain when it can be, otherwise in backticks. */
export function formatKey(type: SearchKeyType, key: string): string {
  const name = PLAIN_KEY.test(key) ? key : `\`${key.replaceAll('`', '``')}\``;
  return PREFIX[type] + name;
}

/** A single-quoted string literal; quotes are doubled and backslashes escaped. */
export function formatString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * The grammar has no NaN or Infinity literal, but a literal beyond the double range reads as
 * ±Infinity (the only way to select runs whose metric is infinite), so that is how it prints.
 */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) {
    throw errors.invalidParameter('Cannot print NaN in a search filter: the grammar has no literal for it.');
  }
  if (value === Infinity) return '1e999';
  if (value === -Infinity) return '-1e999';
  return Object.is(value, -0) ? '-0' : String(value);
}

function formatClause(clause: Comparison): string {
  const key = formatKey(clause.type, clause.key);
  switch (clause.kind) {
    case 'numeric':
      return `${key} ${clause.comparator} ${formatNumber(clause.value)}`;
    case 'string':
      return `${key} ${clause.comparator} ${formatString(clause.value)}`;
    case 'set':
      return `${key} ${clause.comparator} (${clause.values.map(formatString).join(', ')})`;
  }
}

/** Prints a filter; the empty filter prints as the empty string. */
export function formatSearchFilter(ast: FilterAst): string {
  return ast.clauses.map(formatClause).join(' AND ');
}

/** Prints one order_by term, e.g. ``metrics.`val loss` DESC``. */
export function formatOrderByTerm(term: OrderByTerm): string {
  return `${formatKey(term.type, term.key)} ${term.ascending ? 'ASC' : 'DESC'}`;
}
