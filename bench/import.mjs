#!/usr/bin/env node
// Import benchmark: `node bench/import.mjs` (after `pnpm build`), or `pnpm bench:import`.
// Builds an MLflow 2.x SQLite store (schema from testkit's DDL, written from MLflow's alembic
// migrations) with BENCH_IMPORT_RUNS runs (default 10,000) of BENCH_IMPORT_POINTS metric points each
// (default 100: 1,000,000 in all), 5 params and 3 tags each, then runs the built
// `orrery import --from sqlite:///mlflow.db --to sqlite:///orrery.db` in a child process and prints
// runs/s, metric points/s and the importer's peak RSS (VmHWM, Linux). The claim it checks: memory
// stays flat whatever the store's size (the import streams one run at a time).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { mlflowSchemaStatements } from '../packages/testkit/dist/mlflow-stores/mlflow-sql-schema.js';

const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 10_000);
const POINTS = Number(process.env.BENCH_IMPORT_POINTS ?? 100);
const EXPERIMENTS = 10;
const CLI = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const Database = createRequire(new URL('../plugins/sqlite/package.json', import.meta.url))('better-sqlite3');

function buildMlflowStore(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  for (const statement of mlflowSchemaStatements('sqlite')) db.exec(statement);
  const experiment = db.prepare('INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)');
  const run = db.prepare(
    "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'LOCAL', '', '', 'bench', 'FINISHED', ?, ?, '', 'active', ?, ?)",
  );
  const param = db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
  const tag = db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
  const metric = db.prepare('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)');
  const latest = db.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)');
  const t0 = 1_700_000_000_000;
  db.transaction(() => {
    for (let e = 1; e <= EXPERIMENTS; e++) experiment.run(e, `bench-${e}`, `s3://bench/${e}`, 'active', t0, t0);
    for (let r = 0; r < RUNS; r++) {
      const id = r.toString(16).padStart(32, '0');
      const e = (r % EXPERIMENTS) + 1;
      run.run(id, `run-${r}`, t0 + r, t0 + r + 1000, `s3://bench/${e}/${id}/artifacts`, e);
      for (let p = 0; p < 5; p++) param.run(`p${p}`, String(r * p), id);
      tag.run('mlflow.runName', `run-${r}`, id);
      tag.run('mlflow.user', 'bench', id);
      tag.run('team', `t${r % 7}`, id);
      const half = POINTS / 2;
      for (const key of ['loss', 'acc']) {
        for (let s = 0; s < half; s++) metric.run(key, key === 'loss' ? 1 / (s + 1) : s / half, t0 + s, id, s);
        latest.run(key, key === 'loss' ? 1 / half : (half - 1) / half, t0 + half - 1, half - 1, id);
      }
    }
  })();
  db.close();
}

function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-import-'));
  try {
    const source = path.join(dir, 'mlflow.db');
    const built = performance.now();
    buildMlflowStore(source);
    console.log(`built MLflow store: ${RUNS} runs, ${RUNS * POINTS} metric points in ${((performance.now() - built) / 1000).toFixed(1)} s`);
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'import', '--from', `sqlite:///${source}`, '--to', `sqlite:///${path.join(dir, 'orrery.db')}`, '--quiet'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid))), 50);
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    clearInterval(timer);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`orrery import exited with ${code}`);
    process.stdout.write(out);
    console.log(`import: ${seconds.toFixed(1)} s, ${Math.round(RUNS / seconds)} runs/s, ${Math.round((RUNS * POINTS) / seconds)} metric points/s, peak RSS ${peak.toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
