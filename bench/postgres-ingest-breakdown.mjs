#!/usr/bin/env node
// Where PostgreSQL's log-batch CPU goes: `node bench/postgres-ingest-breakdown.mjs` (after
// `pnpm tsc -b`). Prints figures; asserts nothing. In a fresh database on ORRERY_BENCH_POSTGRES_URL
// (default postgres://postgres@127.0.0.1:5432/postgres, dropped at the end), it appends the
// ingest benchmark's load (BENCH_CLIENTS connections, default 8, x 59 batches x 1000 metrics,
// 10 keys per run, one run per connection) into a table shaped like `metrics`, once per variant:
//   - store:    BEGIN, run check, COPY into the history, latest-value upsert, COMMIT, with the
//               schema's index (run_uuid, key, step): the store's path for batches with params or tags;
//   - one-stmt: the same work as ONE statement (run check, INSERT ... SELECT FROM unnest of array
//               parameters, upsert), prepared: the store's path for metrics-only batches;
//   - one-none, one-series: that statement with no history index, and with the series index;
//   - none:     the transaction with no history index at all (the floor: heap, WAL, COPY parsing);
//   - series:   an index on (an integer series id, step), the alternative a per-(run, key) id allows;
//   - run-c, seq-1k, binary, c+seq+bin: the "C" collation on run_uuid, a sequence cache of 1000,
//               binary COPY, and all three (none of them helped).
// BENCH_VARIANTS=a,b picks variants. For each it prints the CPU the PostgreSQL backends used per
// metric (from /proc, so run it on the database's machine) and this process's CPU, and checks
// that every row landed. The table holds 1M rows of other runs first, so the index is not
// trivially small.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { processCpu } from './bench-kit.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { default: pg } = await import(path.join(repo, 'plugins/postgres/node_modules/pg/lib/index.js'));
const { from: copyFrom } = await import(path.join(repo, 'plugins/postgres/node_modules/pg-copy-streams/index.js'));
const { postgresBinaryArray, postgresTextArray } = await import(path.join(repo, 'plugins/postgres/dist/index.js'));

const SERVER_URL = process.env.ORRERY_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const BATCHES = 60;
const STORE_INDEX = 'CREATE INDEX ON history (run_uuid, key, step)';
const VARIANTS = {
  store: { index: STORE_INDEX },
  none: {},
  series: { index: 'CREATE INDEX ON history (series_id, step)', series: true },
  'run-c': { index: STORE_INDEX, runCollateC: true },
  'seq-1k': { index: STORE_INDEX, sequenceCache: 1000 },
  binary: { index: STORE_INDEX, binary: true },
  'c+seq+bin': { index: STORE_INDEX, runCollateC: true, sequenceCache: 1000, binary: true },
  'one-stmt': { index: STORE_INDEX, oneStatement: true },
  'one-none': { oneStatement: true },
  'one-hash': { index: `CREATE INDEX ON history ((hashtextextended(run_uuid || '/' || key COLLATE "C", 0)), step)`, oneStatement: true },
  'one-hash-seq': { index: `CREATE INDEX ON history ((hashtextextended(run_uuid || '/' || key COLLATE "C", 0)), step)`, oneStatement: true, sequenceCache: 1000 },
  'one-hash-sorted': { index: `CREATE INDEX ON history ((hashtextextended(run_uuid || '/' || key COLLATE "C", 0)), step)`, oneStatement: true, sequenceCache: 1000, sortByKey: true },
  'one-series': { index: 'CREATE INDEX ON history (series_id, step)', series: true, oneStatement: true },
};
const only = process.env.BENCH_VARIANTS?.split(',');

