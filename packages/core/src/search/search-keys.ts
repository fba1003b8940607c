/**
 * Keys of the search grammars: how a key is written (`metrics.acc`, ``tags.`a b` ``, `created`),
 * which prefixes and attributes each entity accepts, and which comparators and values go with
 * each key. Lookups use Maps so keys such as `constructor` or `__proto__` are plain keys.
 */
import type { Comparator, SearchKeyType } from './ast.js';
import type { FilterLexer } from './filter-lexer.js';
import type { SearchEntity } from './search-entity.js';

/** A key as written, before it is checked against an entity's grammar. */
export interface RawKey {
  /** The entity-type prefix (`metrics`, `tag`, ...), absent for a bare key such as `status`. */
  prefix: string | undefined;
  /** The key name with quotes removed. */
  name: string;
  /** Where the key starts in the input, for error messages. */
  start: number;
}

/** What a filter key accepts on its right-hand side. */
export interface FilterKeySpec {
  type: SearchKeyType;
  /** Canonical key: aliases resolved. */
  key: string;
  valueKind: 'numeric' | 'string';
  comparators: readonly Comparator[];
  /** How messages name the key, e.g. `metric 'acc'`. */
  label: string;
}

const NUMERIC: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const STRING_OR_SET: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const EQUALITY_OR_SET: readonly Comparator[] = ['=', '!=', 'IN', 'NOT IN'];

interface AttributeSpec {
  key: string;
  valueKind: 'numeric' | 'string';
  comparators: readonly Comparator[];
}

const numericAttribute = (key: string): AttributeSpec => ({ key, valueKind: 'numeric', comparators: NUMERIC });
const stringAttribute = (key: string, comparators = STRING): AttributeSpec => ({
  key,
  valueKind: 'string',
  comparators,
});

interface EntityGrammar {
  /** What the entity is called in messages. */
  noun: string;
  /** Prefix as written → key type. */
  prefixes: ReadonlyMap<string, SearchKeyType>;
  /** Filterable attribute names (canonical names and aliases) → spec. */
  filterAttributes: ReadonlyMap<string, AttributeSpec>;
  /** Attribute names usable in order_by (canonical names and aliases) → canonical name. */
  orderAttributes: ReadonlyMap<string, string>;
  /** Key types other than attributes that order_by accepts. */
  orderTypes: ReadonlySet<SearchKeyType>;
}

const RUN_NAME_ALIASES = ['run name', 'Run name', 'Run Name'];
const CREATED_ALIASES = ['created', 'Created'];

function withAliases<T>(entries: Array<[string, T]>, aliases: Array<[string[], T]>): Map<string, T> {
  const map = new Map(entries);
  for (const [names, value] of aliases) for (const name of names) map.set(name, value);
  return map;
}

const ENTITY_PREFIXES: ReadonlyMap<string, SearchKeyType> = new Map([
  ['attribute', 'attribute'],
  ['attributes', 'attribute'],
  ['tag', 'tag'],
  ['tags', 'tag'],
]);

