import { describe, expect, it } from 'vitest';
import { type Comparison, parseSearchFilter } from '@orrery/core';
import { expectInvalid } from './search-test-helpers.js';

const one = (filter: string, entity?: Parameters<typeof parseSearchFilter>[1]): Comparison => {
  const { clauses } = parseSearchFilter(filter, entity);
  expect(clauses).toHaveLength(1);
  return clauses[0] as Comparison;
};

describe('parseSearchFilter: empty filters', () => {
  it.each([undefined, '', '   ', '\n\t '])('%j matches everything', (filter) => {
    expect(parseSearchFilter(filter)).toEqual({ clauses: [] });
  });

  it('refuses a non-string filter with INVALID_PARAMETER_VALUE', () => {
    expectInvalid(() => parseSearchFilter(42 as unknown as string), 'expected a string');
  });
});

describe('parseSearchFilter (runs): metrics', () => {
  it.each(['=', '!=', '>', '>=', '<', '<='] as const)('accepts %s against a number', (comparator) => {
    expect(one(`metrics.acc ${comparator} 0.5`)).toEqual({
      kind: 'numeric',
      type: 'metric',
      key: 'acc',
      comparator,
      value: 0.5,
    });
  });

  it.each([
    ['1', 1],
    ['-1', -1],
    ['0.25', 0.25],
    ['-0.25', -0.25],
    ['.5', 0.5],
    ['-.5', -0.5],
    ['3.', 3],
    ['1e3', 1000],
    ['1E3', 1000],
    ['2.5e-3', 0.0025],
    ['-2.5E+2', -250],
    ['1e400', Infinity],
  ])('reads the number %s', (literal, value) => {
    expect(one(`metrics.m > ${literal}`)).toMatchObject({ value });
  });

  it('keeps negative zero', () => {
    expect(Object.is((one('metrics.m = -0') as { value: number }).value, -0)).toBe(true);
  });

  it.each(['metric', 'metrics'])('accepts the prefix %s', (prefix) => {
    expect(one(`${prefix}.loss < 1`)).toMatchObject({ type: 'metric', key: 'loss' });
  });

  it('needs no spaces around the comparator', () => {
    expect(one('metrics.loss<=-1')).toMatchObject({ comparator: '<=', value: -1 });
  });

  it.each([
    ["metrics.acc > '0.5'", "expected a number after '>' for metric 'acc'", `"'0.5'"`],
    ['metrics.acc > abc', "found 'abc'"],
    ['metrics.acc > 1e', "malformed number '1e'"],
    ['metrics.acc > 1.2.3', 'malformed number'],
    ['metrics.acc > 5abc', 'malformed number'],
    ['metrics.acc > - 1', "found '-'"],
    ['metrics.acc LIKE 1', "comparator 'LIKE' is not allowed for metric 'acc'"],
    ["metrics.acc IN ('1')", "comparator 'IN' is not allowed"],
    ['metrics.acc == 1', "found '='"],
    ['metrics.acc <> 1', "found '>'"],
    ['metrics.acc 1', 'expected a comparator', "found '1'"],
    ['metrics.acc >', 'found the end of the input'],
    ['metrics.acc', 'expected a comparator', 'found the end of the input'],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter), `Invalid search filter '${filter}'`, ...fragments);
  });
});

