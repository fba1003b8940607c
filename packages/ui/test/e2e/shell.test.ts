import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, startUiServer, takeBrowserErrors, type BrowserErrors, type UiTestServer } from './ui-harness.js';

describe('the web UI shell in Chromium', () => {
  let server: UiTestServer;
  let prefixed: UiTestServer;
  let browser: Browser;
  const seen: BrowserErrors = { messages: [] };

  beforeAll(async () => {
    [server, prefixed, browser] = await Promise.all([startUiServer(), startUiServer({ staticPrefix: '/mlflow' }), launchChromium()]);
    await server.trackingStore.createExperiment({ name: 'shell-exp' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await prefixed?.close();
  });

  it('serves the app at / and its assets from static-files/', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const html = await index.text();
    const script = /src="\.\/(static-files\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${server.url}/static-files/..%2Fpackage.json`)).status).toBe(400);
    expect((await fetch(`${server.url}/static-files/nothing.js`)).status).toBe(404);
  });

  it('opens MLflow deep links: experiments, models and compare-runs', async () => {
    const page = await openPage(browser, seen);
    await page.goto(`${server.url}/#/experiments`);
    await page.getByRole('link', { name: 'shell-exp' }).waitFor();
    await page.goto(`${server.url}/#/models`);
    await page.getByRole('heading', { name: 'Registered models' }).waitFor();
    await page.goto(`${server.url}/#/compare-runs?runs=${encodeURIComponent('["a","b"]')}&experiments=${encodeURIComponent('["0"]')}`);
    await page.getByRole('heading', { name: 'Compare runs' }).waitFor();
    expect(await page.getByTestId('compare-runs-slot').textContent()).toContain('2 runs');
    await page.goto(`${server.url}/#/nowhere/at/all`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });

  it('serves the UI and its API below --static-prefix', async () => {
    const redirect = await fetch(`${prefixed.url}/mlflow`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/mlflow/');
    await prefixed.trackingStore.createExperiment({ name: 'behind-a-prefix' });
    const page = await openPage(browser, seen);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.goto(`${prefixed.url}/mlflow/#/experiments`);
    await page.getByRole('link', { name: 'behind-a-prefix' }).waitFor();
    expect(requests).toContain('/mlflow/ajax-api/2.0/mlflow/experiments/search');
    expect(requests.some((p) => p.startsWith('/mlflow/static-files/'))).toBe(true);
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });
});
