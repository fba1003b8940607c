import { describe, expect, it } from 'vitest';
import { compareLike, evaluateFilter, parseSearchFilter, type Run } from '@orrery/core';
import { expectInvalid, makeRun } from './search-test-helpers.js';

const matches = (filter: string, run: Run): boolean => evaluateFilter(parseSearchFilter(filter), run);

describe('compareLike', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'ab', false],
    ['abc', 'abcd', false],
    ['abc', 'a%', true],
    ['abc', '%c', true],
    ['abc', '%b%', true],
    ['abc', '%', true],
    ['', '%', true],
    ['', '', true],
    ['', '_', false],
    ['abc', 'a_c', true],
    ['abc', '___', true],
    ['abc', '____', false],
    ['abc', '%%%', true],
    ['abcabc', '%b_a%', true],
    ['aaa', '%a%a%a%', true],
    ['aa', '%a%a%a%', false],
    ['a.c', 'a.c', true],
    ['abc', 'a.c', false],
    ['a*c', 'a*c', true],
    ['a(c', 'a(%', true],
    ['ABC', 'abc', false],
    ['ABC', 'a%', false],
    ['line1\nline2', 'line1%line2', true],
    ['line1\nline2', 'line1_line2', true],
    ['🚀x', '_x', true],
    ['数据集', '数_集', true],
    ['100%', '100%', true],
    ['100', '100%', true],
    ['a_b', 'a_b', true],
    ['axb', 'a_b', true],
  ])('LIKE: %j matches %j → %s', (value, pattern, expected) => {
    expect(compareLike(value, pattern, false)).toBe(expected);
  });

  it.each([
    ['ABC', 'abc', true],
    ['abc', 'A%', true],
    ['Ünïcode', 'üNÏ%', true],
    ['ΣΊΣΥΦΟΣ', 'σίσυφοσ', true],
    ['abc', 'abd', false],
  ])('ILIKE: %j matches %j → %s', (value, pattern, expected) => {
    expect(compareLike(value, pattern, true)).toBe(expected);
  });

  it('stays fast on patterns that blow up naive regular expressions', () => {
    // Correctness only; the point is that this returns at all (a backtracking regex would not).
    expect(compareLike('a'.repeat(5000), `${'%a'.repeat(50)}b`, false)).toBe(false);
  });
});

describe('evaluateFilter: metrics', () => {
  const run = makeRun({ metrics: { acc: 0.9, loss: -1, nan: Number.NaN, inf: Infinity } });

  it.each([
    ['metrics.acc = 0.9', true],
    ['metrics.acc != 0.9', false],
    ['metrics.acc > 0.5', true],
    ['metrics.acc >= 0.9', true],
    ['metrics.acc < 0.9', false],
    ['metrics.acc <= 0.9', true],
    ['metrics.loss < 0', true],
    ['metrics.loss = -1e0', true],
    ['metrics.inf > 1e308', true],
    ['metrics.inf = 1e400', true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter, run)).toBe(expected);
  });

  it.each([
    ['metrics.nan = 0', false],
    ['metrics.nan != 0', true],
    ['metrics.nan > 0', false],
    ['metrics.nan >= 0', false],
    ['metrics.nan < 0', false],
    ['metrics.nan <= 0', false],
  ])('NaN follows IEEE: %s → %s', (filter, expected) => {
    expect(matches(filter, run)).toBe(expected);
  });

  it.each(['=', '!=', '>', '>=', '<', '<='])('a run without the metric matches no %s clause on it', (comparator) => {
    expect(matches(`metrics.missing ${comparator} 0`, run)).toBe(false);
  });

  it('uses the value the run holds as latest', () => {
    const latest = makeRun({});
    latest.data.metrics = [{ key: 'm', value: 3, timestamp: 10, step: 5 }];
    expect(matches('metrics.m = 3', latest)).toBe(true);
  });
});