describe('parseSearchFilter (runs): params and tags', () => {
  it.each([
    ['params', 'param'],
    ['param', 'param'],
    ['parameter', 'param'],
    ['parameters', 'param'],
    ['tags', 'tag'],
    ['tag', 'tag'],
  ] as const)('accepts the prefix %s', (prefix, type) => {
    expect(one(`${prefix}.lr = '0.1'`)).toEqual({ kind: 'string', type, key: 'lr', comparator: '=', value: '0.1' });
  });

  it.each(['=', '!=', 'LIKE', 'ILIKE'] as const)('accepts %s', (comparator) => {
    expect(one(`tags.team ${comparator} 'x%'`)).toMatchObject({ comparator, value: 'x%' });
  });

  it.each(['like', 'Like', 'ilike', 'iLike'])('reads the comparator %s in any case', (comparator) => {
    expect(one(`params.p ${comparator} 'a'`)).toMatchObject({ comparator: comparator.toUpperCase() });
  });

  it('accepts double-quoted values', () => {
    expect(one('params.p = "a b"')).toMatchObject({ value: 'a b' });
  });

  it.each([
    ["params.p = 'it''s'", "it's"],
    ["params.p = 'it\\'s'", "it's"],
    ['params.p = "say ""hi"""', 'say "hi"'],
    ['params.p = "say \\"hi\\""', 'say "hi"'],
    ["params.p = 'a\\\\b'", 'a\\b'],
    ["params.p = 'C:\\temp\\new'", 'C:\\temp\\new'],
    ['params.p = "it\'s"', "it's"],
    ["params.p = ''", ''],
    ["params.p = 'AND x = 1'", 'AND x = 1'],
    ["params.p = '  padded  '", '  padded  '],
    ["params.p = 'line\nbreak'", 'line\nbreak'],
    ["params.p = 'émoji 🚀 数据'", 'émoji 🚀 数据'],
  ])('reads the string in %s', (filter, value) => {
    expect(one(filter)).toMatchObject({ value });
  });

  it.each([
    ['params.p = 1', "expected a quoted string after '=' for param 'p'", "found '1'"],
    ['params.p = abc', "found 'abc'"],
    ['params.p = `abc`', "found '`abc`'"],
    ["params.p = 'abc", 'unterminated string', 'position 11'],
    ['params.p = "abc', 'unterminated string'],
    ["params.p > 'a'", "comparator '>' is not allowed for param 'p'", 'allowed: =, !=, LIKE, ILIKE'],
    ["tags.t IN ('a')", "comparator 'IN' is not allowed for tag 't'"],
    ["tags.t NOT LIKE 'a'", 'expected IN after NOT', "found 'LIKE'"],
    ["tags.t LIKEx 'a'", 'expected a comparator'],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter), ...fragments);
  });
});

describe('parseSearchFilter (runs): key forms', () => {
  it.each([
    ['metrics.`my metric` > 1', 'my metric'],
    ['metrics."my metric" > 1', 'my metric'],
    ['metrics.`a``b` > 1', 'a`b'],
    ['metrics."a""b" > 1', 'a"b'],
    ['metrics.`a.b/c-d` > 1', 'a.b/c-d'],
    ['metrics.a.b.c > 1', 'a.b.c'],
    ['metrics.1st > 1', '1st'],
    ['metrics.Ünïcode_名 > 1', 'Ünïcode_名'],
    ['`metrics`.acc > 1', 'acc'],
    ['`metrics`.`a b` > 1', 'a b'],
    ['metrics.AND > 1', 'AND'],
  ])('reads the key in %s', (filter, key) => {
    expect(one(filter)).toMatchObject({ type: 'metric', key });
  });

  it('reads dotted tag keys such as mlflow.runName', () => {
    expect(one("tags.mlflow.runName = 'x'")).toMatchObject({ type: 'tag', key: 'mlflow.runName' });
    expect(one("tags.`mlflow.runName` = 'x'")).toMatchObject({ type: 'tag', key: 'mlflow.runName' });
  });

  it.each([
    ["foo.bar = 'x'", "invalid entity type 'foo' for runs", 'valid prefixes are'],
    ["METRICS.x = 1", "invalid entity type 'METRICS'"],
    ['metrics. x > 1', "expected a key name after 'metrics.'"],
    ['metrics.x. > 1', "expected a key name after 'metrics.x.'"],
    ['metrics.a-b > 1', 'expected a comparator', "found '-b'"],
    ['metrics.`` > 1', "empty key name after 'metrics.'"],
    ['metrics.`abc > 1', 'unterminated quoted identifier'],
    ["metrics.'abc' > 1", 'not single quotes'],
    ["'metrics.x' > 1", 'expected a key, found the string'],
    ['> 1', 'expected a key', "found '>'"],
    ['(metrics.x > 1)', 'parentheses are not supported'],
    ["nonsense = 'x'", "invalid attribute key 'nonsense' for runs", 'need a prefix'],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter), ...fragments);
  });
});

