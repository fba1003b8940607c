#!/usr/bin/env node
// Model registry benchmarks on SQLite: `node bench/registry.mjs` (after `pnpm tsc -b plugins/sqlite`).
// Prints figures; asserts nothing except that no version number was issued twice.
//   1. search-registered-models p50/p95 over 10k models: a name LIKE filter, a plain first page,
//      a later page through a token, an ILIKE filter and a tag filter (100 results per page)
//   2. create-model-version throughput with 8 concurrent clients on one store (one process)
//   3. the same with 2 processes × 4 clients on one database file
// Options: BENCH_MODELS (default 10000), BENCH_SEARCHES (default 200), BENCH_VERSIONS (default 2000).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { percentile } from './bench-kit.mjs';

const { openSqliteModelRegistryStore } = await import('../plugins/sqlite/dist/index.js');

const MODELS = Number(process.env.BENCH_MODELS ?? 10_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 200);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 2000);
const CLIENTS = 8;

/** Child mode: `registry.mjs --child <uri> <model> <clients> <perClient>` creates versions and prints their numbers. */
async function child([uri, model, clients, perClient]) {
  const store = await openSqliteModelRegistryStore(uri);
  const numbers = await createConcurrently(store, model, Number(clients), Number(perClient), `pid${process.pid}`);
  await store.close();
  process.stdout.write(JSON.stringify(numbers));
}

async function createConcurrently(store, model, clients, perClient, label) {
  const lists = await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const mine = [];
      for (let i = 0; i < perClient; i += 1) {
        const v = await store.createModelVersion({ name: model, source: `s3://bench/${label}/${c}/${i}`, runId: `run${c}` });
        mine.push(Number(v.version));
      }
      return mine;
    }),
  );
  return lists.flat();
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Checks that `numbers` is exactly 1..n, each once; returns a one-line verdict. */
function verdict(numbers, n) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const duplicates = sorted.filter((x, i) => i > 0 && x === sorted[i - 1]).length;
  const exact = sorted.length === n && sorted.every((x, i) => x === i + 1);
  return { ok: exact && duplicates === 0, text: `${sorted.length} versions, ${duplicates} duplicated, ${exact ? `exactly 1..${n}` : 'NOT 1..n'}` };
}

async function timeSearch(store, input, rounds) {
  const times = [];
  let count = 0;
  for (let i = 0; i < rounds + 10; i += 1) {
    const t0 = performance.now();
    const page = await store.searchRegisteredModels(input);
    const ms = performance.now() - t0;
    if (i >= 10) times.push(ms); // first rounds warm the statement cache
    count = page.items.length;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), count };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-registry-'));
  const uri = `sqlite:///${path.join(dir, 'registry.db')}`;
  const store = await openSqliteModelRegistryStore(uri);
  let failed = false;
  try {
    console.log(`Orrery model registry benchmark (SQLite, Node ${process.version}, ${os.cpus().length} CPUs)`);

    const t0 = performance.now();
    for (let i = 0; i < MODELS; i += 1) {
      await store.createRegisteredModel(`model-${i}`, { tags: [{ key: 'team', value: `team-${i % 20}` }] });
    }
    const seedMs = performance.now() - t0;
    console.log(`\nseeded ${fmt(MODELS)} registered models in ${fmt(seedMs / 1000, 1)} s (${fmt(MODELS / (seedMs / 1000))} creates/s)`);

    console.log(`\n1. search-registered-models over ${fmt(MODELS)} models (${SEARCHES} rounds each, max_results 100)`);
    const first = await store.searchRegisteredModels({});
    const cases = [
      ["filter name LIKE 'model-1%'", { filter: "name LIKE 'model-1%'" }],
      ['plain first page', {}],
      ['plain page 2 (token)', { pageToken: first.nextPageToken }],
      ["filter name ILIKE 'MODEL-99%'", { filter: "name ILIKE 'MODEL-99%'" }],
      ["filter tags.team = 'team-7'", { filter: "tags.team = 'team-7'" }],
      ['order_by last_updated_timestamp DESC', { orderBy: ['last_updated_timestamp DESC'] }],
    ];
    for (const [label, input] of cases) {
      const r = await timeSearch(store, input, SEARCHES);
      console.log(`   ${label.padEnd(40)} p50 ${fmt(r.p50, 2)} ms   p95 ${fmt(r.p95, 2)} ms   (${r.count} results)`);
    }

    const perClient = Math.ceil(VERSIONS / CLIENTS);
    const total = perClient * CLIENTS;
    console.log(`\n2. create-model-version, ${CLIENTS} concurrent clients on one store, ${fmt(total)} versions of one model`);
    await store.createRegisteredModel('contended');
    const t1 = performance.now();
    const numbers = await createConcurrently(store, 'contended', CLIENTS, perClient, 'one');
    const ms1 = performance.now() - t1;
    const v1 = verdict(numbers, total);
    failed ||= !v1.ok;
    console.log(`   ${fmt(total / (ms1 / 1000))} versions/s (${fmt(ms1, 0)} ms); ${v1.text}`);

    const processes = 2;
    const perProcessClients = CLIENTS / processes;
    const perChildClient = Math.ceil(VERSIONS / CLIENTS);
    const total2 = processes * perProcessClients * perChildClient;
    console.log(`\n3. create-model-version, ${processes} processes × ${perProcessClients} clients on one file, ${fmt(total2)} versions of one model`);
    await store.createRegisteredModel('two-processes');
    const run = promisify(execFile);
    const self = fileURLToPath(import.meta.url);
    const t2 = performance.now();
    const outputs = await Promise.all(
      Array.from({ length: processes }, () =>
        run(process.execPath, [self, '--child', uri, 'two-processes', String(perProcessClients), String(perChildClient)]),
      ),
    );
    const ms2 = performance.now() - t2;
    const numbers2 = outputs.flatMap((o) => JSON.parse(o.stdout));
    const stored = (await store.searchModelVersions({ filter: "name = 'two-processes'", maxResults: 200_000 })).items.map((v) =>
      Number(v.version),
    );
    const v2 = verdict(numbers2, total2);
    const v2stored = verdict(stored, total2);
    failed ||= !v2.ok || !v2stored.ok;
    console.log(`   ${fmt(total2 / (ms2 / 1000))} versions/s (${fmt(ms2, 0)} ms, including process start); returned: ${v2.text}; stored: ${v2stored.text}`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failed) {
    console.error('\nFAILED: a version number was duplicated or skipped.');
    process.exitCode = 1;
  }
}

if (process.argv[2] === '--child') await child(process.argv.slice(3));
else await main();
