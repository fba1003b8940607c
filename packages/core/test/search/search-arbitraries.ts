/**
 * fast-check generators for the search property tests: valid ASTs per entity, a printer that
 * writes them in randomly chosen but equivalent surface forms (prefix aliases, quoting styles,
 * escapes, keyword case, whitespace), runs, and fragments for fuzzing the grammar.
 */
import fc from 'fast-check';
import type {
  Comparison,
  FilterAst,
  NumericComparator,
  Run,
  SearchEntity,
  SearchKeyType,
  StringComparator,
} from '@orrery/core';
import { makeRun } from './search-test-helpers.js';

const NUMERIC_COMPARATORS: NumericComparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING_COMPARATORS: StringComparator[] = ['=', '!=', 'LIKE', 'ILIKE'];

/**
 * Any string a valid filter may hold: quotes, backslashes, backticks, whitespace and astral
 * characters, but no NUL (refused in every filter; see validateNoNulCharacter).
 */
export const anyText = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom("'", '"', '`', '\\', ' ', '%', '_', '.', 'a', 'B', '(', ')', ','), maxLength: 8 }),
  )
  .filter((text) => !text.includes('\u0000'));
const anyKey = anyText.filter((key) => key.length > 0);
const anyNumber = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1.5, 1e21, 5e-324, 1.7976931348623157e308, Infinity, -Infinity),
);

/** Small pools, so that generated filters and generated runs talk about the same things. */
const METRIC_KEYS = ['acc', 'loss', 'val loss', 'm.x'];
const PARAM_KEYS = ['lr', 'opt', "it's"];
const TAG_KEYS = ['team', 'mlflow.runName', 'a`b'];
const WORDS = ['x', 'X', 'adam', 'Adam', '', 'a%', '%a', 'a_c', '%', "it's", 'r1', 'r2'];
const NUMBERS = [-1, 0, 0.5, 1, 2, 1000, Number.NaN, Infinity];

function numeric(type: SearchKeyType, keys: fc.Arbitrary<string>, values = anyNumber): fc.Arbitrary<Comparison> {
  return fc.record({
    kind: fc.constant('numeric' as const),
    type: fc.constant(type),
    key: keys,
    comparator: fc.constantFrom(...NUMERIC_COMPARATORS),
    value: values,
  });
}

function string(
  type: SearchKeyType,
  keys: fc.Arbitrary<string>,
  values: fc.Arbitrary<string> = anyText,
  comparators: StringComparator[] = STRING_COMPARATORS,
): fc.Arbitrary<Comparison> {
  return fc.record({
    kind: fc.constant('string' as const),
    type: fc.constant(type),
    key: keys,
    comparator: fc.constantFrom(...comparators),
    value: values,
  });
}

function set(type: SearchKeyType, keys: fc.Arbitrary<string>, values: fc.Arbitrary<string> = anyText) {
  return fc.record({
    kind: fc.constant('set' as const),
    type: fc.constant(type),
    key: keys,
    comparator: fc.constantFrom('IN' as const, 'NOT IN' as const),
    values: fc.array(values, { minLength: 1, maxLength: 4 }),
  });
}

const RUN_STRING_ATTRIBUTES = ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage'];

/** Any valid clause of the entity's grammar, with arbitrary keys and values. */
export function clauseArbitrary(entity: SearchEntity): fc.Arbitrary<Comparison> {
  switch (entity) {
    case 'run':
      return fc.oneof(
        numeric('metric', anyKey),
        string('param', anyKey),
        string('tag', anyKey),
        string('attribute', fc.constantFrom(...RUN_STRING_ATTRIBUTES)),
        numeric('attribute', fc.constantFrom('start_time', 'end_time')),
        set('attribute', fc.constant('run_id')),
        string('dataset', fc.constantFrom('name', 'digest', 'context')),
        set('dataset', fc.constantFrom('name', 'digest', 'context')),
      );
    case 'experiment':
      return fc.oneof(
        string('attribute', fc.constant('name')),
        numeric('attribute', fc.constantFrom('creation_time', 'last_update_time')),
        string('tag', anyKey),
      );
    case 'registeredModel':
      return fc.oneof(string('attribute', fc.constant('name')), string('tag', anyKey));
    case 'modelVersion':
      return fc.oneof(
        string('attribute', fc.constantFrom('name', 'source_path')),
        string('attribute', fc.constant('run_id'), anyText, ['=', '!=']),
        set('attribute', fc.constant('run_id')),
        numeric('attribute', fc.constant('version_number')),
        string('tag', anyKey),
      );
  }
}

