import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FilterAst,
  type OrderByTerm,
  SEARCH_ENTITIES,
  compareLike,
  decodePageToken,
  encodePageToken,
  evaluateFilter,
  formatOrderByTerm,
  formatSearchFilter,
  parseOrderBy,
  parseSearchFilter,
} from '@orrery/core';
import {
  Chooser,
  anyText,
  choicesArbitrary,
  clauseArbitrary,
  clauseSoupText,
  filterArbitrary,
  fuzzText,
  grammarishText,
  mutate,
  mutationArbitrary,
  pooledRunClause,
  printVariant,
  runArbitrary,
} from './search-arbitraries.js';
import { parsesOrRejects } from './search-test-helpers.js';

const entityArbitrary = fc.constantFrom(...SEARCH_ENTITIES);

describe('property: arbitrary input only parses or is refused as INVALID_PARAMETER_VALUE', () => {
  it('parseSearchFilter, every entity', () => {
    fc.assert(
      fc.property(fuzzText, entityArbitrary, (text, entity) => {
        parsesOrRejects(() => parseSearchFilter(text, entity));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseOrderBy, every entity', () => {
    fc.assert(
      fc.property(fc.array(fuzzText, { maxLength: 3 }), entityArbitrary, (terms, entity) => {
        parsesOrRejects(() => parseOrderBy(terms, entity));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodePageToken, including base64url noise and near-valid tokens', () => {
    const base64url = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      maxLength: 80,
    });
    const nearValid = fc
      .tuple(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), fc.nat())
      .map(([state, cut, drop]) => {
        const token = encodePageToken(state);
        const at = cut % (token.length + 1);
        return token.slice(0, at) + token.slice(at + (drop % 3));
      });
    fc.assert(
      fc.property(fc.oneof(fuzzText, base64url, nearValid), (token) => {
        parsesOrRejects(() => {
          const state = decodePageToken(token);
          expect(state !== null && typeof state === 'object' && !Array.isArray(state)).toBe(true);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('property: printed filters parse back to the same AST', () => {
  it('canonical printing (formatSearchFilter), every entity', () => {
    fc.assert(
      fc.property(
        entityArbitrary.chain((entity) => fc.tuple(fc.constant(entity), filterArbitrary(clauseArbitrary(entity)))),
        ([entity, ast]) => {
          expect(parseSearchFilter(formatSearchFilter(ast), entity)).toEqual(ast);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any equivalent surface form: prefix aliases, attribute aliases, quoting, escapes, keyword case, whitespace', () => {
    fc.assert(
      fc.property(
        entityArbitrary.chain((entity) => fc.tuple(fc.constant(entity), filterArbitrary(clauseArbitrary(entity)))),
        choicesArbitrary,
        ([entity, ast], choices) => {
          const text = printVariant(ast, entity, new Chooser(choices));
          expect(parseSearchFilter(text, entity), text).toEqual(ast);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('order_by terms', () => {
    const term: fc.Arbitrary<OrderByTerm> = fc.oneof(
      fc.record({ type: fc.constantFrom('metric' as const, 'param' as const, 'tag' as const), key: anyText.filter((k) => k !== ''), ascending: fc.boolean() }),
      fc.record({
        type: fc.constant('attribute' as const),
        key: fc.constantFrom('start_time', 'end_time', 'run_name', 'status', 'run_id', 'user_id', 'artifact_uri'),
        ascending: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(fc.array(term, { maxLength: 4 }), (terms) => {
        expect(parseOrderBy(terms.map(formatOrderByTerm))).toEqual(terms);
      }),
      { numRuns: 500 },
    );
  });

  it('page tokens carry any JSON object state', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()), (state) => {
        const token = encodePageToken(state);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodePageToken(token)).toEqual(JSON.parse(JSON.stringify(state)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('property: a mistyped filter is refused, or means exactly what it now says', () => {
  /**
   * A mutation may turn a valid filter into another valid one (deleting a digit changes the
   * number). What must never happen is an AST that the grammar would print differently, or
   * whose printed form selects other runs: then a store compiling the AST and a client reading
   * the filter back would disagree.
   */
  it('mutations of valid run filters', () => {
    fc.assert(
      fc.property(
        filterArbitrary(fc.oneof(pooledRunClause, clauseArbitrary('run'))),
        choicesArbitrary,
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }),
        fc.array(runArbitrary, { minLength: 1, maxLength: 6 }),
        (ast, choices, mutations, runs) => {
          const original = printVariant(ast, 'run', new Chooser(choices));
          const mutated = mutations.reduce(mutate, original);
          let parsed: FilterAst | undefined;
          const ok = parsesOrRejects(() => {
            parsed = parseSearchFilter(mutated);
          });
          if (!ok || parsed === undefined) return;
          const reprinted = formatSearchFilter(parsed);
          const reparsed = parseSearchFilter(reprinted);
          expect(reparsed, `${mutated} → ${reprinted}`).toEqual(parsed);
          for (const run of runs) expect(evaluateFilter(reparsed, run)).toBe(evaluateFilter(parsed, run));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('mutations of valid filters of the other entities', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('experiment' as const, 'registeredModel' as const, 'modelVersion' as const).chain((entity) =>
          fc.tuple(fc.constant(entity), filterArbitrary(clauseArbitrary(entity))),
        ),
        choicesArbitrary,
        mutationArbitrary,
        ([entity, ast], choices, mutation) => {
          const mutated = mutate(printVariant(ast, entity, new Chooser(choices)), mutation);
          let parsed: FilterAst | undefined;
          if (!parsesOrRejects(() => (parsed = parseSearchFilter(mutated, entity))) || parsed === undefined) return;
          expect(parseSearchFilter(formatSearchFilter(parsed), entity)).toEqual(parsed);
        },
      ),
      { numRuns: 800 },
    );
  });

  it('grammar-fragment soup that happens to parse also round-trips', () => {
    fc.assert(
      fc.property(fc.oneof(grammarishText, clauseSoupText), entityArbitrary, (text, entity) => {
        let parsed: FilterAst | undefined;
        if (!parsesOrRejects(() => (parsed = parseSearchFilter(text, entity))) || parsed === undefined) return;
        expect(parseSearchFilter(formatSearchFilter(parsed), entity)).toEqual(parsed);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('property: the evaluator', () => {
  it('never throws on a parsed run filter and treats AND as conjunction', () => {
    fc.assert(
      fc.property(filterArbitrary(pooledRunClause), runArbitrary, (ast, run) => {
        const whole = evaluateFilter(ast, run);
        const each = ast.clauses.every((clause) => evaluateFilter({ clauses: [clause] }, run));
        expect(whole).toBe(each);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same answer for every surface form of a filter', () => {
    fc.assert(
      fc.property(filterArbitrary(pooledRunClause), choicesArbitrary, runArbitrary, (ast, choices, run) => {
        const text = printVariant(ast, 'run', new Chooser(choices));
        expect(evaluateFilter(parseSearchFilter(text), run)).toBe(evaluateFilter(ast, run));
      }),
      { numRuns: 500 },
    );
  });

  it('= and != on the same present key disagree; on an absent key both fail', () => {
    fc.assert(
      fc.property(pooledRunClause, runArbitrary, (clause, run) => {
        if (clause.kind === 'set') return;
        const eq = evaluateFilter({ clauses: [{ ...clause, comparator: '=' }] }, run);
        const ne = evaluateFilter({ clauses: [{ ...clause, comparator: '!=' }] }, run);
        const isNaNMetric = clause.type === 'metric' && Number.isNaN(run.data.metrics.find((m) => m.key === clause.key)?.value);
        if (clause.type === 'dataset' || isNaNMetric) return; // any-of semantics / IEEE NaN
        const present = evaluateFilter({ clauses: [{ ...clause, comparator: clause.kind === 'numeric' ? '>=' : 'LIKE', value: clause.kind === 'numeric' ? -Infinity : '%' } as typeof clause] }, run);
        expect(eq && ne).toBe(false);
        expect(eq || ne).toBe(present);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('property: LIKE matching', () => {
  /** A regular-expression model of LIKE, safe on the short inputs used here. */
  function likeModel(value: string, pattern: string, flags: string): boolean {
    const source = [...pattern]
      .map((ch) => (ch === '%' ? '[\\s\\S]*' : ch === '_' ? '[\\s\\S]' : ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, `u${flags}`).test(value);
  }
  const likeText = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '%', '_', '.', '*', '\\', '🚀', '\n', 'é'), maxLength: 8 });

  it('agrees with a regular-expression model (LIKE on any code points)', () => {
    fc.assert(
      fc.property(fc.oneof(likeText, fc.string({ unit: 'binary', maxLength: 8 })), likeText, (value, pattern) => {
        expect(compareLike(value, pattern, false)).toBe(likeModel(value, pattern, ''));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with a regular-expression model (ILIKE on ASCII)', () => {
    const ascii = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B', 'z', 'Z', '%', '_', '1'), maxLength: 8 });
    fc.assert(
      fc.property(ascii, ascii, (value, pattern) => {
        expect(compareLike(value, pattern, true)).toBe(likeModel(value, pattern, 'i'));
      }),
      { numRuns: 1000 },
    );
  });

  it('a pattern without wildcards matches exactly itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        if (/[%_]/.test(b)) return;
        expect(compareLike(a, b, false)).toBe(a === b);
        expect(compareLike(b, b, false)).toBe(true);
      }),
    );
  });
});
