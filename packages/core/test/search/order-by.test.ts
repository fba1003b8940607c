import { describe, expect, it } from 'vitest';
import { formatOrderByTerm, parseOrderBy } from '@orrery/core';
import { expectInvalid } from './search-test-helpers.js';

describe('parseOrderBy (runs)', () => {
  it('returns no terms for undefined or an empty list', () => {
    expect(parseOrderBy(undefined)).toEqual([]);
    expect(parseOrderBy([])).toEqual([]);
  });

  it.each([
    ['start_time', { type: 'attribute', key: 'start_time', ascending: true }],
    ['start_time DESC', { type: 'attribute', key: 'start_time', ascending: false }],
    ['start_time desc', { type: 'attribute', key: 'start_time', ascending: false }],
    ['  end_time   Asc  ', { type: 'attribute', key: 'end_time', ascending: true }],
    ['created DESC', { type: 'attribute', key: 'start_time', ascending: false }],
    ['Created', { type: 'attribute', key: 'start_time', ascending: true }],
    ['`Run name` ASC', { type: 'attribute', key: 'run_name', ascending: true }],
    ['attributes.run_name', { type: 'attribute', key: 'run_name', ascending: true }],
    ['attr.status DESC', { type: 'attribute', key: 'status', ascending: false }],
    ['run.run_id', { type: 'attribute', key: 'run_id', ascending: true }],
    ['user_id', { type: 'attribute', key: 'user_id', ascending: true }],
    ['artifact_uri', { type: 'attribute', key: 'artifact_uri', ascending: true }],
    ['metrics.acc DESC', { type: 'metric', key: 'acc', ascending: false }],
    ['metric.`val loss` ASC', { type: 'metric', key: 'val loss', ascending: true }],
    ['metrics."val loss"', { type: 'metric', key: 'val loss', ascending: true }],
    ['params.lr', { type: 'param', key: 'lr', ascending: true }],
    ['param.`a b` desc', { type: 'param', key: 'a b', ascending: false }],
    ['tags.mlflow.runName DESC', { type: 'tag', key: 'mlflow.runName', ascending: false }],
    ['tag.`x`', { type: 'tag', key: 'x', ascending: true }],
  ])('reads %s', (term, expected) => {
    expect(parseOrderBy([term])).toEqual([expected]);
  });

  it('keeps the order of several terms', () => {
    expect(parseOrderBy(['metrics.a DESC', 'params.b', 'start_time ASC'])).toEqual([
      { type: 'metric', key: 'a', ascending: false },
      { type: 'param', key: 'b', ascending: true },
      { type: 'attribute', key: 'start_time', ascending: true },
    ]);
  });

  it.each([
    ['', 'expected a key', 'the end of the input'],
    ['   ', 'expected a key'],
    ['foo', "invalid order_by key 'foo' for runs", 'start_time'],
    ['lifecycle_stage', "invalid order_by key 'lifecycle_stage'"],
    ['experiment_id', "invalid order_by key 'experiment_id'"],
    ['datasets.name', 'cannot be ordered by dataset keys'],
    ['bogus.x', "invalid entity type 'bogus'"],
    ['start_time sideways', "expected ASC, DESC or the end of the clause after the key, found 'sideways'"],
    ['start_time ASC DESC', "unexpected 'DESC' after ASC"],
    ['start_timeDESC', "invalid order_by key 'start_timeDESC'"],
    ['metrics.`a', 'unterminated quoted identifier'],
    ["'start_time'", 'expected a key, found the string'],
    ['start_time, end_time', "found ','"],
  ])('refuses %j', (term, ...fragments) => {
    expectInvalid(() => parseOrderBy([term]), `Invalid order_by clause '${term}'`, ...fragments);
  });

  it('refuses a non-string term or a non-list with INVALID_PARAMETER_VALUE', () => {
    expectInvalid(() => parseOrderBy([3 as unknown as string]), 'expected a string');
    expectInvalid(() => parseOrderBy('start_time' as unknown as string[]), 'expected a list');
  });
});

describe('parseOrderBy (other entities)', () => {
  it.each([
    ['name', 'name'],
    ['experiment_id DESC', 'experiment_id'],
    ['attribute.creation_time', 'creation_time'],
    ['last_update_time asc', 'last_update_time'],
  ])('experiments: reads %s', (term, key) => {
    expect(parseOrderBy([term], 'experiment')[0]).toMatchObject({ type: 'attribute', key });
  });

  it.each([
    ['start_time', "invalid order_by key 'start_time' for experiments"],
    ['tags.x', 'experiments cannot be ordered by tag keys'],
    ['metrics.x', "invalid entity type 'metrics' for experiments"],
  ])('experiments: refuses %s', (term, fragment) => {
    expectInvalid(() => parseOrderBy([term], 'experiment'), fragment);
  });

  it.each([
    ['name DESC', 'name', false],
    ['last_updated_timestamp', 'last_updated_timestamp', true],
    ['timestamp DESC', 'last_updated_timestamp', false],
  ] as const)('registered models: reads %s', (term, key, ascending) => {
    expect(parseOrderBy([term], 'registeredModel')).toEqual([{ type: 'attribute', key, ascending }]);
  });

  it.each(['creation_timestamp', 'version_number', 'tags.t'])('registered models: refuses %s', (term) => {
    expectInvalid(() => parseOrderBy([term], 'registeredModel'), `Invalid order_by clause '${term}'`);
  });

  it.each(['name', 'version_number DESC', 'creation_timestamp', 'last_updated_timestamp ASC'])(
    'model versions: reads %s',
    (term) => {
      expect(parseOrderBy([term], 'modelVersion')[0]).toMatchObject({ type: 'attribute', key: term.split(' ')[0] });
    },
  );

  it.each(['timestamp', 'run_id', 'source_path'])('model versions: refuses %s', (term) => {
    expectInvalid(() => parseOrderBy([term], 'modelVersion'), `invalid order_by key '${term}' for model versions`);
  });
});

describe('formatOrderByTerm', () => {
  it.each([
    [{ type: 'metric', key: 'val loss', ascending: false }, 'metrics.`val loss` DESC'],
    [{ type: 'attribute', key: 'start_time', ascending: true }, 'start_time ASC'],
    [{ type: 'tag', key: 'mlflow.runName', ascending: true }, 'tags.mlflow.runName ASC'],
  ] as const)('prints %j as %s, which parses back', (term, text) => {
    expect(formatOrderByTerm(term)).toBe(text);
    expect(parseOrderBy([text])).toEqual([term]);
  });
});
