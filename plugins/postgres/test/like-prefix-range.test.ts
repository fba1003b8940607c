import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StringComparison } from '@orrery/core';
import { likePrefixRange, renderQuery, sql, trustedSql, valueComparison } from '@orrery/sql';
import { postgresDialect } from '@orrery/plugin-postgres';
import { useTestDatabase } from './postgres-test-helpers.js';

/**
 * `LIKE 'prefix%'` is compiled to a byte-order range on PostgreSQL (so the planner can use the
 * (key, value) statistics). These tests hold the range to LIKE's meaning on the real server: the
 * same rows as `startsWith`, including code points at the edges of the range computation.
 */

const EDGE_STRINGS = [
  '',
  'a',
  'ab',
  'abc',
  'abd',
  'ab\u{10FFFF}',
  'a\u{10FFFF}\u{10FFFF}',
  'b',
  'model-1',
  'model-10',
  'model-19x',
  'model-2',
  'model-1\u{FFFF}',
  '\u{D7FF}x',
  '\u{E000}',
  '\u{D7FF}',
  'é',
  'éa',
  'f',
  '😀',
  '😀😀',
  '😁',
  '100%',
  '100',
  'a_b',
];

function likeClause(pattern: string): StringComparison {
  return { kind: 'string', type: 'param', key: 'k', comparator: 'LIKE', value: pattern };
}

describe('LIKE prefix ranges on PostgreSQL', () => {
  const db = useTestDatabase();
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TEMP TABLE v (s TEXT COLLATE "C" NOT NULL)');
  });
  afterAll(async () => {
    await client?.end();
  });

  async function matching(values: readonly string[], pattern: string): Promise<string[]> {
    await client.query('TRUNCATE v');
    await client.query('INSERT INTO v SELECT unnest($1::text[])', [values]);
    const { text, values: params } = renderQuery(sql`SELECT s FROM v WHERE ${valueComparison(trustedSql('s'), likeClause(pattern))}`, postgresDialect);
    return ((await client.query(text, params)).rows as { s: string }[]).map((r) => r.s).sort();
  }

  it('is used only for a literal prefix followed by one %', () => {
    expect(likePrefixRange('abc%')).toEqual({ from: 'abc', below: 'abd' });
    expect(likePrefixRange('a\u{10FFFF}%')).toEqual({ from: 'a\u{10FFFF}', below: 'b' });
    expect(likePrefixRange('\u{D7FF}%')).toEqual({ from: '\u{D7FF}', below: '\u{E000}' });
    expect(likePrefixRange('\u{10FFFF}%')).toEqual({ from: '\u{10FFFF}' });
    for (const other of ['%', 'abc', '%abc', 'a%c%', 'a_c%', 'a%c']) expect(likePrefixRange(other)).toBeUndefined();
  });

  it('matches exactly the strings that start with the prefix, at the edges', async () => {
    const prefixes = ['a', 'ab', 'ab\u{10FFFF}', 'a\u{10FFFF}', 'model-1', '\u{D7FF}', 'é', '😀', '100', '\u{10FFFF}'];
    for (const prefix of prefixes) {
      const expected = EDGE_STRINGS.filter((s) => s.startsWith(prefix)).sort();
      expect(await matching(EDGE_STRINGS, `${prefix}%`), prefix).toEqual(expected);
    }
  });

  it('matches exactly the strings that start with the prefix, for generated strings', async () => {
    const alphabet = fc.constantFrom('a', 'b', 'z', '0', '9', 'é', '\u{D7FF}', '\u{E000}', '\u{FFFF}', '😀', '\u{10FFFF}');
    const text = fc.array(alphabet, { maxLength: 4 }).map((chars) => chars.join(''));
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 20 }), text.filter((s) => s.length > 0), async (values, prefix) => {
        const expected = values.filter((s) => s.startsWith(prefix)).sort();
        expect(await matching(values, `${prefix}%`)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
