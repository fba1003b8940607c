/**
 * Open plugin kinds: a kind declared once (here a webhook sink, the worked example of
 * docs/plugins.md) is discovered, listed and created like the built-in ones; plugin options come
 * from the configuration file and the environment and are checked before `create`; and what a
 * package.json claims must be what the module's definition serves.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createOrreryContainer,
  declarePluginKind,
  discoverPlugins,
  disposeContainer,
  isOrreryError,
  OrreryTokens,
  resolve,
  type PluginCreateContext,
  type PluginDefinitionBase,
} from '@orrery/core';
import { installPackage, makeTempDir } from './fixture-packages.js';

// ---- the kind, as a package that introduces webhook sinks would declare it (docs/plugins.md) ----

/** Where webhook events are delivered. */
interface WebhookSink {
  send(event: { type: string; payload: unknown }): Promise<void>;
}

interface WebhookSinkDefinition extends PluginDefinitionBase {
  readonly kind: 'webhookSink';
  readonly name: string;
  create(context: PluginCreateContext<{ timeoutMs?: number } & Record<string, unknown>>): Promise<WebhookSink>;
}

const webhookSinkKind = declarePluginKind<WebhookSinkDefinition>({
  id: 'webhookSink',
  keyedBy: 'name',
  label: 'webhook sink',
  // Every sink accepts a timeout, whatever else it takes.
  optionsSchema: {
    timeoutMs: { type: 'integer', min: 1, env: 'ORRERY_WEBHOOK_TIMEOUT_MS', description: 'How long one delivery may take, in ms.' },
  },
});

// ---- a tiny plugin of that kind, shipped by a third-party package ----

/** The sink module: what `webhookSinkKind.define({...})` returns, written out as plain JavaScript. */
const LOG_SINK_MODULE = `
export default {
  kind: 'webhookSink',
  apiVersion: 1,
  name: 'log',
  options: { file: { type: 'string', env: 'ORRERY_LOG_SINK_FILE', description: 'Where the events are appended.' } },
  async create({ options, logger }) {
    globalThis.__webhookSinkCreates = (globalThis.__webhookSinkCreates ?? 0) + 1;
    const sent = [];
    return { options, sent, hasLogger: typeof logger.info === 'function', async send(event) { sent.push(event); } };
  },
};
`;

const creates = () => (globalThis as { __webhookSinkCreates?: number }).__webhookSinkCreates ?? 0;

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir('orrery-kinds-');
  installPackage(tmp.dir, {
    name: 'orrery-webhook-log',
    orrery: { webhookSink: { log: './log-sink.js' } },
    files: { 'log-sink.js': LOG_SINK_MODULE },
  });
  (globalThis as { __webhookSinkCreates?: number }).__webhookSinkCreates = 0;
});
afterEach(() => tmp.cleanup());

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
}

describe('a plugin kind declared outside core', () => {
  it('is discovered, listed and created with its options from the configuration and the environment', async () => {
    const registry = await discoverPlugins({
      cwd: tmp.dir,
      scanCoreLocation: false,
      pluginOptions: { config: { 'orrery-webhook-log': { file: '/var/log/events.jsonl' } }, env: { ORRERY_WEBHOOK_TIMEOUT_MS: '2500' } },
    });
    expect(webhookSinkKind.label).toBe('webhook sink');
    expect(registry.problems()).toEqual([]);
    expect(registry.list()).toContainEqual(expect.objectContaining({ kind: 'webhookSink', name: 'log', packageName: 'orrery-webhook-log', schemes: [] }));
    expect(registry.knownKeys('webhookSink')).toEqual(['log']);

    const sink = await registry.openPlugin<WebhookSink & { options: unknown; sent: unknown[]; hasLogger: boolean }>('webhookSink', 'log');
    // The environment's string became the integer the kind's schema declares.
    expect(sink.options).toEqual({ file: '/var/log/events.jsonl', timeoutMs: 2500 });
    expect(sink.hasLogger).toBe(true);
    await sink.send({ type: 'run.created', payload: { run_id: 'abc' } });
    expect(sink.sent).toEqual([{ type: 'run.created', payload: { run_id: 'abc' } }]);

    const missing = await failureOf(registry.openPlugin('webhookSink', 'slack'));
    expect(missing.message).toBe('No webhook sink plugin is installed for name "slack" (webhook sink "slack"). Known names: log.');
  });

  it('refuses a bad option before create, naming the option, its variable and the plugin', async () => {
    const fromEnv = await discoverPlugins({ cwd: tmp.dir, scanCoreLocation: false, env: { ORRERY_WEBHOOK_TIMEOUT_MS: 'soon' } });
    const error = await failureOf(fromEnv.openPlugin('webhookSink', 'log'));
    expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toBe(`ORRERY_WEBHOOK_TIMEOUT_MS must be an integer of at least 1, not 'soon' (option "timeoutMs" of plugin orrery-webhook-log).`);

    const fromFile = await discoverPlugins({
      cwd: tmp.dir,
      scanCoreLocation: false,
      pluginOptions: { config: { 'orrery-webhook-log': { colour: 'red' } }, configSource: '/etc/orrery.config.json' },
    });
    const unknown = await failureOf(fromFile.openPlugin('webhookSink', 'log'));
    expect(unknown.message).toBe('Plugin orrery-webhook-log has no option "colour" (set in /etc/orrery.config.json); its options are: file, timeoutMs.');
    expect(creates()).toBe(0);
  });

  it('a kind nobody declared is reported as a problem of the package, not skipped silently', async () => {
    installPackage(tmp.dir, { name: 'orrery-flavor-x', orrery: { modelFlavor: { onnx: './f.js' } }, files: { 'f.js': 'export default {};' } });
    const registry = await discoverPlugins({ cwd: tmp.dir, scanCoreLocation: false, env: {} });
    expect(registry.problems().map((p) => p.message)).toContainEqual(expect.stringMatching(/package orrery-flavor-x: unknown plugin kind "modelFlavor" .*known: .*webhookSink/));
  });
});

