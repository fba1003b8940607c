#!/usr/bin/env node
// The metric charts' figures: `node bench/ui-charts.mjs` (bench/ui.mjs runs it at its end; after
// `pnpm install`, which builds the workspace and the UI). Asserts nothing; prints:
//   1. get-history-bulk-interval on a run with a BENCH_CHART_POINTS-point metric (default
//      1,000,000), sampled to 600 points (what a chart asks), over the whole history and over a zoomed window:
//      through `orrery server` on SQLite (the default store), and through the PostgreSQL store
//      when one answers at ORRERY_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres;
//      a fresh database is made and dropped). Goal: ≤ 100 ms.
//   2. in Debian's Chromium (playwright-core, never a browser download), on the compare page of
//      that run: time from the sampled answer's arrival to the drawn chart, and from the end of a
//      drag-zoom to the re-sampled chart drawn (the request included). Goals: chart ≤ 300 ms,
//      zoom ≤ 200 ms. Best and median of BENCH_CHART_REPEATS (default 5) page loads.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { URLSearchParams, fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, httpClient, median } from './bench-kit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const uiDist = path.join(root, 'packages/ui/dist');
const chromiumPath = process.env.ORRERY_TEST_CHROMIUM ?? '/usr/bin/chromium';
for (const [file, hint] of [
  [path.join(root, 'packages/server/dist/index.js'), 'build first with `pnpm install` (or `pnpm build`)'],
  [path.join(uiDist, 'index.html'), 'build the UI with `pnpm --filter @orrery/ui build`'],
  [chromiumPath, "install Debian's chromium (scripts/setup-test-env.sh)"],
]) {
  if (!existsSync(file)) {
    console.error(`bench/ui-charts.mjs: ${file} is missing; ${hint}.`);
    process.exit(1);
  }
}
const POINTS = Number(process.env.BENCH_CHART_POINTS ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_CHART_REPEATS ?? 5);
const PG_URL = process.env.ORRERY_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Points per run the charts ask for (DEFAULT_POINTS_PER_RUN in packages/ui/src/charts/sampling-window.ts). */
const SAMPLE = 600;

const { chromium } = createRequire(path.join(root, 'package.json'))('playwright-core');
const sqlitePlugin = await import(path.join(root, 'plugins/sqlite/dist/index.js'));
const { LocalArtifactRepository } = await import(path.join(root, 'plugins/local/dist/index.js'));
const { createServer } = await import(path.join(root, 'packages/server/dist/index.js'));

/** Logs `POINTS` points of `loss` (a decaying curve with noise) in batches of 1000, as a training loop would. */
async function seedLongMetric(store) {
  const run = await store.createRun({ experimentId: '0', runName: 'million', startTime: 1_700_000_000_000 });
  for (let at = 0; at < POINTS; at += 1000) {
    const metrics = [];
    for (let step = at; step < Math.min(POINTS, at + 1000); step++) {
      metrics.push({ key: 'loss', value: Math.exp(-step / (POINTS / 5)) + 0.05 * Math.sin(step / 50), timestamp: 1_700_000_000_000 + step * 10, step });
    }
    await store.logBatch(run.info.runId, { metrics });
  }
  await store.updateRun(run.info.runId, { status: 'FINISHED', endTime: 1_700_000_000_000 + POINTS * 10 });
  return run.info.runId;
}

/** Median and best of `times` ms. */
const summary = (times) => `median ${median(times).toFixed(1)} ms, best ${Math.min(...times).toFixed(1)} ms`;

async function timeSampling(label, sample) {
  const windows = [
    ['whole history', {}],
    ['zoom to 5% of it', { startStep: Math.floor(POINTS * 0.4), endStep: Math.floor(POINTS * 0.45) }],
  ];
  for (const [name, range] of windows) {
    await sample(range);
    const times = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await sample(range);
      times.push(performance.now() - t0);
    }
    console.log(`get-history-bulk-interval, ${label}, ${name}, ${SAMPLE} points: ${summary(times)} (goal ≤ 100)`);
  }
}

