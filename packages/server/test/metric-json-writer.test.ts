import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Metric } from '@orrery/core';
import { writeMetricsJson } from '../src/wire/metric-json-writer.js';
import { metricToWire } from '../src/wire/tracking-wire.js';

/** What the writer must equal: the wire objects serialized one by one. */
const expected = (items: Metric[], separator: string): string => separator + items.map((m) => JSON.stringify(metricToWire(m))).join(',');

const metric = fc.record({
  key: fc.oneof(fc.constantFrom('loss', 'a/b c', 'ü ñ 😀', 'quote"back\\slash'), fc.string({ minLength: 1, maxLength: 12 })),
  value: fc.oneof(
    fc.double(),
    fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, -Number.MAX_VALUE, 0.1, 1e-7),
    fc.integer(),
    fc.maxSafeInteger(),
  ),
  timestamp: fc.oneof(fc.maxSafeInteger(), fc.constantFrom(0, -1, 1_700_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER)),
  step: fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -20, max: 20 })),
});

describe('writeMetricsJson', () => {
  it('writes exactly the bytes JSON.stringify gives for the wire metrics', () => {
    fc.assert(
      fc.property(fc.array(metric, { maxLength: 60 }), fc.constantFrom('', ',', '{"metrics":['), (items, separator) => {
        expect(writeMetricsJson(items, separator).toString('utf8')).toBe(expected(items, separator));
      }),
      { numRuns: 2000 },
    );
  });

  it('grows its buffer for long keys and many rows', () => {
    const items: Metric[] = Array.from({ length: 5000 }, (_, i) => ({ key: i % 2 ? 'k'.repeat(250) : 'é'.repeat(200), value: i / 7, timestamp: -i, step: i }));
    expect(writeMetricsJson(items, ',').toString('utf8')).toBe(expected(items, ','));
  });
});