/** Run filters over the small pools, so they select some runs and not others. */
export const pooledRunClause: fc.Arbitrary<Comparison> = fc.oneof(
  numeric('metric', fc.constantFrom(...METRIC_KEYS, 'absent'), fc.constantFrom(...NUMBERS.filter(Number.isFinite))),
  string('param', fc.constantFrom(...PARAM_KEYS, 'absent'), fc.constantFrom(...WORDS)),
  string('tag', fc.constantFrom(...TAG_KEYS), fc.constantFrom(...WORDS)),
  string('attribute', fc.constantFrom('run_id', 'status', 'run_name'), fc.constantFrom(...WORDS, 'FINISHED', 'RUNNING')),
  numeric('attribute', fc.constantFrom('start_time', 'end_time'), fc.constantFrom(0, 500, 1000, 2000)),
  set('attribute', fc.constant('run_id'), fc.constantFrom('r1', 'r2', 'r3')),
  string('dataset', fc.constantFrom('name', 'digest', 'context'), fc.constantFrom(...WORDS, 'train%')),
  set('dataset', fc.constantFrom('name', 'context'), fc.constantFrom('x', 'train', 'eval')),
);

export function filterArbitrary(clause: fc.Arbitrary<Comparison>): fc.Arbitrary<FilterAst> {
  return fc.array(clause, { maxLength: 4 }).map((clauses) => ({ clauses }));
}

const optionalRecord = (keys: string[], values: fc.Arbitrary<string | number>) =>
  fc.subarray(keys).chain((present) =>
    fc.tuple(...present.map(() => values)).map((vals) => Object.fromEntries(present.map((k, i) => [k, vals[i]]))),
  );

/** Runs over the same small pools as `pooledRunClause`. */
export const runArbitrary: fc.Arbitrary<Run> = fc
  .record({
    runId: fc.constantFrom('r1', 'r2', 'r3'),
    status: fc.constantFrom('FINISHED' as const, 'RUNNING' as const),
    runName: fc.constantFrom(...WORDS),
    startTime: fc.constantFrom(0, 500, 1000),
    endTime: fc.constantFrom(null, 1000, 2000),
    metrics: optionalRecord(METRIC_KEYS, fc.constantFrom(...NUMBERS)),
    params: optionalRecord(PARAM_KEYS, fc.constantFrom(...WORDS)),
    tags: optionalRecord(TAG_KEYS, fc.constantFrom(...WORDS)),
    datasets: fc.array(
      fc.record(
        {
          name: fc.constantFrom('x', 'iris', 'a_c'),
          digest: fc.constantFrom('d1', 'd2'),
          context: fc.constantFrom('train', 'eval', 'X'),
        },
        { requiredKeys: ['name', 'digest'] },
      ),
      { maxLength: 3 },
    ),
  })
  .map((r) =>
    makeRun({
      ...r,
      metrics: r.metrics as Record<string, number>,
      params: r.params as Record<string, string>,
      tags: r.tags as Record<string, string>,
    }),
  );

// ---- A printer with random surface forms -------------------------------------------------------

const PLAIN_KEY = /^[\p{L}\p{N}\p{M}_]+(?:\.[\p{L}\p{N}\p{M}_]+)*$/u;

/** Picks from a list using a stream of random integers. */
export class Chooser {
  private at = 0;
  constructor(private readonly picks: readonly number[]) {}
  pick<T>(options: readonly T[]): T {
    const n = this.picks.length === 0 ? 0 : (this.picks[this.at++ % this.picks.length] as number);
    return options[n % options.length] as T;
  }
}

export const choicesArbitrary = fc.array(fc.nat(), { minLength: 1, maxLength: 64 });

