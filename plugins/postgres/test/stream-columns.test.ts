import { describe, expect, it } from 'vitest';
import { sql } from '@orrery/sql';
import { BinaryCopyReader } from '../src/binary-copy-reader.js';
import { PostgresExecutor } from '../src/postgres-executor.js';
import { parsePostgresUri } from '../src/postgres-uri.js';
import { useTestDatabase } from './postgres-test-helpers.js';

/** A column-major batch as rows. */
function toRows(columns: unknown[][]): unknown[][] {
  return columns[0]!.map((_, r) => columns.map((column) => column[r]));
}

/**
 * `PostgresExecutor.streamColumns` (binary COPY, values bound as transaction-local settings) on the
 * real server: what whole-history reads stand on.
 */
describe('PostgreSQL streamColumns', () => {
  const db = useTestDatabase();

  const withExecutor = async <T>(fn: (executor: PostgresExecutor) => Promise<T>): Promise<T> => {
    const executor = new PostgresExecutor({ ...parsePostgresUri(db.url).poolConfig, max: 2 });
    try {
      return await fn(executor);
    } finally {
      await executor.close();
    }
  };

  const collect = async (batches: AsyncIterable<unknown[][]>): Promise<unknown[][]> => {
    const all: unknown[][] = [];
    for await (const batch of batches) all.push(...toRows(batch));
    return all;
  };

  it('decodes every column type exactly, NULLs and edge values included', async () => {
    await withExecutor(async (executor) => {
      const rows = await collect(
        executor.streamColumns(
          sql`SELECT * FROM (VALUES
                (CAST(0.1 AS DOUBLE PRECISION), CAST(-1 AS BIGINT), CAST(-2147483648 AS INTEGER), CAST('héllo 😀' AS TEXT)),
                (CAST('Infinity' AS DOUBLE PRECISION), CAST(9007199254740991 AS BIGINT), 2147483647, ''),
                (CAST('-Infinity' AS DOUBLE PRECISION), CAST(-9007199254740991 AS BIGINT), 0, NULL),
                (CAST('NaN' AS DOUBLE PRECISION), CAST(4294967296 AS BIGINT), 1, 'tab\tnew\nline'),
                (5e-324, CAST(-4294967297 AS BIGINT), -1, CAST(NULL AS TEXT)),
                (NULL, NULL, NULL, 'x')) AS t(a, b, c, d)`,
          ['float8', 'int8', 'int4', 'text'],
        ),
      );
      expect(rows).toEqual([
        [0.1, -1, -2147483648, 'héllo 😀'],
        [Infinity, 9007199254740991, 2147483647, ''],
        [-Infinity, -9007199254740991, 0, null],
        [NaN, 4294967296, 1, 'tab\tnew\nline'],
        [5e-324, -4294967297, -1, null],
        [null, null, null, 'x'],
      ]);
    });
  });

  it('binds strings and numbers as values, never as SQL text', async () => {
    await withExecutor(async (executor) => {
      const hostile = `x'); DROP TABLE pg_class; --\\ 😀`;
      const rows = await collect(
        executor.streamColumns(sql`SELECT ${hostile}, ${42}, ${-0.5}, ${1e300}, ${-7}`, ['text', 'int8', 'float8', 'float8', 'int8']),
      );
      expect(rows).toEqual([[hostile, 42, -0.5, 1e300, -7]]);
      // The settings were transaction-local: the connection carries none of them afterwards.
      const leftover = await executor.get<{ value: string | null }>(sql`SELECT current_setting('orrery.stream_1', true) AS value`);
      expect(leftover?.value ?? '').toBe('');
    });
  });

  it('streams a large result in several batches, in order', async () => {
    await withExecutor(async (executor) => {
      const batches: number = await (async () => {
        let count = 0;
        let next = 1;
        for await (const batch of executor.streamColumns(sql`SELECT g, CAST(g AS DOUBLE PRECISION) / 3 FROM generate_series(1, ${200_000}) g`, ['int8', 'float8'])) {
          count++;
          for (const [g, third] of toRows(batch) as [number, number][]) {
            expect(g).toBe(next);
            expect(third).toBe(next / 3);
            next++;
          }
        }
        expect(next).toBe(200_001);
        return count;
      })();
      expect(batches).toBeGreaterThan(1);
    });
  });

  it('leaves the pool usable when the reader stops early or the query fails', async () => {
    await withExecutor(async (executor) => {
      for (let i = 0; i < 3; i++) {
        for await (const batch of executor.streamColumns(sql`SELECT g FROM generate_series(1, 500000) g`, ['int4'])) {
          expect(batch[0]!.length).toBeGreaterThan(0);
          break;
        }
      }
      await expect(collect(executor.streamColumns(sql`SELECT 1 / (g - g) FROM generate_series(1, 3) g`, ['int4']))).rejects.toThrow();
      const row = await executor.get<{ n: number }>(sql`SELECT CAST(${7} AS INTEGER) + 1 AS n`);
      expect(row?.n).toBe(8);
    });
  });
});

describe('BinaryCopyReader', () => {
  const db = useTestDatabase();

  it('decodes the same rows however the stream is cut into chunks', async () => {
    // A real binary COPY stream, captured once, then fed back split at every offset.
    const { default: pg } = await import('pg');
    const { to: copyTo } = await import('pg-copy-streams');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const chunks: Buffer[] = [];
    try {
      const stream = client.query(copyTo(`COPY (SELECT g, CAST(g AS DOUBLE PRECISION) * 1.5, 'k' || g, CAST(g AS BIGINT) * -1000000007 FROM generate_series(1, 5) g) TO STDOUT (FORMAT binary)`));
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    } finally {
      await client.end();
    }
    const whole = Buffer.concat(chunks);
    const expected = [1, 2, 3, 4, 5].map((g) => [g, g * 1.5, `k${g}`, g * -1000000007]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const reader = new BinaryCopyReader(['int4', 'float8', 'text', 'int8']);
      const rows = [...toRows(reader.push(whole.subarray(0, cut))), ...toRows(reader.push(whole.subarray(cut)))];
      reader.finish();
      expect(rows).toEqual(expected);
    }
    const byteByByte = new BinaryCopyReader(['int4', 'float8', 'text', 'int8']);
    const rows: unknown[][] = [];
    for (let i = 0; i < whole.length; i++) rows.push(...toRows(byteByByte.push(whole.subarray(i, i + 1))));
    byteByByte.finish();
    expect(rows).toEqual(expected);
  });

  it('refuses a stream that is not binary COPY or ends before its trailer', () => {
    expect(() => new BinaryCopyReader(['int4']).push(Buffer.from('not a copy stream at all'))).toThrow(/signature/);
    const reader = new BinaryCopyReader(['int4']);
    reader.push(Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(() => reader.finish()).toThrow(/trailer/);
    // A column read as the wrong type is an error, not garbage.
    const header = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    const int8Row = Buffer.from([0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 5]);
    expect(() => new BinaryCopyReader(['int4']).push(Buffer.concat([header, int8Row]))).toThrow(/8-byte values, not int4/);
  });
});
