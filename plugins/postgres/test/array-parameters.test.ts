import { describe, expect, it } from 'vitest';
import { sql } from '@orrery/sql';
import type { PostgresNumberType } from '@orrery/plugin-postgres';
import { postgresBinaryArray, postgresTextArray } from '@orrery/plugin-postgres';
import { PostgresExecutor } from '../src/postgres-executor.js';
import { parsePostgresUri } from '../src/postgres-uri.js';
import { useTestDatabase } from './postgres-test-helpers.js';

/**
 * The array parameters the metrics-only log-batch statement binds (strings as one text literal,
 * numbers as one binary array per column), read back by the real server: what goes in must come
 * out unchanged, element for element and in order.
 */
describe('PostgreSQL array parameters', () => {
  const db = useTestDatabase();

  const readBack = async (value: string | Buffer, type: 'text' | PostgresNumberType): Promise<string[]> => {
    const executor = new PostgresExecutor({ ...parsePostgresUri(db.url).poolConfig, max: 1 });
    try {
      const cast = {
        text: sql`CAST(${value} AS text[])`,
        float8: sql`CAST(${value} AS float8[])`,
        int8: sql`CAST(${value} AS int8[])`,
        int4: sql`CAST(${value} AS int4[])`,
      }[type];
      // Read back as text, so the check does not depend on how the driver parses numbers.
      const rows = await executor.all<{ v: string }>(
        sql`SELECT CAST(u.v AS text) AS v FROM unnest(${cast}) WITH ORDINALITY AS u (v, i) ORDER BY u.i`,
      );
      return rows.map((row) => row.v);
    } finally {
      await executor.close();
    }
  };

  it('reads every string back unchanged, however it is spelled', async () => {
    const strings = ['plain', '', ' ', 'NULL', 'null', 'a,b', '{x}', '"quoted"', 'back\\slash', '\\"', 'tab\tnew\nline', 'héllo 😀', "it's", 'plain'];
    expect(await readBack(postgresTextArray(strings), 'text')).toEqual(strings);
    expect(await readBack(postgresTextArray([]), 'text')).toEqual([]);
  });

  it('reads every double back exactly: signed zeros, extremes, subnormals, infinities and NaN', async () => {
    const doubles = [0, -0, 1, -1, 0.1 + 0.2, 5e-324, -1.7976931348623157e308, 1.7976931348623157e308, 1e21, 1e-7, 123456789.125, Infinity, -Infinity, NaN];
    const back = (await readBack(postgresBinaryArray(doubles, 'float8'), 'float8')).map(Number);
    back.forEach((value, i) => expect(Object.is(value, doubles[i])).toBe(true));
    expect(back).toHaveLength(doubles.length);
    expect(await readBack(postgresBinaryArray([], 'float8'), 'float8')).toEqual([]);
  });

  it('reads integers back exactly, up to ±(2^53 - 1) for int8 and the int4 range for int4', async () => {
    const int8 = [0, -1, 1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, -(2 ** 32) - 1, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 4_102_444_800_000];
    expect(await readBack(postgresBinaryArray(int8, 'int8'), 'int8')).toEqual(int8.map(String));
    const int4 = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)];
    expect(await readBack(postgresBinaryArray(int4, 'int4'), 'int4')).toEqual(int4.map(String));
  });

  it('is refused by the server when cast to another element type', async () => {
    await expect(readBack(postgresBinaryArray([1, 2], 'int8'), 'float8')).rejects.toThrow();
  });
});