const RUN_PREFIXES: Record<SearchKeyType, string[]> = {
  metric: ['metrics', 'metric', '`metrics`'],
  param: ['params', 'param', 'parameter', 'parameters'],
  tag: ['tags', 'tag', '`tag`'],
  attribute: ['attributes', 'attribute', 'attr', 'run'],
  dataset: ['datasets', 'dataset'],
};
const OTHER_PREFIXES: Partial<Record<SearchKeyType, string[]>> = {
  tag: ['tags', 'tag'],
  attribute: ['attribute', 'attributes'],
};
const RUN_ALIASES: Record<string, string[]> = {
  start_time: ['start_time', 'created', 'Created'],
  run_name: ['run_name', '`run name`', '"Run name"', '`Run Name`'],
};

function quoteIdentifier(name: string, c: Chooser): string {
  const styles = PLAIN_KEY.test(name) ? ['plain', 'backtick', 'double'] : ['backtick', 'double'];
  switch (c.pick(styles)) {
    case 'plain':
      return name;
    case 'backtick':
      return `\`${name.replaceAll('`', '``')}\``;
    default:
      return `"${name.replaceAll('\\', '\\\\').replaceAll('"', c.pick(['""', '\\"']))}"`;
  }
}

function quoteString(value: string, c: Chooser): string {
  const quote = c.pick(["'", '"']);
  const escapedQuote = c.pick([quote + quote, `\\${quote}`]);
  return quote + value.replaceAll('\\', '\\\\').replaceAll(quote, escapedQuote) + quote;
}

function printKey(clause: { type: SearchKeyType; key: string }, entity: SearchEntity, c: Chooser): string {
  if (clause.type === 'attribute') {
    const aliases = entity === 'run' ? RUN_ALIASES[clause.key] : undefined;
    const written = c.pick(aliases ?? [clause.key]);
    const prefixes = entity === 'run' ? RUN_PREFIXES.attribute : (OTHER_PREFIXES.attribute as string[]);
    const prefix = c.pick([undefined, ...prefixes]);
    return prefix === undefined ? written : `${prefix}.${written}`;
  }
  const prefixes = entity === 'run' ? RUN_PREFIXES[clause.type] : (OTHER_PREFIXES[clause.type] ?? []);
  return `${c.pick(prefixes)}.${clause.type === 'dataset' ? clause.key : quoteIdentifier(clause.key, c)}`;
}

function printNumber(value: number, c: Chooser): string {
  if (Object.is(value, -0)) return '-0';
  if (!Number.isFinite(value)) return (value < 0 ? '-' : '') + c.pick(['1e999', '1E400', '9e308']);
  const forms = [String(value)];
  if (Number.isInteger(value) && Math.abs(value) < 1e15) forms.push(`${value}.0`, value.toExponential());
  return c.pick(forms);
}

const space = (c: Chooser, allowNone: boolean) => c.pick(allowNone ? ['', ' ', '  ', '\t', '\n'] : [' ', '  ', '\t', '\n ']);
const keywordCase = (word: string, c: Chooser) =>
  c.pick([word, word.toLowerCase(), word[0] + word.slice(1).toLowerCase()]);

/** Prints `ast` in a randomly chosen equivalent form of the entity's grammar. */
export function printVariant(ast: FilterAst, entity: SearchEntity, c: Chooser): string {
  const clauses = ast.clauses.map((clause) => {
    const key = printKey(clause, entity, c);
    const wordy = /^[A-Z]/.test(clause.comparator);
    const comparator = wordy ? clause.comparator.split(' ').map((w) => keywordCase(w, c)).join(' ') : clause.comparator;
    let value: string;
    if (clause.kind === 'numeric') value = printNumber(clause.value, c);
    else if (clause.kind === 'string') value = quoteString(clause.value, c);
    else value = `(${clause.values.map((v) => space(c, true) + quoteString(v, c) + space(c, true)).join(',')})`;
    return `${key}${space(c, !wordy)}${comparator}${space(c, !wordy)}${value}`;
  });
  const joined = clauses.reduce((text, clause, i) =>
    i === 0 ? clause : `${text}${space(c, false)}${keywordCase('AND', c)}${space(c, false)}${clause}`,
  '');
  return space(c, true) + joined + space(c, true);
}