describe('the configuration file', () => {
  it('orrery.config.json in the working directory gives plugins their options through the container', async () => {
    writeFileSync(path.join(tmp.dir, 'orrery.config.json'), JSON.stringify({ plugins: { 'orrery-webhook-log': { file: 'events.jsonl', timeoutMs: 10 } } }));
    const container = await createOrreryContainer({ cwd: tmp.dir, env: {}, openTrackingStore: false, plugins: { scanCoreLocation: false } });
    const sink = await resolve(container, OrreryTokens.pluginRegistry).openPlugin<{ options: unknown }>('webhookSink', 'log');
    expect(sink.options).toEqual({ file: 'events.jsonl', timeoutMs: 10 });
    await disposeContainer(container);
  });

  it('ORRERY_CONFIG names another file; a malformed one fails naming the file and the field', async () => {
    const file = path.join(tmp.dir, 'elsewhere.json');
    writeFileSync(file, JSON.stringify({ plugins: { 'orrery-webhook-log': { timeoutMs: 0 } } }));
    const container = await createOrreryContainer({ cwd: tmp.dir, env: { ORRERY_CONFIG: file }, openTrackingStore: false, plugins: { scanCoreLocation: false } });
    const error = await failureOf(resolve(container, OrreryTokens.pluginRegistry).openPlugin('webhookSink', 'log'));
    expect(error.message).toBe(`Option "timeoutMs" (ORRERY_WEBHOOK_TIMEOUT_MS) of plugin orrery-webhook-log (in ${file}) must be an integer of at least 1, got 0.`);
    await disposeContainer(container);

    writeFileSync(file, JSON.stringify({ plugin: {} }));
    await expect(createOrreryContainer({ cwd: tmp.dir, env: { ORRERY_CONFIG: file }, openTrackingStore: false })).rejects.toThrow(
      `The configuration file ${file} has unknown field(s) "plugin"; allowed: "plugins".`,
    );
  });
});

describe('package.json claims against the definition', () => {
  it('a package claiming a scheme its module does not serve is a loud error naming the package', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-plugin-liar',
      orrery: { artifactRepository: { s3: './repo.js', gs: './repo.js' } },
      files: { 'repo.js': `export default { kind: 'artifactRepository', apiVersion: 1, schemes: ['s3'], async create() { return {}; } };` },
    });
    const registry = await discoverPlugins({ cwd: tmp.dir, scanCoreLocation: false, env: {} });
    const error = await failureOf(registry.openArtifactRepository('gs://bucket/x'));
    expect(isOrreryError(error) && error.code).toBe('INVALID_STATE');
    expect(error.message).toContain('Plugin package orrery-plugin-liar');
    expect(error.message).toContain('package.json "orrery.artifactRepository" claims gs, s3 for this module, but its definition serves s3.');
  });

  it('a name-keyed plugin whose definition names another name is refused too', async () => {
    installPackage(tmp.dir, {
      name: 'orrery-webhook-mixup',
      orrery: { webhookSink: { teams: './sink.js' } },
      files: { 'sink.js': LOG_SINK_MODULE },
    });
    const registry = await discoverPlugins({ cwd: tmp.dir, scanCoreLocation: false, env: {} });
    const error = await failureOf(registry.openPlugin('webhookSink', 'teams'));
    expect(error.message).toContain('package.json "orrery.webhookSink" claims teams for this module, but its definition serves log.');
  });
});
