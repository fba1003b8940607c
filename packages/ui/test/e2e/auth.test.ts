/** The UI on a server running the basic-auth app: it asks for credentials and shows only what the user may read. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ADMIN, launchChromium, openPage, screenshotForDocs, startUiServer, takeBrowserErrors, type BrowserErrors, type UiTestServer } from './ui-harness.js';

describe('the UI with basic auth in Chromium', () => {
  let server: UiTestServer;
  let browser: Browser;
  let visibleRunId: string;
  let visibleExperiment: string;
  let hiddenExperiment: string;
  const seen: BrowserErrors = { messages: [] };
  // Before signing in (and after a wrong password) the server answers 401; Chromium logs those.
  const allowed = [/status of 401/, /status of 403/];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer({ auth: true, authConfig: { defaultPermission: 'NO_PERMISSIONS' } }), launchChromium()]);
    visibleExperiment = await server.trackingStore.createExperiment({ name: 'bobs-experiment' });
    hiddenExperiment = await server.trackingStore.createExperiment({ name: 'secret-experiment' });
    visibleRunId = (await server.trackingStore.createRun({ experimentId: visibleExperiment, runName: 'bobs-run' })).info.runId;
    await server.trackingStore.createRun({ experimentId: hiddenExperiment, runName: 'secret-run' });
    await server.auth!.createUser('bob', 'bob-pw-123');
    await server.auth!.createExperimentPermission(visibleExperiment, 'bob', 'READ');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('asks for credentials, refuses wrong ones, then shows only what the user may read', async () => {
    const page = await openPage(browser, seen, allowed);
    await page.goto(`${server.url}/#/experiments`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshotForDocs(page, 'sign-in');
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Incorrect username or password.').waitFor();

    await page.getByLabel('Password').fill('bob-pw-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'bobs-experiment' }).waitFor();
    expect(await page.getByTestId('signed-in-user').textContent()).toBe('bob');
    expect(await page.getByTestId('experiments-table').textContent()).not.toContain('secret-experiment');

    await page.getByRole('link', { name: 'bobs-experiment' }).click();
    await page.getByRole('link', { name: 'bobs-run' }).waitFor();
    // A deep link to what bob may not read shows the server's refusal, not the data.
    await page.goto(`${server.url}/#/experiments/${hiddenExperiment}`);
    await page.getByRole('alert').first().getByText(/Permission denied/).waitFor();
    expect(await page.locator('.runs-row').count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.context().close();
    expect(takeBrowserErrors(seen)).toEqual([]);
  });

  it('keeps the app page public but the download route behind the permission check, without a browser prompt for the UI', async () => {
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    const anonymous = await fetch(`${server.url}/get-artifact?path=x.txt&run_uuid=${visibleRunId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const fromUi = await fetch(`${server.url}/ajax-api/2.0/mlflow/experiments/search`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-orrery-ui': '1' }, body: '{}' });
    expect(fromUi.status).toBe(401);
    expect(fromUi.headers.get('www-authenticate')).toBeNull();
    const bob = `Basic ${Buffer.from('bob:bob-pw-123').toString('base64')}`;
    const admin = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;
    const hiddenRun = (await server.trackingStore.searchRuns({ experimentIds: [hiddenExperiment] })).items[0]!.info.runId;
    expect((await fetch(`${server.url}/get-artifact?path=x.txt&run_uuid=${hiddenRun}`, { headers: { authorization: bob } })).status).toBe(403);
    // Admins pass the check and reach the store (which has no such file).
    expect((await fetch(`${server.url}/get-artifact?path=x.txt&run_uuid=${hiddenRun}`, { headers: { authorization: admin } })).status).toBe(404);
  });
});