const GRAMMARS: Record<SearchEntity, EntityGrammar> = {
  run: {
    noun: 'runs',
    prefixes: new Map<string, SearchKeyType>([
      ['metric', 'metric'],
      ['metrics', 'metric'],
      ['param', 'param'],
      ['params', 'param'],
      ['parameter', 'param'],
      ['parameters', 'param'],
      ['tag', 'tag'],
      ['tags', 'tag'],
      ['attribute', 'attribute'],
      ['attributes', 'attribute'],
      ['attr', 'attribute'],
      ['run', 'attribute'],
      ['dataset', 'dataset'],
      ['datasets', 'dataset'],
    ]),
    filterAttributes: withAliases(
      [
        ['run_id', stringAttribute('run_id', STRING_OR_SET)],
        ['run_name', stringAttribute('run_name')],
        ['status', stringAttribute('status')],
        ['user_id', stringAttribute('user_id')],
        ['artifact_uri', stringAttribute('artifact_uri')],
        ['lifecycle_stage', stringAttribute('lifecycle_stage')],
        ['start_time', numericAttribute('start_time')],
        ['end_time', numericAttribute('end_time')],
      ],
      [
        [CREATED_ALIASES, numericAttribute('start_time')],
        [RUN_NAME_ALIASES, stringAttribute('run_name')],
      ],
    ),
    orderAttributes: withAliases(
      ['start_time', 'end_time', 'run_name', 'status', 'run_id', 'user_id', 'artifact_uri'].map((k) => [k, k]),
      [
        [CREATED_ALIASES, 'start_time'],
        [RUN_NAME_ALIASES, 'run_name'],
      ],
    ),
    orderTypes: new Set(['metric', 'param', 'tag']),
  },
  experiment: {
    noun: 'experiments',
    prefixes: ENTITY_PREFIXES,
    filterAttributes: new Map([
      ['name', stringAttribute('name')],
      ['creation_time', numericAttribute('creation_time')],
      ['last_update_time', numericAttribute('last_update_time')],
    ]),
    orderAttributes: new Map(['name', 'experiment_id', 'creation_time', 'last_update_time'].map((k) => [k, k])),
    orderTypes: new Set(),
  },
  registeredModel: {
    noun: 'registered models',
    prefixes: ENTITY_PREFIXES,
    filterAttributes: new Map([['name', stringAttribute('name')]]),
    orderAttributes: new Map([
      ['name', 'name'],
      ['last_updated_timestamp', 'last_updated_timestamp'],
      ['timestamp', 'last_updated_timestamp'],
    ]),
    orderTypes: new Set(),
  },
  modelVersion: {
    noun: 'model versions',
    prefixes: ENTITY_PREFIXES,
    filterAttributes: new Map([
      ['name', stringAttribute('name')],
      ['run_id', stringAttribute('run_id', EQUALITY_OR_SET)],
      ['source_path', stringAttribute('source_path')],
      ['version_number', numericAttribute('version_number')],
    ]),
    orderAttributes: new Map(
      ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'].map((k) => [k, k]),
    ),
    orderTypes: new Set(),
  },
};

const DATASET_KEYS = new Set(['name', 'digest', 'context']);

function grammarOf(entity: SearchEntity, lexer: FilterLexer): EntityGrammar {
  // Callers outside TypeScript may pass anything; an unknown entity is their error, not a crash.
  if (!Object.prototype.hasOwnProperty.call(GRAMMARS, entity)) {
    lexer.fail(`unknown search entity '${String(entity)}'`, 0);
  }
  return GRAMMARS[entity];
}

const listOf = (names: Iterable<string>): string => [...names].join(', ');

/**
 * Reads a key: `prefix.name`, ``prefix.`quoted name` ``, `prefix."quoted name"`, `prefix.a.b`
 * (an unquoted name may hold dots), or a bare attribute name (quoted or not). The prefix itself
 * may be in backticks, as MLflow allows. No whitespace is allowed inside a key.
 */
export function readKey(lexer: FilterLexer): RawKey {
  const start = lexer.pos;
  let first: string | undefined;
  const quoted = lexer.readQuoted();
  if (quoted) {
    if (quoted.quote === "'") {
      lexer.fail(`expected a key, found the string ${lexer.describe(start)} (keys go unquoted or in backticks)`, start);
    }
    first = quoted.text;
  } else {
    first = lexer.readWord();
  }
  if (first === undefined && lexer.peek() === '(') {
    lexer.fail('parentheses are not supported around clauses (only around IN lists); join clauses with AND');
  }
  if (first === undefined) {
    lexer.fail(`expected a key such as metrics.<name> or tags.<name>, found ${lexer.describe()}`);
  }
  if (lexer.peek() !== '.') return { prefix: undefined, name: first, start };

  lexer.pos += 1;
  const rest = lexer.readQuoted();
  if (rest) {
    if (rest.quote === "'") {
      lexer.fail(`key names are quoted with backticks or double quotes, not single quotes`, lexer.pos - 1);
    }
    return { prefix: first, name: rest.text, start };
  }
  const segments: string[] = [];
  for (;;) {
    const segment = lexer.readWord();
    if (segment === undefined) {
      lexer.fail(
        `expected a key name after '${lexer.text.slice(start, lexer.pos)}', found ${lexer.describe()} ` +
          '(quote names holding other characters with backticks)',
      );
    }
    segments.push(segment);
    if (lexer.peek() !== '.') break;
    lexer.pos += 1;
  }
  return { prefix: first, name: segments.join('.'), start };
}

