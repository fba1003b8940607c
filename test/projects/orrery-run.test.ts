import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { freeTcpPort } from '@orrery/testkit';
import { runCli } from '@orrery/cli';
import { cleanEnv, orrery } from './cli-runner.js';

let dir: string;
let trackingUri: string;
let store: TrackingStore;

const PYTHON_PROJECT = `name: env-contract
entry_points:
  main:
    parameters:
      alpha: float
      l1: {type: float, default: 0.5}
    command: "python3 train.py --alpha {alpha} --l1 {l1}"
`;

// No MLflow here (no PyPI): the script checks the environment contract a Python client relies on.
const TRAIN_PY = `import json, os, sys
with open(os.environ["ENV_REPORT"], "w") as f:
    json.dump({"argv": sys.argv[1:], "env": {k: v for k, v in os.environ.items() if k.startswith("MLFLOW_")}}, f)
`;

const SHELL_PROJECT = (greeting: string) => `name: shell
entry_points:
  main:
    parameters:
      code: {type: int, default: 0}
    command: "echo ${greeting}; exit {code}"
`;

const tags = (run: Run) => Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
const params = (run: Run) => Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
const runIdIn = (stderr: string) => /in run with ID '([0-9a-f]{32})'/.exec(stderr)?.[1];
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' }).trim();

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Failures only: the CLI in this process (a process start costs seconds on a loaded machine). */
async function inProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(['--tracking-uri', trackingUri, ...args], { stderr: (text) => (stderr += text), env: cleanEnv() });
  return { code, stderr };
}

async function allRuns(): Promise<Run[]> {
  const experiments = await store.searchExperiments({ viewType: 'ALL', maxResults: 1000 });
  return (await store.searchRuns({ experimentIds: experiments.items.map((e) => e.experimentId), runViewType: 'ALL', maxResults: 1000 })).items;
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'orrery-run-')));
  trackingUri = `sqlite:///${join(dir, 'tracking.db')}`;
  store = await openSqliteTrackingStore(trackingUri, { defaultArtifactRoot: `file://${join(dir, 'artifacts')}` });
  mkdirSync(join(dir, 'py'));
  writeFileSync(join(dir, 'py', 'MLproject'), PYTHON_PROJECT);
  writeFileSync(join(dir, 'py', 'train.py'), TRAIN_PY);
  mkdirSync(join(dir, 'sh'));
  writeFileSync(join(dir, 'sh', 'MLproject'), SHELL_PROJECT('hello'));
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('orrery run on a local directory', () => {
  it("runs the entry point as mlflow run does: messages, MLflow's tags, quoted params and the child's environment", async () => {
    const report = join(dir, 'env.json');
    const result = await orrery(['run', 'py', '-P', 'alpha=0.3', '-P', 'beta=7', '-P', 'gamma=a b', '--experiment-name', 'projects'], {
      cwd: dir,
      trackingUri,
      env: { ENV_REPORT: report },
    });
    expect(result.stderr).toContain("'projects' does not exist. Creating a new experiment");
    expect(result.code).toBe(0);
    const runId = runIdIn(result.stderr)!;
    expect(result.stderr).toContain(`=== Running command 'python3 train.py --alpha 0.3 --l1 0.5 --beta 7 --gamma '"'"'a b'"'"'' in run with ID '${runId}' === \n`.replace(`'"'"'a b'"'"'`, "'a b'"));
    expect(result.stderr).toContain(`=== Run (ID '${runId}') succeeded ===`);
    const run = await store.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(params(run)).toEqual({ alpha: '0.3', l1: '0.5', beta: '7', gamma: "'a b'" });
    const { 'mlflow.runName': runName, ...rest } = tags(run);
    expect(runName).toBe(run.info.runName);
    expect(rest).toEqual({
      'mlflow.project.backend': 'local',
      'mlflow.project.entryPoint': 'main',
      'mlflow.source.name': join(dir, 'py'),
      'mlflow.source.type': 'PROJECT',
      'mlflow.user': userInfo().username,
      'orrery.project.executionId': expect.stringMatching(/^local-/),
    });
    const child = JSON.parse(readFileSync(report, 'utf8')) as { argv: string[]; env: Record<string, string> };
    expect(child.argv).toEqual(['--alpha', '0.3', '--l1', '0.5', '--beta', '7', '--gamma', 'a b']);
    expect(child.env).toEqual({ MLFLOW_RUN_ID: runId, MLFLOW_TRACKING_URI: trackingUri, MLFLOW_EXPERIMENT_ID: run.info.experimentId });
  });

  it("exits with the child's exit code and ends the run FAILED", async () => {
    const result = await orrery(['run', 'sh', '-P', 'code=3'], { cwd: dir, trackingUri });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('hello\n');
    const runId = runIdIn(result.stderr)!;
    expect(result.stderr).toContain(`=== Run (ID '${runId}') failed ===`);
    expect((await store.getRun(runId)).info.status).toBe('FAILED');
  });

  it('refuses a missing or mistyped parameter before creating any run', async () => {
    const before = (await allRuns()).length;
    expect(await inProcess(['run', join(dir, 'py')])).toEqual({ code: 1, stderr: "orrery: No value given for missing parameters: 'alpha'\n" });
    expect(await inProcess(['run', join(dir, 'py'), '-P', 'alpha=abc'])).toEqual({ code: 1, stderr: "orrery: Parameter 'alpha' is a float, got 'abc'.\n" });
    expect((await allRuns()).length).toBe(before);
  });

  it('says what virtualenv and conda environments need', async () => {
    const result = await inProcess(['run', join(dir, 'sh'), '--env-manager', 'virtualenv']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^orrery: --env-manager virtualenv needs pyenv and virtualenv .* use --env-manager local\.\n$/);
    expect((await inProcess(['run', join(dir, 'sh'), '--env-manager', 'conda'])).stderr).toMatch(/needs conda \(or mamba\) on PATH/);
  });
});

