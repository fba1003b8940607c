#!/usr/bin/env node
// The web UI's figures: `node bench/ui.mjs` (or `pnpm bench:ui`; after `pnpm install`, which builds
// the workspace and the UI). Seeds BENCH_UI_RUNS runs (default 100,000; three metrics, three params
// each) into one experiment of a fresh SQLite file, writing the store's tables directly in one
// transaction (the store's API takes minutes for that many), starts the built `orrery server` on it,
// drives Debian's Chromium (playwright-core, never a browser download) and prints:
//   1. time to the first visible rows of the runs table (navigation start → first row in the DOM),
//      and how long the first runs/search answer took on the server side of that;
//   2. frame times while scrolling the table continuously (more pages load on the way): max, p95;
//   3. the initial JavaScript, gzipped.
// Goals on our 2-core machines: rows ≤ 1 s, no frame over 50 ms, initial JS ≤ 300 kB gzipped.
// 4. the metric charts' figures, from bench/ui-charts.mjs (BENCH_UI_CHARTS=0 leaves them out).
// Asserts nothing.
// The functions given to page.evaluate and addInitScript run in the browser, with its globals.
/* global fetch, document, window, MutationObserver, PerformanceObserver, requestAnimationFrame */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fmt, freePort, percentile, processCpu } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliBin = path.join(root, 'packages/cli/dist/bin.js');
const uiDist = path.join(root, 'packages/ui/dist');
const chromiumPath = process.env.ORRERY_TEST_CHROMIUM ?? '/usr/bin/chromium';
for (const [file, hint] of [
  [cliBin, 'build first with `pnpm install` (or `pnpm build`)'],
  [path.join(uiDist, 'index.html'), 'build the UI with `pnpm --filter @orrery/ui build`'],
  [chromiumPath, "install Debian's chromium (scripts/setup-test-env.sh)"],
]) {
  if (!existsSync(file)) {
    console.error(`bench/ui.mjs: ${file} is missing; ${hint}.`);
    process.exit(1);
  }
}
const RUNS = Number(process.env.BENCH_UI_RUNS ?? 100_000);
const SCROLL_MS = Number(process.env.BENCH_UI_SCROLL_MS ?? 4000);

const requireFromRoot = createRequire(path.join(root, 'plugins/sqlite/package.json'));
const Database = requireFromRoot('better-sqlite3');
const { chromium } = createRequire(path.join(root, 'package.json'))('playwright-core');
const { openSqliteTrackingStore } = await import(path.join(root, 'plugins/sqlite/dist/index.js'));