function resolveType(grammar: EntityGrammar, raw: RawKey, lexer: FilterLexer): SearchKeyType {
  if (raw.prefix === undefined) return 'attribute';
  const type = grammar.prefixes.get(raw.prefix);
  if (type === undefined) {
    lexer.fail(
      `invalid entity type '${raw.prefix}' for ${grammar.noun}; valid prefixes are ${listOf(grammar.prefixes.keys())}`,
      raw.start,
    );
  }
  if (raw.name === '') lexer.fail(`empty key name after '${raw.prefix}.'`, raw.start);
  return type;
}

/** Checks a key against the entity's filter grammar and says what it accepts. */
export function resolveFilterKey(entity: SearchEntity, raw: RawKey, lexer: FilterLexer): FilterKeySpec {
  const grammar = grammarOf(entity, lexer);
  const type = resolveType(grammar, raw, lexer);
  switch (type) {
    case 'metric':
      return { type, key: raw.name, valueKind: 'numeric', comparators: NUMERIC, label: `metric '${raw.name}'` };
    case 'param':
      return { type, key: raw.name, valueKind: 'string', comparators: STRING, label: `param '${raw.name}'` };
    case 'tag':
      return { type, key: raw.name, valueKind: 'string', comparators: STRING, label: `tag '${raw.name}'` };
    case 'dataset':
      if (!DATASET_KEYS.has(raw.name)) {
        lexer.fail(`invalid dataset key '${raw.name}'; valid keys are ${listOf(DATASET_KEYS)}`, raw.start);
      }
      return {
        type,
        key: raw.name,
        valueKind: 'string',
        comparators: STRING_OR_SET,
        label: `dataset key '${raw.name}'`,
      };
    case 'attribute': {
      const spec = grammar.filterAttributes.get(raw.name);
      if (spec === undefined) {
        lexer.fail(
          `invalid attribute key '${raw.name}' for ${grammar.noun}; valid keys are ${listOf(grammar.filterAttributes.keys())}` +
            (raw.prefix === undefined ? ' (other keys need a prefix such as tags.)' : ''),
          raw.start,
        );
      }
      return { type, ...spec, label: `attribute '${spec.key}'` };
    }
  }
}

/** Checks a key against the entity's order_by grammar; returns its type and canonical name. */
export function resolveOrderKey(
  entity: SearchEntity,
  raw: RawKey,
  lexer: FilterLexer,
): { type: Exclude<SearchKeyType, 'dataset'>; key: string } {
  const grammar = grammarOf(entity, lexer);
  const type = resolveType(grammar, raw, lexer);
  if (type === 'attribute') {
    const key = grammar.orderAttributes.get(raw.name);
    if (key === undefined) {
      lexer.fail(
        `invalid order_by key '${raw.name}' for ${grammar.noun}; valid attribute keys are ${listOf(grammar.orderAttributes.keys())}`,
        raw.start,
      );
    }
    return { type, key };
  }
  if (type === 'dataset' || !grammar.orderTypes.has(type)) {
    lexer.fail(`${grammar.noun} cannot be ordered by ${type} keys ('${raw.prefix ?? ''}.${raw.name}')`, raw.start);
  }
  return { type, key: raw.name };
}
