/** The model registry pages in Chromium: models, versions, stages, aliases, tags and the link to the source run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, screenshotForDocs, startUiServer, takeBrowserErrors, type BrowserErrors, type UiTestServer } from './ui-harness.js';

describe('registry pages in Chromium', () => {
  let server: UiTestServer;
  let browser: Browser;
  let runId: string;
  let experimentId: string;
  const seen: BrowserErrors = { messages: [] };

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    experimentId = await server.trackingStore.createExperiment({ name: 'registry-exp' });
    const run = await server.trackingStore.createRun({ experimentId, runName: 'training-run' });
    runId = run.info.runId;
    const response = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`, {
      method: 'PUT',
      body: 'flavors:\n  python_function: {}\n',
    });
    expect(response.status).toBe(200);
    await server.registryStore.createRegisteredModel('churn', { description: 'Predicts churn', tags: [{ key: 'owner', value: 'ml-team' }] });
    await server.registryStore.createModelVersion({ name: 'churn', source: `${run.info.artifactUri}/model`, runId });
    await server.registryStore.createModelVersion({ name: 'churn', source: `${run.info.artifactUri}/model`, runId });
    await server.registryStore.createRegisteredModel('other-model');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists models, shows versions, moves stages, sets aliases and tags, and links a version to its run', async () => {
    const page = await openPage(browser, seen);
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
    expect(page.url()).toContain(`#/experiments/${experimentId}/runs/${runId}`);
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