async function postgresFigures() {
  let pg;
  try {
    ({ default: pg } = await import(path.join(root, 'plugins/postgres/node_modules/pg/lib/index.js')));
  } catch {
    console.log('PostgreSQL: the pg driver is not installed here; skipped.');
    return;
  }
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`PostgreSQL: nothing answers at ${PG_URL} (${error.message}); skipped.`);
    return;
  }
  const name = `orrery_bench_charts_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const pgPlugin = await import(path.join(root, 'plugins/postgres/dist/index.js'));
  const store = await pgPlugin.openPostgresTrackingStore(url.toString(), { defaultArtifactRoot: 'file:///tmp/orrery-bench-charts' });
  try {
    const t = performance.now();
    const runId = await seedLongMetric(store);
    console.log(`PostgreSQL: seeded ${fmt(POINTS)} points (log-batch, stored as chunks) in ${fmt(performance.now() - t)} ms`);
    await timeSampling('PostgreSQL store', (range) => store.getMetricHistoryBulkInterval({ runIds: [runId], metricKey: 'loss', maxResults: SAMPLE, ...range }));
  } finally {
    await store.close();
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
}

/** One page load of the compare page: ms from answer to drawn chart, and from drag end to re-sampled chart. */
async function chartTimes(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(url);
    const chart = page.locator('[data-testid="metric-chart-loss"][data-draw-ms]');
    await chart.waitFor({ timeout: 60_000 });
    const drawMs = Number(await chart.getAttribute('data-draw-ms'));
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.locator('.u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const zoomed = page.locator('[data-testid="metric-chart-loss"][data-zoom-ms]');
    await zoomed.waitFor({ timeout: 60_000 });
    return { drawMs, zoomMs: Number(await zoomed.getAttribute('data-zoom-ms')), range: await zoomed.getAttribute('data-range') };
  } finally {
    await page.close();
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-charts-'));
let server;
let store;
let browser;
try {
  store = await sqlitePlugin.openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  let t = performance.now();
  const runId = await seedLongMetric(store);
  console.log(`SQLite: seeded ${fmt(POINTS)} points of one metric in ${fmt(performance.now() - t)} ms`);
  server = createServer({
    trackingStore: store,
    openArtifactRepository: async (uri) => new LocalArtifactRepository(uri),
    artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
    defaultArtifactRoot: 'mlflow-artifacts:/',
    uiDirectory: uiDist,
    logger: false,
  });
  const base = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = httpClient(Number(new URL(base).port));
  await timeSampling('orrery server on SQLite (HTTP)', async (range) => {
    const query = new URLSearchParams({ run_ids: runId, metric_key: 'loss', max_results: String(SAMPLE) });
    if (range.startStep !== undefined) {
      query.set('start_step', String(range.startStep));
      query.set('end_step', String(range.endStep));
    }
    await client.get(`/metrics/get-history-bulk-interval?${query}`);
  });
  client.close();
  await postgresFigures();

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const url = `${base}/#/compare-runs?runs=${encodeURIComponent(JSON.stringify([runId]))}&experiments=${encodeURIComponent('["0"]')}`;
  await chartTimes(browser, url); // warm-up: the server's and the browser's caches
  const draws = [];
  const zooms = [];
  let range = '';
  for (let i = 0; i < REPEATS; i++) {
    const times = await chartTimes(browser, url);
    draws.push(times.drawMs);
    zooms.push(times.zoomMs);
    range = times.range;
  }
  console.log(`machine load average (1 min): ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
  console.log(`chart of a ${fmt(POINTS)}-point metric, answer to drawn chart: ${summary(draws)} (goal ≤ 300)`);
  console.log(`drag-zoom to steps ${range}, drag end to re-sampled chart drawn (request included): ${summary(zooms)} (goal ≤ 200)`);
} finally {
  await browser?.close();
  await server?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
}