describe('parseSearchFilter (runs): attributes', () => {
  it.each(['attributes', 'attribute', 'attr', 'run'])('accepts the prefix %s', (prefix) => {
    expect(one(`${prefix}.status = 'FINISHED'`)).toEqual({
      kind: 'string',
      type: 'attribute',
      key: 'status',
      comparator: '=',
      value: 'FINISHED',
    });
  });

  it.each(['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage'])(
    'accepts the string attribute %s bare and prefixed, with = != LIKE ILIKE',
    (key) => {
      for (const comparator of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        expect(one(`${key} ${comparator} 'v'`)).toEqual({ kind: 'string', type: 'attribute', key, comparator, value: 'v' });
        expect(one(`attributes.${key} ${comparator} 'v'`)).toMatchObject({ key });
      }
    },
  );

  it.each(['start_time', 'end_time'])('accepts the numeric attribute %s', (key) => {
    for (const comparator of ['=', '!=', '>', '>=', '<', '<='] as const) {
      expect(one(`attributes.${key} ${comparator} 1700000000000`)).toEqual({
        kind: 'numeric',
        type: 'attribute',
        key,
        comparator,
        value: 1700000000000,
      });
    }
  });

  it.each(['created', 'Created', 'attributes.created', 'attr.Created'])('resolves %s to start_time', (key) => {
    expect(one(`${key} >= 5`)).toMatchObject({ kind: 'numeric', key: 'start_time' });
  });

  it.each(['`run name`', '`Run name`', '"Run Name"', 'attributes.`Run name`'])('resolves %s to run_name', (key) => {
    expect(one(`${key} = 'x'`)).toMatchObject({ kind: 'string', key: 'run_name' });
  });

  it('accepts quoted attribute names', () => {
    expect(one("attributes.`status` = 'x'")).toMatchObject({ key: 'status' });
    expect(one("`status` = 'x'")).toMatchObject({ key: 'status' });
  });

  it.each([
    ["attributes.run_id IN ('a')", 'IN', ['a']],
    ["run_id IN ('a', 'b','c')", 'IN', ['a', 'b', 'c']],
    ["run_id in ( 'a' , \"b\" )", 'IN', ['a', 'b']],
    ["run_id NOT IN ('a', 'b')", 'NOT IN', ['a', 'b']],
    ["run_id not\n in('a')", 'NOT IN', ['a']],
    ["run_id IN ('it''s', ',)')", 'IN', ["it's", ',)']],
  ])('reads %s', (filter, comparator, values) => {
    expect(one(filter)).toEqual({ kind: 'set', type: 'attribute', key: 'run_id', comparator, values });
  });

  it.each([
    ["status IN ('a')", "comparator 'IN' is not allowed for attribute 'status'"],
    ["run_id IN 'a'", 'expected a parenthesised list of strings', `found "'a'"`],
    ['run_id IN ()', 'is empty'],
    ["run_id IN ('a',)", "expected a quoted string after ','", "found ')'"],
    ["run_id IN ('a' 'b')", "expected ',' or ')'", `found "'b')"`],
    ["run_id IN ('a'", "expected ',' or ')'", 'the end of the input'],
    ['run_id IN (1, 2)', 'expected a quoted string', "found '1,'"],
    ["run_id NOT ('a')", 'expected IN after NOT'],
    ["start_time = 'x'", "expected a number after '=' for attribute 'start_time'"],
    ["created LIKE '1'", "comparator 'LIKE' is not allowed for attribute 'start_time'"],
    ["status > 'a'", "comparator '>' is not allowed for attribute 'status'"],
    ['status = 1', "expected a quoted string after '=' for attribute 'status'"],
    ["experiment_id = '0'", "invalid attribute key 'experiment_id' for runs"],
    ["attributes.foo = 'x'", "invalid attribute key 'foo' for runs"],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter), ...fragments);
  });
});