describe('orrery run on git repositories', () => {
  let repo: string;
  let v1: string;
  let daemon: ChildProcess | undefined;
  let port: number;

  beforeAll(async () => {
    repo = join(dir, 'repo');
    mkdirSync(join(repo, 'project'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'project', 'MLproject'), SHELL_PROJECT('version-one'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'one');
    git(repo, 'tag', 'v1');
    v1 = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'project', 'MLproject'), SHELL_PROJECT('version-two'));
    git(repo, 'commit', '-qam', 'two');
    git(dir, 'clone', '-q', '--bare', repo, join(dir, 'served', 'repo.git'));
    port = await freeTcpPort();
    daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${join(dir, 'served')}`, '--listen=127.0.0.1', `--port=${port}`, join(dir, 'served')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const deadline = Date.now() + 10_000;
    while (!(await listening(port))) {
      if (Date.now() > deadline) throw new Error('git daemon did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(() => {
    daemon?.kill();
  });

  it('checks out --version of a file:// repository and runs its #subdirectory, with the git tags', async () => {
    const uri = `file://${repo}#project`;
    const result = await orrery(['run', uri, '--version', 'v1'], { cwd: dir, trackingUri });
    expect(result.stdout).toBe('version-one\n');
    expect(result.code).toBe(0);
    const run = await store.getRun(runIdIn(result.stderr)!);
    expect(tags(run)).toMatchObject({ 'mlflow.source.name': uri, 'mlflow.source.git.commit': v1, 'mlflow.source.git.repoURL': `file://${repo}`, 'mlflow.gitRepoURL': `file://${repo}` });
  });

  it('clones a git:// repository served by git daemon (default branch)', async () => {
    const result = await orrery(['run', `git://127.0.0.1:${port}/repo.git#project`], { cwd: dir, trackingUri });
    expect(result.stderr).toMatch(/succeeded/);
    expect(result.stdout).toBe('version-two\n');
  });

  it('names a version that does not exist in one line', async () => {
    const result = await inProcess(['run', `file://${repo}#project`, '--version', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^orrery: git checkout failed: .*nope.*\n$/);
  });
});
