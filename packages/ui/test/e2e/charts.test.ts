import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshotForDocs, startUiServer, takeBrowserErrors, type BrowserErrors, type UiTestServer } from './ui-harness.js';

/** How many pixels of the chart's canvas carry a run's line colour (uPlot draws on a transparent canvas). */
async function linePixels(page: Page, chart: string, rgb: [number, number, number]): Promise<number> {
  return page.getByTestId(chart).locator('canvas').evaluate((canvas: { width: number; height: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null }, colour: [number, number, number]) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const close = Math.abs(data[i]! - colour[0]) < 40 && Math.abs(data[i + 1]! - colour[1]) < 40 && Math.abs(data[i + 2]! - colour[2]) < 40;
      if (close && data[i + 3]! > 128) count++;
    }
    return count;
  }, rgb);
}

describe('metric charts and the compare page in Chromium', () => {
  let server: UiTestServer;
  let browser: Browser;
  const seen: BrowserErrors = { messages: [] };
  const runIds: string[] = [];
  let chartsExperimentId = '';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    const store = server.trackingStore;
    const experimentId = await store.createExperiment({ name: 'charts-exp' });
    chartsExperimentId = experimentId;
    // Two runs: "alpha" logs 4000 steps of loss (more than a chart asks for, so it is sampled),
    // "beta" 1500 (at twice alpha's values, so both lines show); their params differ in lr and agree on batch.
    for (const [name, steps, lr, scale] of [['alpha', 4000, '0.1', 1], ['beta', 1500, '0.01', 2]] as const) {
      const run = await store.createRun({ experimentId, runName: name, startTime: 1_700_000_000_000 });
      for (let at = 0; at < steps; at += 1000) {
        const metrics = Array.from({ length: Math.min(1000, steps - at) }, (_, i) => ({ key: 'loss', value: scale / (at + i + 1), timestamp: 1_700_000_000_000 + (at + i) * 100, step: at + i }));
        await store.logBatch(run.info.runId, { metrics });
      }
      await store.logBatch(run.info.runId, {
        params: [{ key: 'lr', value: lr }, { key: 'batch', value: '32' }],
        metrics: [{ key: 'accuracy', value: lr === '0.1' ? 0.91 : 0.87, timestamp: 1_700_000_000_000, step: 0 }],
      });
      await store.updateRun(run.info.runId, { status: 'FINISHED', endTime: 1_700_000_500_000 });
      runIds.push(run.info.runId);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const compareUrl = () => `${server.url}/#/compare-runs?runs=${encodeURIComponent(JSON.stringify(runIds))}&experiments=${encodeURIComponent('["1"]')}`;

  /** A fresh page on the compare view once the loss chart has drawn its first answer; `asked` collects the sampling requests. */
  async function openLossChart(asked: URL[] = []) {
    const page = await openPage(browser, seen);
    page.on('request', (request) => {
      if (request.url().includes('get-history-bulk-interval')) asked.push(new URL(request.url()));
    });
    await page.goto(compareUrl());
    const chart = page.getByTestId('metric-chart-loss');
    await chart.and(page.locator('[data-loads="1"][data-draw-ms]')).waitFor();
    return { page, chart };
  }

  /** Closes the page; the test fails on any browser error it logged. */
  async function closeChecked(page: Page) {
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  }

  it('compares runs: params side by side with differences marked, and a parallel-coordinates view', async () => {
    const page = await openPage(browser, seen);
    await page.goto(compareUrl());
    const params = page.getByTestId('compare-params');
    await params.waitFor();
    expect(await params.locator('thead th').allTextContents()).toEqual(['Key', 'alpha', 'beta']);
    const lr = params.locator('tr', { has: page.locator('th', { hasText: /^lr/ }) });
    expect(await lr.getAttribute('data-differs')).toBe('true');
    expect(await lr.locator('td').allTextContents()).toEqual(['0.1', '0.01']);
    expect(await params.locator('tr', { has: page.locator('th', { hasText: /^batch/ }) }).getAttribute('data-differs')).toBe('false');
    await page.getByLabel('Show only differences').check();
    expect(await params.locator('tbody th').allTextContents()).toEqual(['lrdiffers']);
    // Axes: the differing param and both metrics; one line per run.
    const svg = page.getByTestId('parallel-coordinates');
    expect(await svg.locator('g.pc-axis').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-axis')))).toEqual(['param:lr', 'metric:accuracy', 'metric:loss']);
    expect(await svg.locator('polyline.pc-line').count()).toBe(2);
    await closeChecked(page);
  });

  it('draws both runs on one chart with their values in the legend, and follows the cursor', async () => {
    const { page, chart } = await openLossChart();
    expect(await chart.getAttribute('data-series')).toBe('2');
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(1000);
    // Both runs' line colours are on the canvas.
    expect(await linePixels(page, 'metric-chart-loss', [31, 119, 180])).toBeGreaterThan(50);
    expect(await linePixels(page, 'metric-chart-loss', [255, 127, 14])).toBeGreaterThan(50);
    // Away from the chart the legend shows each run's last value.
    const legend = chart.getByTestId('chart-legend');
    expect(await legend.locator('tr').allTextContents()).toEqual(['alpha2.5000e-4', 'beta0.00133333']);
    // Over the left edge: the first points.
    await chart.scrollIntoViewIfNeeded();
    const over = chart.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    await expect.poll(() => legend.locator('.legend-value').allTextContents()).toEqual(['1', '2']);
    await screenshotForDocs(page, 'compare');
    await closeChecked(page);
  });

  it('zooms by dragging: asks the server again for the narrower step range, and resets', async () => {
    const asked: URL[] = [];
    const { page, chart } = await openLossChart(asked);
    const lossRequests = () => asked.filter((u) => u.searchParams.get('metric_key') === 'loss');
    expect(lossRequests().map((u) => u.searchParams.get('start_step'))).toEqual([null]);
    await chart.scrollIntoViewIfNeeded();
    const over = chart.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await chart.and(page.locator('[data-zoom-ms]')).waitFor();
    const zoom = lossRequests().at(-1)!;
    const start = Number(zoom.searchParams.get('start_step'));
    const end = Number(zoom.searchParams.get('end_step'));
    // A quarter to about a third of the way across steps 0..3999.
    expect(start).toBeGreaterThan(800);
    expect(end).toBeLessThan(1600);
    expect(end - start).toBeLessThan(600);
    expect(zoom.searchParams.getAll('run_ids').sort()).toEqual([...runIds].sort());
    expect(await chart.getAttribute('data-range')).toBe(`${start}-${end}`);
    // Every step of the window is drawn now (fewer steps than the chart asks for).
    expect(Number(await chart.getAttribute('data-points'))).toBe(2 * (end - start + 1));
    expect(await linePixels(page, 'metric-chart-loss', [31, 119, 180])).toBeGreaterThan(50);
    await chart.getByRole('button', { name: 'Reset zoom' }).click();
    await chart.and(page.locator('[data-range="all"]')).waitFor();
    expect(lossRequests().at(-1)!.searchParams.get('start_step')).toBeNull();
    await closeChecked(page);
  });

  it('charts the runs selected in the experiment view, one chart per metric', async () => {
    const page = await openPage(browser, seen);
    await page.goto(`${server.url}/#/experiments/${chartsExperimentId}`);
    await page.getByLabel('Select alpha').check();
    await page.getByLabel('Select beta').check();
    await page.getByRole('link', { name: 'Charts' }).click();
    const slot = page.getByTestId('experiment-charts-slot');
    for (const key of ['accuracy', 'loss']) {
      await slot.getByTestId(`metric-chart-${key}`).and(page.locator('[data-series="2"][data-draw-ms]')).waitFor();
    }
    expect(await slot.getByTestId('metric-chart-accuracy').getByTestId('chart-legend').locator('tr').allTextContents()).toEqual(['alpha0.91', 'beta0.87']);
    await closeChecked(page);
  });

  it('charts a RUNNING run in run detail and picks up new points by polling', async () => {
    const experimentId = await server.trackingStore.createExperiment({ name: 'live-exp' });
    const run = await server.trackingStore.createRun({ experimentId, runName: 'live' });
    const runId = run.info.runId;
    await server.trackingStore.logBatch(runId, { metrics: Array.from({ length: 10 }, (_, step) => ({ key: 'loss', value: step, timestamp: 1_700_000_000_000 + step, step })) });
    const page = await openPage(browser, seen);
    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
    const chart = page.getByTestId('run-charts-slot').getByTestId('metric-chart-loss');
    await chart.and(page.locator('[data-draw-ms]')).waitFor();
    const legend = chart.getByTestId('chart-legend');
    expect(await legend.locator('tr').allTextContents()).toEqual(['live9']);
    await server.trackingStore.logMetric(runId, { key: 'loss', value: 42, timestamp: 1_700_000_000_100, step: 10 });
    await expect.poll(() => legend.locator('tr').allTextContents(), { timeout: 15_000 }).toEqual(['live42']);
    expect(Number(await chart.getAttribute('data-loads'))).toBeGreaterThanOrEqual(2);
    await closeChecked(page);
  });

  it('switches the x-axis to time, smooths, and shows a log scale', async () => {
    const { page, chart } = await openLossChart();
    await page.getByLabel('X-axis').selectOption('relative');
    await chart.and(page.locator('[data-x-axis="relative"]')).waitFor();
    await page.getByLabel('Log scale').check();
    await page.getByLabel('Smoothing').fill('0.9');
    await expect.poll(() => linePixels(page, 'metric-chart-loss', [31, 119, 180])).toBeGreaterThan(50);
    await closeChecked(page);
  });
});