/** Seeds `count` runs into a new experiment; returns its id. The store migrates the file first. */
async function seedRuns(dbFile, count) {
  const store = await openSqliteTrackingStore(`sqlite:///${dbFile}`, { defaultArtifactRoot: 'mlflow-artifacts:/', searchThread: false });
  const experimentId = await store.createExperiment({ name: `ui-bench-${count}` });
  await store.close();
  const db = new Database(dbFile);
  const insertRun = db.prepare(
    "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage) VALUES (?, ?, ?, 'bench', 'FINISHED', ?, ?, ?, 'active')",
  );
  const insertTag = db.prepare('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?)');
  const insertParam = db.prepare('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)');
  const insertLatest = db.prepare('INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, 0, 0)');
  const insertMetric = db.prepare('INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, 0, 0)');
  const start = Date.parse('2026-01-01T00:00:00Z');
  db.transaction(() => {
    for (let i = 0; i < count; i += 1) {
      const runId = i.toString(16).padStart(32, '0');
      const name = `run-${i}`;
      const t = start + i * 1000;
      insertRun.run(runId, name, Number(experimentId), t, t + 60_000, `mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
      insertTag.run(runId, 'mlflow.runName', name);
      insertParam.run(runId, 'lr', String(10 ** -(i % 5)));
      insertParam.run(runId, 'batch_size', String(16 << (i % 4)));
      insertParam.run(runId, 'optimizer', i % 2 === 0 ? 'adam' : 'sgd');
      for (const [key, value] of [['loss', 1 / (1 + (i % 997))], ['accuracy', (i % 1000) / 1000], ['f1', ((i * 7) % 1000) / 1000]]) {
        insertLatest.run(runId, key, value, t);
        insertMetric.run(runId, key, value, t);
      }
    }
  })();
  db.close();
  return experimentId;
}

async function startServer(dir, dbFile) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cliBin, 'server', '--backend-store-uri', `sqlite:///${dbFile}`, '--artifacts-destination', path.join(dir, 'artifacts'), '--host', '127.0.0.1', '--port', String(port)],
    { cwd: dir, env: { ...process.env, ORRERY_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('the server did not start');
}

/** CPU ticks (1/100 s) used so far by the Chromium processes below a process, by process type (browser, renderer, gpu-process, ...). */
function chromiumCpuTicks(rootPid) {
  const parents = new Map();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const byType = new Map();
  for (const pid of parents.keys()) {
    for (let at = pid; at !== undefined && at > 1; at = parents.get(at)) {
      if (at !== rootPid) continue;
      try {
        const { command, ticks } = processCpu(pid);
        if (!/chrom/i.test(command)) break;
        const type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))?.[1] ?? 'browser';
        byType.set(type, (byType.get(type) ?? 0) + ticks);
      } catch {
        // ended meanwhile
      }
      break;
    }
  }
  return byType;
}

function initialJsGzipped() {
  const html = readFileSync(path.join(uiDist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\.\/(static-files\/[^"]+\.js)"/g)].map((match) => match[1]);
  return files.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(uiDist, file)), { level: 9 }).length, 0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-ui-'));
const dbFile = path.join(dir, 'orrery.db');
let server;
let browser;
try {
  let t = performance.now();
  const experimentId = await seedRuns(dbFile, RUNS);
  console.log(`seeded ${fmt(RUNS)} runs (3 metrics, 3 params each) in ${fmt(performance.now() - t)} ms`);
  server = await startServer(dir, dbFile);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Records when the first table row enters the DOM, in the page's own clock (0 = navigation start).
  await page.addInitScript(() => {
    const observer = new MutationObserver(() => {
      if (document.querySelector('.runs-row') !== null) {
        window.__firstRowsAt = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, { childList: true, subtree: true });
  });
  // A warm-up visit (the server's first search of a fresh process compiles and caches; so does the browser).
  await page.goto(`${server.url}/#/experiments/${experimentId}`);
  await page.waitForSelector('.runs-row');
  const searchTimes = [];
  page.on('requestfinished', (request) => {
    if (request.url().includes('runs/search')) {
      const timing = request.timing();
      searchTimes.push(timing.responseEnd - timing.requestStart);
    }
  });
  await page.goto('about:blank');
  await page.goto(`${server.url}/#/experiments/${experimentId}`);
  await page.waitForSelector('.runs-row');
  const firstRows = await page.evaluate(() => window.__firstRowsAt);
  console.log(`time to first visible rows (${fmt(RUNS)} runs): ${fmt(firstRows)} ms (goal ≤ 1000); first runs/search answered in ${fmt(searchTimes[0] ?? NaN)} ms`);

  // Scroll continuously for SCROLL_MS, one step per frame, and record every frame's duration.
  // Chromium runs as a child of this process (the server is a child too, but not a Chromium).
  const cpuBefore = chromiumCpuTicks(process.pid);
  const frames = await page.evaluate(async (duration) => {
    const viewport = document.querySelector('[data-testid="runs-viewport"]');
    const deltas = [];
    // Long animation frames (over 50 ms) say where such a frame's time went: scripts, or style, layout and paint.
    const long = [];
    const observer = new PerformanceObserver((list) => long.push(...list.getEntries()));
    observer.observe({ type: 'long-animation-frame', buffered: false });
    let last = performance.now();
    const end = last + duration;
    await new Promise((resolve) => {
      const step = (now) => {
        deltas.push(now - last);
        last = now;
        viewport.scrollTop += 240;
        if (now < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    observer.disconnect();
    const script = long.reduce((sum, entry) => sum + entry.scripts.reduce((total, item) => total + item.duration, 0), 0);
    const render = long.reduce((sum, entry) => sum + (entry.startTime + entry.duration - entry.renderStart), 0);
    return { deltas, long: { count: long.length, script, render }, loaded: document.querySelector('[data-testid="runs-count"]')?.textContent ?? '' };
  }, SCROLL_MS);
  const cpuAfter = chromiumCpuTicks(process.pid);
  const sorted = [...frames.deltas].sort((a, b) => a - b);
  // CPU time, unlike wall time, does not grow when other processes take the cores: what a frame costs Chromium here.
  const perFrame = [...cpuAfter].map(([type, ticks]) => `${type} ${(((ticks - (cpuBefore.get(type) ?? 0)) * 10) / frames.deltas.length).toFixed(1)}`);
  console.log(
    `long animation frames: ${frames.long.count}, in them scripts ${fmt(frames.long.script)} ms, rendering (style, layout, paint) ${fmt(frames.long.render)} ms`,
  );
  console.log(`Chromium CPU while scrolling, ms per frame: ${perFrame.join(', ')}`);
  // Frame times on a shared machine mostly measure the other processes: say how busy it was.
  console.log(`machine load average (1 min) while scrolling: ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
  console.log(
    `scrolling ${SCROLL_MS} ms: ${frames.deltas.length} frames, max ${sorted.at(-1).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms (goal: none over 50); ` +
      `${frames.loaded}; runs/search pages p50 ${fmt(percentile([...searchTimes].sort((a, b) => a - b), 50))} ms over ${searchTimes.length} requests`,
  );
  console.log(`initial JS, gzipped: ${(initialJsGzipped() / 1024).toFixed(1)} kB (goal ≤ 300 kB)`);
} finally {
  await browser?.close();
  server?.child.kill();
  rmSync(dir, { recursive: true, force: true });
}

// The metric charts' figures (a 1,000,000-point metric: sampling on the server, drawn chart, zoom): bench/ui-charts.mjs, unless BENCH_UI_CHARTS=0.
if (process.env.BENCH_UI_CHARTS !== '0') await import('./ui-charts.mjs');
