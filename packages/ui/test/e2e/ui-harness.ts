/**
 * The web UI's end-to-end harness: a real `orrery` server (SQLite stores, artifacts proxied into a
 * fresh folder, optionally the basic-auth app) serving the built UI, and Debian's Chromium driven
 * by playwright-core. Never a browser download: without /usr/bin/chromium the suite fails and says
 * what to install. Every page records console errors and uncaught exceptions; `expectNoBrowserErrors`
 * fails a test that produced any.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AuthService, errors, type ArtifactRepository, type AuthServiceConfig, type ModelRegistryStore, type TrackingStore } from '@orrery/core';
import { openSqliteAuthStore, openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { createServer, type CreateServerOptions } from '@orrery/server';

export const CHROMIUM_PATH = process.env.ORRERY_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** The flags CONVENTIONS names for Chromium on these machines. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The built UI the server serves (`pnpm install` builds it; so does `pnpm --filter @orrery/ui build`). */
export const UI_DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the web UI tests drive Debian's chromium. ` +
        'Run scripts/setup-test-env.sh (apt-get install chromium), or set ORRERY_TEST_CHROMIUM.',
    );
  }
  if (!existsSync(path.join(UI_DIST, 'index.html'))) {
    throw new Error(`The web UI is not built (${UI_DIST}index.html is missing): run \`pnpm install\` or \`pnpm --filter @orrery/ui build\`.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}

export interface UiTestServer {
  url: string;
  app: ReturnType<typeof createServer>;
  trackingStore: TrackingStore;
  registryStore: ModelRegistryStore;
  /** The basic-auth service, when started with `auth`. */
  auth?: AuthService;
  dir: string;
  close(): Promise<void>;
}

async function openLocal(uri: string): Promise<ArtifactRepository> {
  if (!uri.startsWith('file:') && !uri.startsWith('/')) throw errors.invalidParameter(`test server: cannot open ${uri}`);
  return new LocalArtifactRepository(uri);
}

export const ADMIN = { username: 'admin', password: 'admin-pw-1' };

/** A server on fresh SQLite stores serving the built UI (optionally with the basic-auth app and a static prefix). */
export async function startUiServer(
  options: { auth?: boolean; authConfig?: Partial<AuthServiceConfig> } & Pick<CreateServerOptions, 'staticPrefix'> = {},
): Promise<UiTestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orrery-ui-'));
  const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
  const trackingStore = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  const registryStore = await openSqliteModelRegistryStore(uri);
  await mkdir(path.join(dir, 'artifacts'), { recursive: true });
  let auth: AuthService | undefined;
  let closeAuth = async () => {};
  if (options.auth) {
    const authStore = await openSqliteAuthStore(`sqlite:///${path.join(dir, 'auth.db')}`);
    auth = new AuthService({ store: authStore, config: options.authConfig ?? {} });
    await auth.ensureAdmin(ADMIN.username, ADMIN.password);
    closeAuth = () => authStore.close();
  }
  const app = createServer({
    trackingStore,
    modelRegistryStore: registryStore,
    openArtifactRepository: openLocal,
    artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
    defaultArtifactRoot: 'mlflow-artifacts:/',
    checkModelVersionSources: false,
    uiDirectory: UI_DIST,
    ...(options.staticPrefix !== undefined ? { staticPrefix: options.staticPrefix } : {}),
    ...(auth !== undefined ? { auth } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    trackingStore,
    registryStore,
    ...(auth !== undefined ? { auth } : {}),
    dir,
    async close() {
      await app.close();
      await closeAuth();
      await registryStore.close();
      await trackingStore.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Browser errors seen by the pages opened with `openPage`. */
export interface BrowserErrors {
  messages: string[];
}

/**
 * A fresh page (own context: own session storage) that records console errors and uncaught
 * exceptions. Failed requests the app answers in place (a 400 for a bad filter, a 401 before
 * signing in) are logged by Chromium as console errors too; `allow` lists text they may contain.
 */
export async function openPage(browser: Browser, seen: BrowserErrors, allow: RegExp[] = []): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const record = (text: string) => {
    if (!allow.some((pattern) => pattern.test(text))) seen.messages.push(text);
  };
  page.on('pageerror', (error) => record(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') record(`console: ${message.text()} (${message.location().url})`);
  });
  return page;
}

/** Fails with every browser error recorded so far. */
export function takeBrowserErrors(seen: BrowserErrors): string[] {
  const messages = [...seen.messages];
  seen.messages.length = 0;
  return messages;
}

/** Writes a screenshot into docs/images when ORRERY_UI_SCREENSHOTS=1 (never otherwise). */
export async function screenshotForDocs(page: Page, name: string): Promise<void> {
  if (process.env.ORRERY_UI_SCREENSHOTS !== '1') return;
  const target = fileURLToPath(new URL(`../../../../docs/images/ui-${name}.png`, import.meta.url));
  await mkdir(path.dirname(target), { recursive: true });
  await page.screenshot({ path: target, fullPage: true });
}
