import { describe, expect, it } from 'vitest';
import { postgresNumberArray, postgresTextArray, sql } from '@orrery/sql';
import { PostgresExecutor } from '../src/postgres-executor.js';
import { parsePostgresUri } from '../src/postgres-uri.js';
import { useTestDatabase } from './postgres-test-helpers.js';

/**
 * The array literals the metrics-only log-batch statement binds (one text parameter per column),
 * read back by the real server: what goes in must come out unchanged, element for element.
 */
describe('PostgreSQL array literals', () => {
  const db = useTestDatabase();

  const readBack = async <T>(literal: string, type: 'text' | 'float8' | 'int8'): Promise<T[]> => {
    const executor = new PostgresExecutor({ ...parsePostgresUri(db.url).poolConfig, max: 1 });
    try {
      const cast = { text: sql`CAST(${literal} AS text[])`, float8: sql`CAST(${literal} AS float8[])`, int8: sql`CAST(${literal} AS int8[])` }[type];
      const rows = await executor.all<{ v: T; i: string }>(sql`SELECT u.v, u.i FROM unnest(${cast}) WITH ORDINALITY AS u (v, i) ORDER BY u.i`);
      return rows.map((row) => row.v);
    } finally {
      await executor.close();
    }
  };

  it('reads every string back unchanged, however it is spelled', async () => {
    const strings = ['plain', '', ' ', 'NULL', 'null', 'a,b', '{x}', '"quoted"', 'back\\slash', '\\"', 'tab\tnew\nline', 'héllo 😀', "it's", 'plain'];
    expect(await readBack<string>(postgresTextArray(strings), 'text')).toEqual(strings);
    expect(await readBack<string>(postgresTextArray([]), 'text')).toEqual([]);
  });

  it('reads every double back exactly, infinities included', async () => {
    const doubles = [0, 1, -1, 0.1 + 0.2, 5e-324, -1.7976931348623157e308, 1.7976931348623157e308, 1e21, 1e-7, 123456789.125, Infinity, -Infinity];
    const back = (await readBack<number | string>(postgresNumberArray(doubles), 'float8')).map(Number);
    expect(back).toEqual(doubles);
    expect(Number((await readBack<string>(postgresNumberArray([NaN]), 'float8'))[0])).toBeNaN();
  });

  it('reads integers back exactly up to ±(2^53 - 1)', async () => {
    const integers = [0, -1, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 4_102_444_800_000];
    expect((await readBack<string>(postgresNumberArray(integers), 'int8')).map(Number)).toEqual(integers);
  });
});