// ---- Fuzzing material --------------------------------------------------------------------------

const FRAGMENTS = [
  'metrics.', 'params.', 'tags.', 'attributes.', 'datasets.', 'attr.', 'tag.', 'run.', 'foo.',
  'acc', 'a', 'run_id', 'status', 'created', 'start_time', 'name', 'version_number', 'context',
  '`', '``', "'", "''", '"', '\\', '(', ')', ',', '.', ' ', '\t', '\n',
  '=', '!=', '>', '>=', '<', '<=', '<>', '==', '!', 'LIKE', 'ilike', 'IN', 'NOT', 'not in', 'AND', 'and', 'OR',
  '1', '-1', '0.5', '.5', '1e3', '1e', '-', '+', 'e', 'NaN', 'Infinity',
  "'x'", '"y"', '`k k`', "('a', 'b')", '%', '_', '🚀', '\u0000', '\ud800', 'ASC', 'DESC',
];

/** Strings stitched from grammar fragments: they reach far deeper into the parser than noise. */
export const grammarishText = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 14 }).map((parts) => parts.join(''));

const KEY_PARTS = ['metrics.acc', 'params.`a b`', 'tags."t"', 'run_id', 'created', '`Run name`', 'name', 'version_number',
  'datasets.context', 'tags.mlflow.runName', 'metric.', 'foo.bar', '`metrics`.x', 'status', 'creation_time', ''];
const OPERATOR_PARTS = ['=', '!=', '>', '>=', '<=', 'LIKE', 'ilike', 'IN', 'NOT IN', 'not  in', '<>', '', 'NOT'];
const VALUE_PARTS = ["'x'", '"y"', "'it''s'", "'a\\'b'", '1', '-2.5e3', '.5', "('a', 'b')", "('a'", '()', "'open", 'abc', '1e', ''];
const JOINERS = [' AND ', ' and ', ' OR ', ' ', 'AND', ' AND AND ', ''];

/** Clause-shaped soup: key, comparator and value parts (valid and not) joined by AND or not. */
export const clauseSoupText = fc
  .array(
    fc.tuple(
      fc.constantFrom(...KEY_PARTS),
      fc.constantFrom(' ', '', '\t'),
      fc.constantFrom(...OPERATOR_PARTS),
      fc.constantFrom(' ', ''),
      fc.constantFrom(...VALUE_PARTS),
      fc.constantFrom(...JOINERS),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((clauses) => clauses.map((parts) => parts.join('')).join('').replace(/(?: AND | and | OR | |AND|)$/, ''));

export const fuzzText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), grammarishText, clauseSoupText);

/** One edit of a filter string of the kind a person makes by mistake. */
export const mutationArbitrary = fc.record({
  kind: fc.constantFrom('delete', 'deleteStructural', 'insert', 'swap', 'deleteWord', 'duplicate'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 6 }),
  char: fc.constantFrom("'", '"', '`', '(', ')', ',', '=', '!', '<', '>', ' ', '\\', 'a', '1', '-', '.', 'AND'),
});

export function mutate(text: string, m: typeof mutationArbitrary extends fc.Arbitrary<infer T> ? T : never): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1);
    case 'deleteStructural': {
      const positions = [...text].flatMap((ch, i) => (/['"`()=<>!,.]/.test(ch) ? [i] : []));
      if (positions.length === 0) return text.slice(0, at) + text.slice(at + 1);
      const p = positions[m.at % positions.length] as number;
      return text.slice(0, p) + text.slice(p + 1);
    }
    case 'insert':
      return text.slice(0, at) + m.char + text.slice(at);
    case 'swap':
      return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2);
    case 'deleteWord': {
      const words = [...text.matchAll(/[\w.]+|'[^']*'|\([^)]*\)/g)];
      const word = words.length === 0 ? undefined : words[m.at % words.length];
      if (word?.index === undefined) return text.slice(at + m.length);
      return text.slice(0, word.index) + text.slice(word.index + word[0].length);
    }
    case 'duplicate':
      return text.slice(0, at + m.length) + text.slice(at, at + m.length) + text.slice(at + m.length);
  }
}