describe('evaluateFilter: params and tags', () => {
  const run = makeRun({ params: { lr: '0.01', Opt: 'Adam' }, tags: { team: 'Vision', 'a b': "it's" } });

  it.each([
    ["params.lr = '0.01'", true],
    ["params.lr = '0.010'", false],
    ["params.lr != '0.1'", true],
    ["params.Opt LIKE 'Ad%'", true],
    ["params.Opt LIKE 'ad%'", false],
    ["params.Opt ILIKE 'ad%'", true],
    ["tags.team = 'vision'", false],
    ["tags.team ILIKE 'VISION'", true],
    ["tags.`a b` = 'it''s'", true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter, run)).toBe(expected);
  });

  it.each(['=', '!=', 'LIKE', 'ILIKE'])('a run without the param or tag matches no %s clause', (comparator) => {
    expect(matches(`params.missing ${comparator} 'x'`, run)).toBe(false);
    expect(matches(`tags.missing ${comparator} '%'`, run)).toBe(false);
  });

  it('keeps params, tags and metrics apart', () => {
    expect(matches("tags.lr = '0.01'", run)).toBe(false);
  });
});

describe('evaluateFilter: attributes', () => {
  const run = makeRun({
    runId: 'r1',
    runName: 'brave-owl',
    status: 'FINISHED',
    userId: 'ada',
    artifactUri: 's3://bucket/r1/artifacts',
    lifecycleStage: 'active',
    startTime: 1000,
    endTime: 2000,
  });

  it.each([
    ["run_id = 'r1'", true],
    ["attributes.run_id IN ('r0', 'r1')", true],
    ["run_id IN ('r0')", false],
    ["run_id NOT IN ('r0')", true],
    ["run_id NOT IN ('r1', 'r2')", false],
    ["run_name LIKE 'brave%'", true],
    ["`Run name` = 'brave-owl'", true],
    ["status != 'RUNNING'", true],
    ["status ILIKE 'finished'", true],
    ["user_id = 'ada'", true],
    ["artifact_uri LIKE 's3://%'", true],
    ["lifecycle_stage = 'active'", true],
    ['start_time = 1000', true],
    ['created > 999', true],
    ['attributes.end_time <= 2000', true],
    ['end_time > 2000', false],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter, run)).toBe(expected);
  });

  it('a run that has not ended matches no end_time clause', () => {
    const running = makeRun({ endTime: null, status: 'RUNNING' });
    for (const comparator of ['=', '!=', '>', '>=', '<', '<=']) {
      expect(matches(`end_time ${comparator} 0`, running)).toBe(false);
    }
  });
});

describe('evaluateFilter: datasets', () => {
  const run = makeRun({
    datasets: [
      { name: 'iris', digest: 'd1', context: 'training' },
      { name: 'wine', digest: 'd2', context: 'eval' },
      { name: 'raw', digest: 'd3' },
    ],
  });

  it.each([
    ["datasets.name = 'wine'", true],
    ["datasets.name = 'beer'", false],
    ["datasets.name != 'iris'", true],
    ["datasets.digest IN ('d3', 'x')", true],
    ["datasets.digest NOT IN ('d1', 'd2', 'd3')", false],
    ["datasets.context = 'eval'", true],
    ["datasets.context LIKE 'train%'", true],
    ["datasets.context ILIKE 'EVAL'", true],
    ["datasets.context NOT IN ('training', 'eval')", false],
    ["datasets.name = 'iris' AND datasets.context = 'eval'", true],
  ])('%s → %s (any input may match)', (filter, expected) => {
    expect(matches(filter, run)).toBe(expected);
  });

  it('a run without dataset inputs matches no dataset clause, != included', () => {
    const bare = makeRun({});
    expect(matches("datasets.name != 'x'", bare)).toBe(false);
    expect(matches("datasets.context NOT IN ('x')", bare)).toBe(false);
  });
});

describe('evaluateFilter: conjunction', () => {
  const run = makeRun({ metrics: { a: 1 }, params: { p: 'x' } });

  it('requires every clause', () => {
    expect(matches("metrics.a = 1 AND params.p = 'x'", run)).toBe(true);
    expect(matches("metrics.a = 1 AND params.p = 'y'", run)).toBe(false);
  });

  it('matches every run with an empty filter', () => {
    expect(matches('', run)).toBe(true);
  });

  it('refuses hand-built clauses outside the grammar with INVALID_PARAMETER_VALUE', () => {
    expectInvalid(
      () =>
        evaluateFilter(
          { clauses: [{ kind: 'string', type: 'attribute', key: 'experiment_id', comparator: '=', value: '0' }] },
          run,
        ),
      'experiment_id',
    );
    expectInvalid(
      () => evaluateFilter({ clauses: [{ kind: 'string', type: 'metric', key: 'a', comparator: '=', value: '1' }] }, run),
      "metric 'a'",
    );
  });
});
