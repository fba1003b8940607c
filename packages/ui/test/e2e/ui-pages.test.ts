/**
 * The web UI's pages in Chromium against one live server seeded through its store and the artifact
 * proxy: the shell and deep links, experiments, the runs table, run detail, the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshotForDocs, startUiServer, takeBrowserErrors, type BrowserErrors, type UiTestServer } from './ui-harness.js';

describe('the web UI in Chromium', () => {
  let server: UiTestServer;
  let browser: Browser;
  let experimentId: string;
  let parentId: string;
  let childId: string;
  let registryExperimentId: string;
  let registryRunId: string;
  const seen: BrowserErrors = { messages: [] };
  // The filter test sends a bad filter on purpose: Chromium logs the 400 as a console error.
  const allowed = [/status of 400/];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    const store = server.trackingStore;
    experimentId = await store.createExperiment({ name: 'vision' });
    await store.createExperiment({ name: 'to-delete' });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const parent = await store.createRun({ experimentId, runName: 'parent-run', startTime: t0 });
    parentId = parent.info.runId;
    await store.logBatch(parentId, {
      params: [{ key: 'lr', value: '0.01' }, { key: 'optimizer', value: 'adam' }],
      metrics: [0.9, 0.5, 0.3, 0.2].map((value, step) => ({ key: 'loss', value, step, timestamp: t0 + step })),
      tags: [{ key: 'team', value: 'cv' }],
    });
    await store.logInputs(parentId, [
      { dataset: { name: 'mnist-train', digest: 'abc123', sourceType: 'local', source: '/data/mnist' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] },
    ]);
    const child = await store.createRun({ experimentId, runName: 'child-run', startTime: t0 + 10, tags: [{ key: 'mlflow.parentRunId', value: parentId }] });
    childId = child.info.runId;
    await store.logBatch(childId, { params: [{ key: 'lr', value: '0.1' }], metrics: [{ key: 'loss', value: 0.7, step: 0, timestamp: t0 }] });
    for (let index = 0; index < 5; index += 1) {
      const run = await store.createRun({ experimentId, runName: `sweep-${index}`, startTime: t0 + 100 + index });
      await store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 1 + index, step: 0, timestamp: t0 }], params: [{ key: 'lr', value: String(index) }] });
    }
    // Artifacts through the proxy, where the run's root (mlflow-artifacts:/...) points.
    const put = async (name: string, body: string | Uint8Array) => {
      const response = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${parentId}/artifacts/${name}`, { method: 'PUT', body });
      expect(response.status).toBe(200);
    };
    await put('metrics.json', '{"accuracy":0.97,"classes":["a","b"]}');
    await put('data/sample.csv', 'name,score\nalpha,1\n"be,ta",2\n');
    await put('model/MLmodel', 'artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n');
    // A 1x1 PNG.
    await put('plot.png', Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0)));
    registryExperimentId = await server.trackingStore.createExperiment({ name: 'registry-exp' });
    const run = await server.trackingStore.createRun({ experimentId: registryExperimentId, runName: 'training-run' });
    registryRunId = run.info.runId;
    const response = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${registryExperimentId}/${registryRunId}/artifacts/model/MLmodel`, {
      method: 'PUT',
      body: 'flavors:\n  python_function: {}\n',
    });
    expect(response.status).toBe(200);
    await server.registryStore.createRegisteredModel('churn', { description: 'Predicts churn', tags: [{ key: 'owner', value: 'ml-team' }] });
    await server.registryStore.createModelVersion({ name: 'churn', source: `${run.info.artifactUri}/model`, runId: registryRunId });
    await server.registryStore.createModelVersion({ name: 'churn', source: `${run.info.artifactUri}/model`, runId: registryRunId });
    await server.registryStore.createRegisteredModel('other-model');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function fresh(): Promise<Page> {
    return openPage(browser, seen, allowed);
  }

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
    const page = await fresh();
    await page.goto(`${server.url}/#/experiments`);
    await page.getByRole('link', { name: 'vision' }).waitFor();
    await page.goto(`${server.url}/#/models`);
    await page.getByRole('heading', { name: 'Registered models' }).waitFor();
    await page.goto(`${server.url}/#/compare-runs?runs=${encodeURIComponent(JSON.stringify([parentId, childId]))}&experiments=${encodeURIComponent(JSON.stringify([experimentId]))}`);
    await page.getByRole('heading', { name: 'Compare runs' }).waitFor();
    expect(await page.getByTestId('compare-runs-slot').textContent()).toContain('2 runs');
    await page.goto(`${server.url}/#/nowhere/at/all`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });

  it('lists, creates, renames, deletes and restores experiments', async () => {
    const page = await fresh();
    page.on('dialog', (dialog) => void dialog.accept('renamed-exp'));
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'vision' }).waitFor();
    await screenshotForDocs(page, 'experiments');
    await page.getByLabel('New experiment name').fill('created-in-ui');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'created-in-ui' }).waitFor();
    // Creating it again is refused with the server's message, shown in place.
    await page.getByLabel('New experiment name').fill('created-in-ui');
    await page.getByRole('button', { name: 'Create' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/already exists/);

    const row = page.locator('tr', { has: page.getByRole('link', { name: 'created-in-ui' }) });
    await row.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('link', { name: 'renamed-exp' }).waitFor();

    await page.getByLabel('Search experiments').fill('to-del');
    await page.getByRole('link', { name: 'vision' }).waitFor({ state: 'detached' });
    const doomed = page.locator('tr', { has: page.getByRole('link', { name: 'to-delete' }) });
    await doomed.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No experiments match.').waitFor();
    await page.getByLabel('Lifecycle').selectOption('DELETED_ONLY');
    await page.locator('tr', { has: page.getByRole('link', { name: 'to-delete' }) }).getByRole('button', { name: 'Restore' }).click();
    await page.getByText('No experiments match.').waitFor();
    await page.getByLabel('Lifecycle').selectOption('ACTIVE_ONLY');
    await page.getByRole('link', { name: 'to-delete' }).waitFor();
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });

  it('shows runs with nested runs under their parent, sorts on the server, picks columns and compares', async () => {
    const page = await fresh();
    const searches: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('runs/search')) searches.push(request.postData() ?? '');
    });
    await page.goto(`${server.url}/#/experiments/${experimentId}`);
    await page.getByTestId('experiment-name').getByText('vision').waitFor();
    const names = () => page.locator('.runs-row [role="cell"]:nth-child(2)').allTextContents();
    await page.getByRole('link', { name: 'child-run' }).waitFor();
    // The child sits right under its parent, indented; the parent shows its count.
    const shown = await names();
    const parentAt = shown.findIndex((text) => text.includes('parent-run'));
    expect(shown[parentAt]).toContain('(1)');
    expect(shown[parentAt + 1]).toContain('child-run');
    await screenshotForDocs(page, 'runs');
    await page.getByRole('button', { name: 'Collapse parent-run' }).click();
    await page.getByRole('link', { name: 'child-run' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Expand parent-run' }).click();

    // Sorting by a metric asks the server (order_by), largest first.
    await page.getByRole('columnheader', { name: /loss/ }).click();
    await expect.poll(() => searches.some((body) => body.includes('metrics.loss DESC'))).toBe(true);
    await expect.poll(async () => (await names())[0]).toContain('sweep-4');

    // The column picker adds a tag column.
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByRole('dialog', { name: 'Columns' }).getByLabel('team').check();
    await page.getByRole('columnheader', { name: /team/ }).waitFor();
    await page.keyboard.press('Escape');
    await page.mouse.click(5, 5);

    await page.getByLabel('Select sweep-1').check();
    await page.getByLabel('Select sweep-2').check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await page.getByRole('heading', { name: 'Compare runs' }).waitFor();
    expect(decodeURIComponent(page.url())).toMatch(/#\/compare-runs\?runs=\["[0-9a-f]+","[0-9a-f]+"\]&experiments=\["\d+"\]/);
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });

  it('filters with MLflow search grammar, completes keys and shows the server error in place', async () => {
    const page = await fresh();
    await page.goto(`${server.url}/#/experiments/${experimentId}`);
    await page.getByRole('link', { name: 'sweep-0' }).waitFor();
    const box = page.getByLabel('Filter runs');
    await box.fill('params.');
    await page.getByRole('option', { name: 'params.lr' }).waitFor();
    await page.getByRole('option', { name: 'params.optimizer' }).click();
    expect(await box.inputValue()).toBe('params.optimizer');
    await box.fill("params.optimizer = 'adam'");
    await box.press('Enter');
    await page.getByRole('link', { name: 'sweep-0' }).waitFor({ state: 'detached' });
    expect(await page.getByTestId('runs-count').textContent()).toContain('1 runs loaded');
    await page.getByRole('link', { name: 'parent-run' }).waitFor();

    await box.fill('metrics.loss <<< 3');
    await box.press('Enter');
    const error = page.getByTestId('filter-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/Invalid|filter|parse|syntax/i);
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });

  it('shows run detail: overview, params, metrics with sparklines, tags to edit, datasets and artifact previews', async () => {
    const page = await fresh();
    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${parentId}`);
    await page.getByTestId('run-name').getByText('parent-run').waitFor();
    expect(await page.getByTestId('run-overview').textContent()).toContain(parentId);
    expect(await page.getByTestId('run-params').textContent()).toContain('optimizer');
    const metrics = page.getByTestId('run-metrics');
    expect(await metrics.textContent()).toContain('0.2');
    await metrics.getByRole('img', { name: 'sparkline of 4 points' }).waitFor();
    expect(await page.getByTestId('run-datasets').textContent()).toContain('mnist-train');
    await page.getByTestId('run-charts-slot').waitFor();

    // Tags: add, edit, then delete.
    await page.getByLabel('Tag key').fill('reviewed');
    await page.getByLabel('Tag value').fill('yes');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByTestId('run-tags').getByText('reviewed').waitFor();
    expect((await server.trackingStore.getRun(parentId)).data.tags).toContainEqual({ key: 'reviewed', value: 'yes' });
    page.once('dialog', (dialog) => void dialog.accept('approved'));
    await page.getByRole('button', { name: 'Edit tag reviewed' }).click();
    await page.getByTestId('run-tags').getByText('approved').waitFor();
    expect((await server.trackingStore.getRun(parentId)).data.tags).toContainEqual({ key: 'reviewed', value: 'approved' });
    await page.getByRole('button', { name: 'Delete tag reviewed' }).click();
    await page.getByTestId('run-tags').getByText('reviewed').waitFor({ state: 'detached' });

    // Artifacts: JSON pretty-printed, CSV as a table, MLmodel as YAML text, an image.
    const browserPane = page.getByTestId('artifact-browser');
    await browserPane.getByRole('button', { name: /metrics\.json/ }).click();
    await page.getByTestId('artifact-preview').getByText('"accuracy": 0.97').waitFor();
    await browserPane.getByRole('button', { name: /data/ }).click();
    await browserPane.getByRole('button', { name: /sample\.csv/ }).click();
    const csv = page.getByTestId('csv-preview');
    await csv.waitFor();
    expect(await csv.locator('td').allTextContents()).toEqual(['alpha', '1', 'be,ta', '2']);
    await browserPane.getByRole('button', { name: /model/ }).first().click();
    await browserPane.getByRole('button', { name: /MLmodel/ }).click();
    await page.getByTestId('artifact-preview').getByText('loader_module: mlflow.sklearn').waitFor();
    await browserPane.getByRole('button', { name: /plot\.png/ }).click();
    const image = page.getByTestId('artifact-preview').locator('img');
    await image.waitFor();
    await expect.poll(() => image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);
    await screenshotForDocs(page, 'run');

    // The download link is MLflow's get-artifact route, and it answers the file as an attachment.
    const href = await page.getByTestId('artifact-preview').getByRole('link', { name: 'Download' }).getAttribute('href');
    expect(href).toBe(`get-artifact?path=plot.png&run_uuid=${parentId}`);
    const download = await fetch(`${server.url}/${href}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('attachment');
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(60);
    expect((await fetch(`${server.url}/get-artifact?path=../../etc/passwd&run_uuid=${parentId}`)).status).toBe(400);
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });
  it('lists models, shows versions, moves stages, sets aliases and tags, and links a version to its run', async () => {
    const page = await fresh();
    await page.goto(`${server.url}/#/models`);
    await page.getByRole('link', { name: 'churn' }).waitFor();
    await page.getByRole('link', { name: 'other-model' }).waitFor();
    await page.getByLabel('Search models').fill('chu');
    await page.getByRole('link', { name: 'other-model' }).waitFor({ state: 'detached' });
    await screenshotForDocs(page, 'models');

    await page.getByRole('link', { name: 'churn' }).click();
    await page.getByTestId('model-name').getByText('churn').waitFor();
    await page.getByText('Predicts churn').waitFor();
    expect(await page.getByTestId('model-tags').textContent()).toContain('ml-team');
    await page.getByTestId('model-versions').getByRole('link', { name: 'Version 2' }).waitFor();

    await page.getByLabel('Alias', { exact: true }).fill('champion');
    await page.getByLabel('Alias version').fill('1');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await page.getByTestId('model-aliases').getByText('@champion').waitFor();
    expect((await server.registryStore.getRegisteredModel('churn')).aliases).toEqual([{ alias: 'champion', version: '1' }]);

    await page.getByTestId('model-versions').getByRole('link', { name: 'Version 1' }).click();
    await page.getByTestId('version-title').getByText('Version 1').waitFor();
    await page.getByLabel('New stage').selectOption('Production');
    await page.getByRole('button', { name: 'Transition' }).click();
    await page.getByTestId('version-stage').getByText('Production').waitFor();
    expect((await server.registryStore.getModelVersion('churn', '1')).currentStage).toBe('Production');

    await page.getByLabel('Tag key').fill('validated');
    await page.getByLabel('Tag value').fill('true');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByTestId('version-tags').getByText('validated').waitFor();
    await screenshotForDocs(page, 'model-version');

    await page.getByTestId('source-run-link').click();
    await page.getByTestId('run-name').getByText('training-run').waitFor();
    expect(page.url()).toContain(`#/experiments/${registryExperimentId}/runs/${registryRunId}`);
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });

  it("serves a model version's files at MLflow's model-versions/get-artifact route", async () => {
    const answer = await fetch(`${server.url}/model-versions/get-artifact?path=MLmodel&name=churn&version=2`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toContain('attachment');
    expect(await answer.text()).toContain('python_function');
    expect((await fetch(`${server.url}/model-versions/get-artifact?path=%2Fetc%2Fpasswd&name=churn&version=2`)).status).toBe(400);
    expect((await fetch(`${server.url}/model-versions/get-artifact?path=MLmodel&name=churn&version=9`)).status).toBe(404);
  });
});
