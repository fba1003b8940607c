/**
 * Parser for MLflow search filters: `<key> <comparator> <value>` clauses joined by AND.
 *
 *   filter     := clause (AND clause)*          (AND in any case; no OR, no parentheses)
 *   clause     := key comparator value
 *   value      := number | string | '(' string (',' string)* ')'
 *   string     := '...' | "..."
 *
 * Which keys, comparators and values are allowed depends on the entity (see search-keys.ts).
 */
import { errors } from '../errors/orrery-error.js';
import { LIMITS } from '../validation/limits.js';
import { validateNoNulCharacter } from '../validation/nul-character.js';
import type { Comparator, Comparison, FilterAst, SetComparator } from './ast.js';
import { FilterLexer } from './filter-lexer.js';
import { type FilterKeySpec, readKey, resolveFilterKey } from './search-keys.js';
import type { SearchEntity } from './search-entity.js';

/** Parses a filter string; undefined, null and blank filters match everything. */
export function parseFilter(filter: unknown, entity: SearchEntity): FilterAst {
  if (filter === undefined || filter === null) return { clauses: [] };
  if (typeof filter !== 'string') {
    throw errors.invalidParameter(`Invalid search filter: expected a string, got ${typeof filter}.`);
  }
  validateNoNulCharacter('filter', filter);
  const lexer = new FilterLexer(filter, 'search filter');
  lexer.skipWhitespace();
  if (lexer.atEnd()) return { clauses: [] };

  const clauses: Comparison[] = [];
  for (;;) {
    clauses.push(parseClause(lexer, entity));
    lexer.skipWhitespace();
    if (lexer.atEnd()) return { clauses };
    const at = lexer.pos;
    const joiner = lexer.readWord()?.toUpperCase();
    if (joiner === 'OR') lexer.fail('OR is not supported; join clauses with AND', at);
    if (joiner !== 'AND') lexer.fail(`expected AND or the end of the filter, found ${lexer.describe(at)}`, at);
    lexer.skipWhitespace();
    if (lexer.atEnd()) lexer.fail('expected a clause after AND, found the end of the input');
  }
}

function parseClause(lexer: FilterLexer, entity: SearchEntity): Comparison {
  const raw = readKey(lexer);
  const spec = resolveFilterKey(entity, raw, lexer);
  lexer.skipWhitespace();

  const comparatorAt = lexer.pos;
  const comparator = lexer.readComparator();
  if (comparator === undefined) {
    lexer.fail(
      `expected a comparator (${spec.comparators.join(', ')}) after ${spec.label}, found ${lexer.describe()}`,
    );
  }
  if (!spec.comparators.includes(comparator)) {
    lexer.fail(
      `comparator '${comparator}' is not allowed for ${spec.label}; allowed: ${spec.comparators.join(', ')}`,
      comparatorAt,
    );
  }
  lexer.skipWhitespace();

  if (comparator === 'IN' || comparator === 'NOT IN') {
    return { kind: 'set', type: spec.type, key: spec.key, comparator, values: parseList(lexer, spec, comparator) };
  }
  if (spec.valueKind === 'numeric') {
    const value = lexer.readNumber();
    if (value === undefined) {
      lexer.fail(`expected a number after '${comparator}' for ${spec.label}, found ${lexer.describe()}`);
    }
    return { kind: 'numeric', type: spec.type, key: spec.key, comparator: asNumeric(comparator), value };
  }
  const value = readString(lexer, spec, comparator);
  const patternLength = comparator === 'LIKE' || comparator === 'ILIKE' ? [...value].length : 0;
  if (patternLength > LIMITS.maxLikePatternLength) {
    throw errors.invalidParameter(
      `Invalid search filter: the ${comparator} pattern for ${spec.label} is too long (${patternLength} characters); ` +
        `at most ${LIMITS.maxLikePatternLength} characters are allowed.`,
    );
  }
  return { kind: 'string', type: spec.type, key: spec.key, comparator: asString(comparator), value };
}

function readString(lexer: FilterLexer, spec: FilterKeySpec, after: string): string {
  const at = lexer.pos;
  const quoted = lexer.readQuoted();
  if (quoted === undefined || quoted.quote === '`') {
    lexer.fail(`expected a quoted string after '${after}' for ${spec.label} (e.g. 'value'), found ${lexer.describe(at)}`, at);
  }
  return quoted.text;
}

function parseList(lexer: FilterLexer, spec: FilterKeySpec, comparator: SetComparator): string[] {
  if (lexer.peek() !== '(') {
    lexer.fail(
      `expected a parenthesised list of strings after '${comparator}' for ${spec.label}, e.g. ('a', 'b'), found ${lexer.describe()}`,
    );
  }
  lexer.pos += 1;
  lexer.skipWhitespace();
  if (lexer.peek() === ')') lexer.fail(`the list after '${comparator}' for ${spec.label} is empty`);
  const values: string[] = [];
  for (;;) {
    lexer.skipWhitespace();
    values.push(readString(lexer, spec, values.length === 0 ? '(' : ','));
    lexer.skipWhitespace();
    const next = lexer.peek();
    lexer.pos += 1;
    if (next === ')') return values;
    if (next !== ',') lexer.fail(`expected ',' or ')' in the list for ${spec.label}, found ${lexer.describe(lexer.pos - 1)}`, lexer.pos - 1);
  }
}

// The key spec already restricted the comparator; these narrow its type for the AST.
function asNumeric(comparator: Comparator): '=' | '!=' | '>' | '>=' | '<' | '<=' {
  if (comparator === 'LIKE' || comparator === 'ILIKE' || comparator === 'IN' || comparator === 'NOT IN') {
    throw errors.internal(`comparator ${comparator} reached a numeric clause`);
  }
  return comparator;
}

function asString(comparator: Comparator): '=' | '!=' | 'LIKE' | 'ILIKE' {
  if (comparator === '=' || comparator === '!=' || comparator === 'LIKE' || comparator === 'ILIKE') return comparator;
  throw errors.internal(`comparator ${comparator} reached a string clause`);
}
