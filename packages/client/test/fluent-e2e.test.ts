/**
 * The fluent API end to end against the real SQLite store and local artifact repository, loaded
 * through plugin discovery (from their built `dist/`), in a temp directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { discoverPlugins, isOrreryError, type Run } from '@orrery/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '@orrery/testkit';
import {
  activeRun,
  BUILTIN_PLUGIN_PACKAGES,
  endRun,
  flush,
  getTrackingUri,
  lastActiveRun,
  logArtifact,
  logArtifacts,
  logDict,
  logMetric,
  logMetrics,
  logParam,
  logParams,
  logText,
  OrreryClient,
  searchRuns,
  setClientOptions,
  setExperiment,
  setTag,
  setTags,
  setTrackingUri,
  shutdown,
  startRun,
  withRun,
} from '../src/index.js';

let tmp: string;
let trackingUri: string;
let artifactRoot: string;
let reader: OrreryClient;

function tagsOf(run: Run): Record<string, string> {
  return Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'orrery-fluent-'));
  trackingUri = `sqlite:///${path.join(tmp, 'orrery.db')}`;
  artifactRoot = pathToFileURL(path.join(tmp, 'artifacts')).href;
  setTrackingUri(trackingUri);
  setClientOptions({ defaultArtifactRoot: artifactRoot });
  reader = await OrreryClient.create({ trackingUri, defaultArtifactRoot: artifactRoot });
});

beforeEach(async () => {
  await setExperiment(`exp-${Math.random().toString(36).slice(2)}`);
});

afterEach(async () => {
  // A failed test must not leave a run on the stack for the next one.
  while (activeRun() !== null) await endRun('KILLED');
});

afterAll(async () => {
  await shutdown();
  await reader.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('fluent tracking', () => {
  it('logs params, metrics and tags of a run that readers see after endRun', async () => {
    expect(getTrackingUri()).toBe(trackingUri);
    const run = await startRun({ runName: 'train', tags: { team: 'vision' }, description: 'first try' });
    await logParams({ lr: 0.01, layers: 3, optimizer: 'adam' });
    await logParam('seed', 42);
    for (let step = 0; step < 5; step += 1) logMetric('loss', 1 / (step + 1), { step });
    logMetrics({ acc: 0.9, f1: 0.8 }, { step: 4 });
    await setTags({ stage: 'dev', owner: 'ada' });
    await setTag('extra', 'yes');
    await endRun();

    const stored = await reader.getRun(run.info.runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(stored.info.endTime).not.toBeNull();
    expect(stored.info.runName).toBe('train');
    expect(Object.fromEntries(stored.data.params.map((p) => [p.key, p.value]))).toEqual({
      lr: '0.01',
      layers: '3',
      optimizer: 'adam',
      seed: '42',
    });
    expect(Object.fromEntries(stored.data.metrics.map((m) => [m.key, m.value]))).toEqual({ loss: 0.2, acc: 0.9, f1: 0.8 });
    const history = await reader.getMetricHistory(run.info.runId, 'loss');
    expect(history.map((m) => [m.step, m.value])).toEqual([
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
      [3, 0.25],
      [4, 0.2],
    ]);
    const tags = tagsOf(stored);
    expect(tags).toMatchObject({
      team: 'vision',
      stage: 'dev',
      owner: 'ada',
      extra: 'yes',
      'mlflow.note.content': 'first try',
      'mlflow.runName': 'train',
      'mlflow.source.type': 'LOCAL',
      'orrery.host': os.hostname(),
    });
    // Built-in providers ran (found through discovery like any plugin).
    expect(tags['mlflow.user']).toBeTruthy();
    expect(tags['mlflow.source.name']).toBeTruthy();
    expect(stored.info.userId).toBe(tags['mlflow.user']);
    expect(activeRun()).toBeNull();
    expect((await lastActiveRun())?.info.runId).toBe(run.info.runId);
  });

  it('lets user tags win over run-context tags', async () => {
    const run = await startRun({ tags: { 'mlflow.user': 'someone-else', 'orrery.host': 'pinned' } });
    await endRun();
    const stored = await reader.getRun(run.info.runId);
    expect(tagsOf(stored)).toMatchObject({ 'mlflow.user': 'someone-else', 'orrery.host': 'pinned' });
    expect(stored.info.userId).toBe('someone-else');
  });

  it('nests runs on a stack and refuses a second top-level run', async () => {
    const parent = await startRun({ runName: 'parent' });
    await expect(startRun({ runName: 'oops' })).rejects.toSatisfy(
      (error: unknown) =>
        isOrreryError(error) &&
        error.code === 'INVALID_STATE' &&
        error.message.includes(parent.info.runId) &&
        error.message.includes('nested: true'),
    );
    const child = await startRun({ runName: 'child', nested: true });
    expect(activeRun()?.info.runId).toBe(child.info.runId);
    logMetric('child_metric', 1);
    await endRun();
    expect(activeRun()?.info.runId).toBe(parent.info.runId);
    logMetric('parent_metric', 2);
    await endRun('KILLED');
    expect(activeRun()).toBeNull();

    const storedChild = await reader.getRun(child.info.runId);
    expect(tagsOf(storedChild)['mlflow.parentRunId']).toBe(parent.info.runId);
    expect(storedChild.info.status).toBe('FINISHED');
    expect(storedChild.data.metrics.map((m) => m.key)).toEqual(['child_metric']);
    const storedParent = await reader.getRun(parent.info.runId);
    expect(tagsOf(storedParent)['mlflow.parentRunId']).toBeUndefined();
    expect(storedParent.info.status).toBe('KILLED');
    expect(storedParent.data.metrics.map((m) => m.key)).toEqual(['parent_metric']);
  });

  it('ends nested runs still open when their parent ends', async () => {
    const parent = await startRun();
    const child = await startRun({ nested: true });
    await parent.end('FAILED');
    expect(activeRun()).toBeNull();
    expect((await reader.getRun(child.info.runId)).info.status).toBe('FAILED');
    expect((await reader.getRun(parent.info.runId)).info.status).toBe('FAILED');
  });

  it('ends a run FINISHED when an `await using` block is left', async () => {
    let runId: string;
    {
      await using run = await startRun({ runName: 'scoped' });
      runId = run.info.runId;
      logMetric('m', 3);
      expect(activeRun()?.info.runId).toBe(runId);
    }
    expect(activeRun()).toBeNull();
    const stored = await reader.getRun(runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(stored.data.metrics).toHaveLength(1);
  });

  it('withRun ends FINISHED on success and FAILED on error, rethrowing it', async () => {
    let okId = '';
    const result = await withRun(
      async (run) => {
        okId = run.info.runId;
        logMetric('x', 1);
        return 'done';
      },
      { runName: 'ok' },
    );
    expect(result).toBe('done');
    expect((await reader.getRun(okId)).info.status).toBe('FINISHED');

    let failedId = '';
    await expect(
      withRun(async (run) => {
        failedId = run.info.runId;
        throw new Error('training diverged');
      }),
    ).rejects.toThrow('training diverged');
    expect(activeRun()).toBeNull();
    expect((await reader.getRun(failedId)).info.status).toBe('FAILED');
  });

  it('stores artifacts: files, directories, text and dicts', async () => {
    const run = await startRun();
    const src = path.join(tmp, 'src-files');
    mkdirSync(path.join(src, 'nested'), { recursive: true });
    writeFileSync(path.join(src, 'model.bin'), 'weights');
    writeFileSync(path.join(src, 'nested', 'b.txt'), 'bee');
    await logArtifact(path.join(src, 'model.bin'), 'model');
    await logArtifacts(src, 'all');
    await logText('hello orrery', 'notes/readme.txt');
    await logDict({ lr: 0.1, layers: [64, 32], name: 'net', ok: true }, 'config.json');
    await logDict({ lr: 0.1, layers: [64, 32], name: 'net', nested: { a: null } }, 'config.yaml');
    await endRun();

    const runId = run.info.runId;
    const root = await reader.listArtifacts(runId);
    expect(root.map((f) => [f.path, f.isDir]).sort()).toEqual([
      ['all', true],
      ['config.json', false],
      ['config.yaml', false],
      ['model', true],
      ['notes', true],
    ]);
    expect(await reader.listArtifacts(runId, 'model')).toEqual([{ path: 'model/model.bin', isDir: false, fileSize: 7 }]);

    const dst = path.join(tmp, 'downloads');
    mkdirSync(dst);
    const notes = await reader.downloadArtifacts(runId, 'notes/readme.txt', dst);
    expect(readFileSync(notes, 'utf8')).toBe('hello orrery');
    const all = await reader.downloadArtifacts(runId, 'all', dst);
    expect(readFileSync(path.join(all, 'nested', 'b.txt'), 'utf8')).toBe('bee');
    const json = await reader.downloadArtifacts(runId, 'config.json', dst);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual({ lr: 0.1, layers: [64, 32], name: 'net', ok: true });
    const yaml = await reader.downloadArtifacts(runId, 'config.yaml', dst);
    expect(readFileSync(yaml, 'utf8')).toBe('lr: 0.1\nlayers:\n  - 64\n  - 32\nname: "net"\nnested:\n  a: null\n');
  });

  it('searches runs of the active experiment by default', async () => {
    const a = await withRun(async (run) => {
      await logParam('kind', 'a');
      logMetric('score', 1);
      return run.info.runId;
    });
    const b = await withRun(async (run) => {
      await logParam('kind', 'b');
      logMetric('score', 2);
      return run.info.runId;
    });
    const all = await searchRuns({ orderBy: ['metrics.score DESC'] });
    expect(all.items.map((r) => r.info.runId)).toEqual([b, a]);
    const filtered = await searchRuns({ filter: "params.kind = 'a'" });
    expect(filtered.items.map((r) => r.info.runId)).toEqual([a]);
  });

  it('resumes a finished run by id', async () => {
    const first = await startRun({ runName: 'resumable' });
    logMetric('m', 1, { step: 0 });
    await endRun();
    const resumed = await startRun({ runId: first.info.runId, tags: { resumed: 'yes' } });
    expect(resumed.info.status).toBe('RUNNING');
    logMetric('m', 2, { step: 1 });
    await endRun();
    const stored = await reader.getRun(first.info.runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(tagsOf(stored).resumed).toBe('yes');
    expect((await reader.getMetricHistory(first.info.runId, 'm')).map((m) => m.value)).toEqual([1, 2]);
  });

  it('resumes the run named by MLFLOW_RUN_ID on the first startRun only, as a child of orrery run does', async () => {
    const created = await reader.createRun('0', { runName: 'from-orrery-run' });
    process.env.MLFLOW_RUN_ID = created.info.runId;
    try {
      const resumed = await startRun();
      expect(resumed.info.runId).toBe(created.info.runId);
      expect(process.env.MLFLOW_RUN_ID).toBeUndefined();
      logMetric('loss', 0.5, { step: 0 });
      await endRun();
      const next = await startRun();
      expect(next.info.runId).not.toBe(created.info.runId);
      await endRun();
    } finally {
      delete process.env.MLFLOW_RUN_ID;
    }
    const stored = await reader.getRun(created.info.runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(stored.data.metrics.map((m) => [m.key, m.value])).toEqual([['loss', 0.5]]);
  });

  it('logMetric needs an active run and never returns a promise', async () => {
    expect(() => logMetric('m', 1)).toThrow(/no run is active/);
    const run = await startRun();
    expect(logMetric('m', 1)).toBeUndefined();
    expect(() => logMetric('bad key?', 1)).toThrow(/Invalid metric key/);
    await flush();
    expect((await reader.getRun(run.info.runId)).data.metrics).toHaveLength(1);
    await endRun();
  });

  it('starts a run for async logging calls when none is active, as MLflow does', async () => {
    expect(activeRun()).toBeNull();
    await logParam('auto', 'started');
    const run = activeRun();
    expect(run).not.toBeNull();
    await endRun();
    expect((await reader.getRun(run!.info.runId)).data.params).toEqual([{ key: 'auto', value: 'started' }]);
  });

  it('refuses a deleted experiment', async () => {
    const id = await reader.createExperiment('to-delete');
    await reader.deleteExperiment(id);
    await expect(setExperiment('to-delete')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    const byId = await setExperiment({ experimentId: '0' });
    expect(byId.name).toBe('Default');
  });
});

describe('run-context providers from installed plugins', () => {
  let project: string;

  beforeAll(() => {
    // A project with two third-party provider packages: one works, one throws when created.
    project = path.join(tmp, 'project');
    const write = (pkg: string, file: string, source: string, name: string) => {
      const dir = path.join(project, 'node_modules', pkg);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: pkg, version: '1.0.0', type: 'module', orrery: { runContextProvider: { [name]: `./${file}` } } }),
      );
      writeFileSync(path.join(dir, file), source);
    };
    write(
      'orrery-plugin-ci',
      'ci.js',
      `export default { kind: 'runContextProvider', apiVersion: 1, name: 'ci', create: () => ({
         name: 'ci', inContext: () => true, tags: () => ({ 'ci.job': '1234', 'orrery.host': 'from-ci' }) }) };`,
      'ci',
    );
    write(
      'orrery-plugin-broken',
      'broken.js',
      `export default { kind: 'runContextProvider', apiVersion: 1, name: 'broken', create: () => { throw new Error('no config file'); } };`,
      'broken',
    );
  });

  afterEach(() => {
    setClientOptions({ defaultArtifactRoot: artifactRoot });
  });

  it('merges third-party tags after the built-ins, skips a failing provider and logs it', async () => {
    const logger = recordingLogger();
    const registry = await discoverPlugins({
      cwd: project,
      builtinPackages: { from: new URL('../src/index.ts', import.meta.url), names: BUILTIN_PLUGIN_PACKAGES },
      logger,
    });
    setClientOptions({ registry, defaultArtifactRoot: artifactRoot, logger });
    const run = await startRun({ tags: { 'ci.job': 'user-value' } });
    await endRun();
    const tags = tagsOf(await reader.getRun(run.info.runId));
    // Third-party providers run after the built-ins, so they override them; user tags win over all.
    expect(tags).toMatchObject({ 'orrery.host': 'from-ci', 'ci.job': 'user-value', 'mlflow.source.type': 'LOCAL' });
    const warning = logger.records.find((r) => r.level === 'warn' && /broken/.test(r.msg ?? ''));
    expect(warning?.msg).toMatch(/orrery-plugin-broken/);
    expect(warning?.msg).toMatch(/no config file/);
  });
});

describe('process exit', () => {
  it('flushes buffered metrics and ends the active run FINISHED when the process exits on its own', async () => {
    // Runs the built client (dist/) in a child process that never calls endRun or flush.
    const clientDist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = path.join(tmp, 'exit-script.mjs');
    writeFileSync(
      script,
      `import * as orrery from ${JSON.stringify(pathToFileURL(clientDist).href)};
       orrery.setTrackingUri(${JSON.stringify(trackingUri)});
       orrery.setClientOptions({ defaultArtifactRoot: ${JSON.stringify(artifactRoot)} });
       await orrery.setExperiment('exit-experiment');
       const run = await orrery.startRun({ runName: 'left-open' });
       for (let i = 0; i < 2500; i += 1) orrery.logMetric('m', i, { step: i });
       console.log(run.info.runId);`,
    );
    const runId = execFileSync(process.execPath, [script], { encoding: 'utf8', cwd: tmp }).trim();
    const stored = await reader.getRun(runId);
    expect(stored.info.status).toBe('FINISHED');
    const history = await reader.getMetricHistory(runId, 'm');
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    // The script's own entry point and the run context came through discovery from dist/ too.
    expect(tagsOf(stored)['mlflow.source.name']).toBe(script);
  });
});
