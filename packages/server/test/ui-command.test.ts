/**
 * `orrery ui` and `--static-prefix`: the flag reaches the server (flag over ORRERY_STATIC_PREFIX),
 * a bad prefix stops the start as MLflow's does, and a started server serves the UI page below it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUiCommand, serverOptionsFrom, startServer, type RunningServer } from '@orrery/server';

describe('orrery ui and --static-prefix', () => {
  let dir: string;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'orrery-ui-command-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers `ui` with the server flags, --static-prefix included', () => {
    const program = new Command('orrery');
    registerUiCommand(program);
    const ui = program.commands.find((command) => command.name() === 'ui');
    expect(ui?.options.map((option) => option.long)).toEqual(expect.arrayContaining(['--backend-store-uri', '--port', '--static-prefix', '--app-name']));
  });

  it('reads the prefix from the flag, else ORRERY_STATIC_PREFIX', () => {
    expect(serverOptionsFrom({ staticPrefix: '/a' }, (name) => name === 'staticPrefix', { ORRERY_STATIC_PREFIX: '/b' }).staticPrefix).toBe('/a');
    expect(serverOptionsFrom({}, () => false, { ORRERY_STATIC_PREFIX: '/b' }).staticPrefix).toBe('/b');
    expect(serverOptionsFrom({}, () => false, {}).staticPrefix).toBeUndefined();
  });

  it('refuses a prefix without a leading slash or with a trailing one before opening anything', async () => {
    await expect(startServer({ cwd: dir, port: 0, staticPrefix: 'mlflow' })).rejects.toThrow(/must begin with a '\/'/);
    await expect(startServer({ cwd: dir, port: 0, staticPrefix: '/mlflow/' })).rejects.toThrow(/must not end with a '\/'/);
  });

  it('serves the UI page and the API copy below the prefix, the REST API at the root', async () => {
    server = await startServer({ cwd: dir, port: 0, staticPrefix: '/mlflow', logger: silentLogger() });
    const page = await fetch(`${server.url}/mlflow/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    // The page names its assets relatively, so they load from below the prefix.
    const script = /src="\.\/(static-files\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${server.url}/mlflow/${script}`)).status).toBe(200);
    const redirect = await fetch(`${server.url}/mlflow`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/mlflow/');
    const ajax = await fetch(`${server.url}/mlflow/ajax-api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect(ajax.status).toBe(200);
    expect((await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`)).status).toBe(200);
  });
});

function silentLogger(): NonNullable<Parameters<typeof startServer>[0]>['logger'] {
  const noop = () => undefined;
  const logger = { level: 'silent', fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop, silent: noop, child: () => logger };
  return logger as unknown as NonNullable<Parameters<typeof startServer>[0]>['logger'];
}