describe('parseSearchFilter (runs): datasets', () => {
  it.each(['datasets', 'dataset'])('accepts the prefix %s', (prefix) => {
    expect(one(`${prefix}.name = 'iris'`)).toEqual({
      kind: 'string',
      type: 'dataset',
      key: 'name',
      comparator: '=',
      value: 'iris',
    });
  });

  it.each(['name', 'digest', 'context'])('accepts every comparator on %s', (key) => {
    for (const comparator of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(one(`datasets.${key} ${comparator} 'v'`)).toMatchObject({ kind: 'string', key, comparator });
    }
    expect(one(`datasets.${key} IN ('a', 'b')`)).toEqual({
      kind: 'set',
      type: 'dataset',
      key,
      comparator: 'IN',
      values: ['a', 'b'],
    });
    expect(one(`datasets.${key} NOT IN ('a')`)).toMatchObject({ kind: 'set', comparator: 'NOT IN' });
  });

  it.each([
    ["datasets.source = 'x'", "invalid dataset key 'source'", 'name, digest, context'],
    ['datasets.name > 1', "comparator '>' is not allowed for dataset key 'name'"],
    ['datasets.name = 1', 'expected a quoted string'],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter), ...fragments);
  });
});

describe('parseSearchFilter (runs): conjunctions', () => {
  it('joins clauses with AND in any case and any whitespace', () => {
    const ast = parseSearchFilter("metrics.a > 1 AND params.b = 'x'\n\tand\ttags.c != 'y' And status = 'RUNNING'");
    expect(ast.clauses.map((c) => [c.type, c.key])).toEqual([
      ['metric', 'a'],
      ['param', 'b'],
      ['tag', 'c'],
      ['attribute', 'status'],
    ]);
  });

  it('allows AND right after a closing quote or parenthesis', () => {
    expect(parseSearchFilter("params.a = 'x'AND run_id IN ('r')AND metrics.m > 1").clauses).toHaveLength(3);
  });

  it('keeps repeated clauses on one key', () => {
    expect(parseSearchFilter('metrics.a > 1 AND metrics.a < 2').clauses).toHaveLength(2);
  });

  it.each([
    ['metrics.a > 1 OR metrics.b > 1', 'OR is not supported', 'position 14'],
    ['metrics.a > 1 AND', 'expected a clause after AND'],
    ['metrics.a > 1 AND AND metrics.b > 1', "invalid attribute key 'AND'"],
    ['AND metrics.a > 1', "invalid attribute key 'AND'"],
    ['metrics.a > 1 metrics.b > 1', 'expected AND or the end of the filter', "found 'metrics.b'"],
    ['metrics.a > 1 ANDmetrics.b > 1', "found 'ANDmetrics.b'"],
    ['metrics.a > 1;', "found ';'"],
    ["metrics.a > 1 AND (params.b = 'x')", 'parentheses are not supported'],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter), ...fragments);
  });

  it('quotes long filters only in part', () => {
    const filter = `metrics.a > 1 AND ${'x'.repeat(1000)}`;
    expectInvalid(() => parseSearchFilter(filter), '...', 'position 18');
  });
});