const dbName = `orrery_bench_breakdown_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: SERVER_URL });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
const url = new URL(SERVER_URL);
url.pathname = `/${dbName}`;

/** CPU ticks (user + system) of a process, from /proc. */
const ticks = (pid) => processCpu(pid).ticks;
const ticksPerSecond = 100;

const UPSERT = `INSERT INTO latest (run_uuid, key, value, timestamp, step, is_nan)
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::float8[], $4::int8[], $5::int8[], $6::int[])
  ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
  WHERE (excluded.step, excluded.timestamp) > (latest.step, latest.timestamp)`;

/** The rows in COPY's binary format: a signature, then per row a field count and length-prefixed values. */
function binaryRows(runId, metrics, seriesOf) {
  const run = Buffer.from(runId);
  const keys = new Map();
  const buf = Buffer.alloc(19 + metrics.length * (2 + 4 + run.length + 4 + 250 + 4 * 5 + 8 * 4) + 2);
  let at = buf.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  at = buf.writeInt32BE(0, at);
  at = buf.writeInt32BE(0, at);
  for (const m of metrics) {
    let key = keys.get(m.key);
    if (!key) keys.set(m.key, (key = Buffer.from(m.key)));
    at = buf.writeInt16BE(7, at);
    at = buf.writeInt32BE(run.length, at);
    at += run.copy(buf, at);
    at = buf.writeInt32BE(key.length, at);
    at += key.copy(buf, at);
    at = buf.writeInt32BE(8, at);
    at = buf.writeDoubleBE(m.value, at);
    at = buf.writeInt32BE(8, at);
    at = buf.writeBigInt64BE(BigInt(m.timestamp), at);
    at = buf.writeInt32BE(8, at);
    at = buf.writeBigInt64BE(BigInt(m.step), at);
    at = buf.writeInt32BE(4, at);
    at = buf.writeInt32BE(0, at);
    if (seriesOf) {
      at = buf.writeInt32BE(8, at);
      at = buf.writeBigInt64BE(BigInt(seriesOf(m)), at);
    } else at = buf.writeInt32BE(-1, at);
  }
  at = buf.writeInt16BE(-1, at);
  return buf.subarray(0, at);
}

const oneStatement = (series) => `WITH run AS (SELECT lifecycle_stage FROM runs WHERE run_uuid = $1),
  ins AS (INSERT INTO history (run_uuid, key, value, timestamp, step, is_nan, series_id)
    SELECT $1, k, v, t, s, n, ${series ? 'i' : 'NULL'} FROM unnest($2::varchar[], $3::float8[], $4::int8[], $5::int8[], $6::int[], $12::int8[]) AS u(k, v, t, s, n, i)
    WHERE (SELECT lifecycle_stage FROM run) = 'active'),
  up AS (INSERT INTO latest (run_uuid, key, value, timestamp, step, is_nan)
    SELECT $1, k, v, t, s, n FROM unnest($7::varchar[], $8::float8[], $9::int8[], $10::int8[], $11::int[]) AS u(k, v, t, s, n)
    WHERE (SELECT lifecycle_stage FROM run) = 'active'
    ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
    WHERE (excluded.step, excluded.timestamp) > (latest.step, latest.timestamp))
  SELECT lifecycle_stage FROM run`;

try {
  const runs = Array.from({ length: CLIENTS }, (_, c) => `${c}`.padStart(32, 'a'));
  const batches = runs.map((_, c) =>
    Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(b * 1000 + i + c), timestamp: 1700000000000 + b, step: b * 100 + Math.floor(i / 10) })),
    ),
  );
  console.log(`PostgreSQL history-index breakdown: ${CLIENTS} connections x ${BATCHES - 1} batches x 1000 metrics (after one warm-up batch each)`);
  for (const [name, variant] of Object.entries(VARIANTS)) {
    if (only && !only.includes(name)) continue;
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query(`DROP TABLE IF EXISTS history, latest, runs`);
    await db.query(`CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, lifecycle_stage VARCHAR(20) NOT NULL)`);
    await db.query(`CREATE TABLE history (id BIGINT GENERATED BY DEFAULT AS IDENTITY, run_uuid VARCHAR(32)${variant.runCollateC ? ' COLLATE "C"' : ''} NOT NULL, key VARCHAR(250) COLLATE "C" NOT NULL,
      value DOUBLE PRECISION NOT NULL, timestamp BIGINT NOT NULL, step BIGINT NOT NULL, is_nan INTEGER NOT NULL DEFAULT 0, series_id BIGINT)`);
    await db.query(`CREATE TABLE latest (run_uuid VARCHAR(32) NOT NULL REFERENCES runs, key VARCHAR(250) COLLATE "C" NOT NULL, value DOUBLE PRECISION NOT NULL,
      timestamp BIGINT NOT NULL, step BIGINT NOT NULL, is_nan INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_uuid, key))`);
    await db.query(`INSERT INTO history (run_uuid, key, value, timestamp, step, series_id)
      SELECT md5((g / 1000)::text), 'm' || (g % 10), g, g, g / 10, g / 100 FROM generate_series(1, 1000000) g`);
    if (variant.index) await db.query(variant.index);
    if (variant.sequenceCache) await db.query(`ALTER TABLE history ALTER COLUMN id SET CACHE ${variant.sequenceCache}`);
    for (const run of runs) await db.query(`INSERT INTO runs VALUES ($1, 'active')`, [run]);
    await db.query('VACUUM ANALYZE history');
    await db.end();

    const clients = runs.map(() => new pg.Client({ connectionString: url.toString() }));
    for (const client of clients) await client.connect();
    const pids = [];
    for (const client of clients) pids.push((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const append = async (client, c, batch) => {
      const metrics = variant.sortByKey ? [...batch].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step)) : batch;
      const runId = runs[c];
      const seriesOf = (m) => 1_000_000 + c * 10 + Number(m.key.slice(1));
      let body;
      if (variant.binary) body = binaryRows(runId, metrics, variant.series ? seriesOf : undefined);
      else {
        body = '';
        for (const m of metrics) {
          body += `${runId}\t${m.key}\t${m.value}\t${m.timestamp}\t${m.step}\t0`;
          body += variant.series ? `\t${seriesOf(m)}\n` : '\t\\N\n';
        }
      }
      const latest = new Map();
      for (const m of metrics) if (!latest.has(m.key) || m.step > latest.get(m.key).step) latest.set(m.key, m);
      const rows = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
      if (variant.oneStatement) {
        const numbers = (xs, type) => postgresBinaryArray(xs, type);
        const result = await client.query({
          name: 'one',
          text: oneStatement(variant.series),
          values: [
            runId,
            postgresTextArray(metrics.map((m) => m.key)), numbers(metrics.map((m) => m.value), 'float8'), numbers(metrics.map((m) => m.timestamp), 'int8'),
            numbers(metrics.map((m) => m.step), 'int8'), numbers(metrics.map(() => 0), 'int4'),
            postgresTextArray(rows.map((m) => m.key)), numbers(rows.map((m) => m.value), 'float8'), numbers(rows.map((m) => m.timestamp), 'int8'),
            numbers(rows.map((m) => m.step), 'int8'), numbers(rows.map(() => 0), 'int4'),
            numbers(metrics.map((m) => seriesOf(m)), 'int8'),
          ],
        });
        if (result.rows[0]?.lifecycle_stage !== 'active') throw new Error('run not active');
        return;
      }
      await client.query('BEGIN');
      await client.query({ name: 'run', text: 'SELECT lifecycle_stage FROM runs WHERE run_uuid = $1', values: [runId] });
      await new Promise((resolve, reject) => {
        const stream = client.query(copyFrom(`COPY history (run_uuid, key, value, timestamp, step, is_nan, series_id) FROM STDIN${variant.binary ? ' (FORMAT binary)' : ''}`));
        stream.on('finish', resolve);
        stream.on('error', reject);
        stream.end(body);
      });
      await client.query({
        name: 'upsert',
        text: UPSERT,
        values: [rows.map(() => runId), rows.map((m) => m.key), rows.map((m) => m.value), rows.map((m) => m.timestamp), rows.map((m) => m.step), rows.map(() => 0)],
      });
      await client.query('COMMIT');
    };
    await Promise.all(clients.map((client, c) => append(client, c, batches[c][0])));
    const before = pids.map(ticks);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(clients.map(async (client, c) => {
      for (let b = 1; b < BATCHES; b++) await append(client, c, batches[c][b]);
    }));
    const seconds = (performance.now() - t0) / 1000;
    const pgSeconds = pids.reduce((sum, pid, i) => sum + ticks(pid) - before[i], 0) / ticksPerSecond;
    const own = process.cpuUsage(cpu0);
    const metrics = CLIENTS * (BATCHES - 1) * 1000;
    console.log(
      `  ${name.padEnd(7)} ${(metrics / seconds).toFixed(0).padStart(8)} metrics/s   PostgreSQL CPU ${((pgSeconds / metrics) * 1e6).toFixed(2)} us/metric` +
        `   this process ${(((own.user + own.system) / 1e6 / metrics) * 1e6).toFixed(2)} us/metric`,
    );
    const stored = await clients[0].query('SELECT count(*)::int AS n FROM history WHERE run_uuid = ANY($1)', [runs]);
    if (stored.rows[0].n !== CLIENTS * BATCHES * 1000) throw new Error(`${name}: ${stored.rows[0].n} rows stored, expected ${CLIENTS * BATCHES * 1000}`);
    for (const client of clients) await client.end();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
