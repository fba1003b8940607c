/**
 * Parser for `order_by` terms: `<key> [ASC|DESC]`, the direction in any case, ASC by default.
 * Keys are written as in filters (see search-keys.ts).
 */
import { errors } from '../errors/orrery-error.js';
import type { OrderByTerm } from './ast.js';
import { FilterLexer } from './filter-lexer.js';
import { readKey, resolveOrderKey } from './search-keys.js';
import type { SearchEntity } from './search-entity.js';

export function parseOrderByTerms(terms: unknown, entity: SearchEntity): OrderByTerm[] {
  if (terms === undefined || terms === null) return [];
  if (!Array.isArray(terms)) {
    throw errors.invalidParameter(`Invalid order_by: expected a list of strings, got ${typeof terms}.`);
  }
  return terms.map((term: unknown) => parseTerm(term, entity));
}

function parseTerm(term: unknown, entity: SearchEntity): OrderByTerm {
  if (typeof term !== 'string') {
    throw errors.invalidParameter(`Invalid order_by clause: expected a string, got ${typeof term}.`);
  }
  const lexer = new FilterLexer(term, 'order_by clause');
  lexer.skipWhitespace();
  if (lexer.atEnd()) lexer.fail('expected a key such as start_time or metrics.<name>, found the end of the input');
  const raw = readKey(lexer);
  const { type, key } = resolveOrderKey(entity, raw, lexer);

  const hadSpace = lexer.skipWhitespace();
  if (lexer.atEnd()) return { type, key, ascending: true };
  const at = lexer.pos;
  const direction = hadSpace ? lexer.readWord()?.toUpperCase() : undefined;
  if (direction !== 'ASC' && direction !== 'DESC') {
    lexer.fail(`expected ASC, DESC or the end of the clause after the key, found ${lexer.describe(at)}`, at);
  }
  lexer.skipWhitespace();
  if (!lexer.atEnd()) lexer.fail(`unexpected ${lexer.describe()} after ${direction}`);
  return { type, key, ascending: direction === 'ASC' };
}