describe('parseSearchFilter (experiments)', () => {
  it('reads name, times and tags', () => {
    expect(
      parseSearchFilter(
        "name LIKE 'exp%' AND attribute.creation_time > 5 AND last_update_time <= 10 AND tags.`team` ILIKE 'ML'",
        'experiment',
      ).clauses,
    ).toEqual([
      { kind: 'string', type: 'attribute', key: 'name', comparator: 'LIKE', value: 'exp%' },
      { kind: 'numeric', type: 'attribute', key: 'creation_time', comparator: '>', value: 5 },
      { kind: 'numeric', type: 'attribute', key: 'last_update_time', comparator: '<=', value: 10 },
      { kind: 'string', type: 'tag', key: 'team', comparator: 'ILIKE', value: 'ML' },
    ]);
  });

  it.each([
    ['metrics.a > 1', "invalid entity type 'metrics' for experiments", 'attribute, attributes, tag, tags'],
    ["status = 'x'", "invalid attribute key 'status' for experiments", 'name, creation_time, last_update_time'],
    ["name IN ('a')", "comparator 'IN' is not allowed for attribute 'name'"],
    ["creation_time = '5'", 'expected a number'],
    ['tags.t = 5', 'expected a quoted string'],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter, 'experiment'), ...fragments);
  });
});

describe('parseSearchFilter (registered models)', () => {
  it('reads name and tags', () => {
    expect(parseSearchFilter("name = 'm' AND tags.stage != 'x' AND attributes.name ILIKE '%M%'", 'registeredModel').clauses).toEqual([
      { kind: 'string', type: 'attribute', key: 'name', comparator: '=', value: 'm' },
      { kind: 'string', type: 'tag', key: 'stage', comparator: '!=', value: 'x' },
      { kind: 'string', type: 'attribute', key: 'name', comparator: 'ILIKE', value: '%M%' },
    ]);
  });

  it.each([
    ['creation_timestamp > 1', "invalid attribute key 'creation_timestamp' for registered models"],
    ["run_id = 'x'", "invalid attribute key 'run_id'"],
    ["params.x = 'y'", "invalid entity type 'params'"],
    ["name IN ('a')", "'IN' is not allowed"],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter, 'registeredModel'), ...fragments);
  });
});

describe('parseSearchFilter (model versions)', () => {
  it('reads name, run_id, source_path, version_number and tags', () => {
    expect(
      parseSearchFilter(
        "name = 'm' AND run_id IN ('r1', 'r2') AND run_id NOT IN ('r3') AND run_id != 'r4' AND source_path LIKE 's3://%' AND version_number >= 2 AND tags.t = 'v'",
        'modelVersion',
      ).clauses,
    ).toEqual([
      { kind: 'string', type: 'attribute', key: 'name', comparator: '=', value: 'm' },
      { kind: 'set', type: 'attribute', key: 'run_id', comparator: 'IN', values: ['r1', 'r2'] },
      { kind: 'set', type: 'attribute', key: 'run_id', comparator: 'NOT IN', values: ['r3'] },
      { kind: 'string', type: 'attribute', key: 'run_id', comparator: '!=', value: 'r4' },
      { kind: 'string', type: 'attribute', key: 'source_path', comparator: 'LIKE', value: 's3://%' },
      { kind: 'numeric', type: 'attribute', key: 'version_number', comparator: '>=', value: 2 },
      { kind: 'string', type: 'tag', key: 't', comparator: '=', value: 'v' },
    ]);
  });

  it.each([
    ["run_id LIKE 'a%'", "comparator 'LIKE' is not allowed for attribute 'run_id'"],
    ["version_number = '1'", 'expected a number'],
    ["name IN ('a')", "'IN' is not allowed for attribute 'name'"],
    ["current_stage = 'Production'", "invalid attribute key 'current_stage' for model versions"],
  ])('refuses %s', (filter, ...fragments) => {
    expectInvalid(() => parseSearchFilter(filter, 'modelVersion'), ...fragments);
  });
});

describe('parseSearchFilter: entity', () => {
  it('defaults to runs', () => {
    expect(one('metrics.a > 1')).toMatchObject({ type: 'metric' });
  });

  it('refuses an unknown entity with INVALID_PARAMETER_VALUE', () => {
    expectInvalid(() => parseSearchFilter("name = 'x'", 'dataset' as never), "unknown search entity 'dataset'");
  });
});
