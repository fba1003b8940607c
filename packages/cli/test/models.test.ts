/** `orrery models ...` and `orrery artifacts download --uri`, run as a child process on the built CLI. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryClient } from '@orrery/client';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let trackingUri: string;
let runId: string;

function orrery(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: dir,
        env: {
          ...process.env,
          ORRERY_TRACKING_URI: trackingUri,
          MLFLOW_TRACKING_URI: '',
          ORRERY_REGISTRY_URI: '',
          MLFLOW_REGISTRY_URI: '',
          ORRERY_PLUGINS: '',
          ORRERY_DEBUG: '',
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const result = await orrery(args);
  expect(result.stderr, `stderr of orrery ${args.join(' ')}`).toBe('');
  expect(result.code, `exit status of orrery ${args.join(' ')}`).toBe(0);
  return result.stdout;
}

async function okJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok(['--json', ...args])) as T;
}

/** A failure is exactly one `orrery: ...` line on stderr and the given exit status. */
async function fails(args: string[], status: number, message: RegExp): Promise<void> {
  const result = await orrery(args);
  expect(result.code, `exit status of orrery ${args.join(' ')}`).toBe(status);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^orrery: /);
  expect(lines[0]).toMatch(message);
  expect(result.stdout).toBe('');
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-cli-models-')));
  trackingUri = `sqlite:///${path.join(dir, 'tracking.db')}`;
  const client = await OrreryClient.create({ trackingUri, defaultArtifactRoot: pathToFileURL(path.join(dir, 'artifacts')).href });
  try {
    const experimentId = await client.createExperiment('training');
    const run = await client.createRun(experimentId, { runName: 'train-1' });
    runId = run.info.runId;
    await client.logParam(runId, 'alpha', '0.5');
    await client.logMetric(runId, 'rmse', 0.25);
    const local = mkdtempSync(path.join(dir, 'model-'));
    writeFileSync(path.join(local, 'MLmodel'), 'flavor: cli\n');
    await client.logArtifacts(runId, local, 'model');
  } finally {
    await client.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('orrery models', () => {
  it('creates, lists, describes, tags, renames and deletes registered models', async () => {
    expect(await ok(['models', 'create', 'churn', '--description', 'predicts churn', '--tag', 'team=growth'])).toBe('Created registered model "churn"\n');
    const table = await ok(['models', 'list']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+LATEST VERSIONS\s+ALIASES\s+UPDATED\s+DESCRIPTION$/);
    expect(table).toMatch(/churn .*predicts churn/);
    await ok(['models', 'tag', 'churn', 'owner=ada', '--delete', 'team']);
    const described = await okJson<{ name: string; tags: unknown[] }>(['models', 'describe', 'churn']);
    expect(described).toMatchObject({ name: 'churn', tags: [{ key: 'owner', value: 'ada' }] });
    expect(await ok(['models', 'rename', 'churn', 'churn-v2'])).toBe('Renamed registered model "churn" to "churn-v2"\n');
    const listed = await okJson<Array<{ name: string }>>(['models', 'list', '--filter', "name LIKE 'churn%'"]);
    expect(listed.map((m) => m.name)).toEqual(['churn-v2']);
    await ok(['models', 'delete', 'churn-v2']);
    expect(await okJson<unknown[]>(['models', 'list'])).toEqual([]);
  });

  it('registers versions from runs:/ URIs, stages them, aliases them, shows lineage, and downloads by URI', async () => {
    expect(await ok(['models', 'versions', 'create', 'fraud', '--source', `runs:/${runId}/model`, '--description', 'first'])).toBe(
      'Created version 1 of registered model "fraud"\n',
    );
    await ok(['models', 'versions', 'create', 'fraud', '--source', `runs:/${runId}/model`]);
    expect(await ok(['models', 'versions', 'stage', 'fraud', '1', 'production'])).toBe('Moved version 1 of registered model "fraud" to Production\n');
    expect(await ok(['models', 'alias', 'set', 'fraud', 'champion', '2'])).toMatch(/now points at version 2/);

    const versions = await ok(['models', 'versions', 'list', 'fraud']);
    const [header, ...rows] = versions.trimEnd().split('\n');
    expect(header).toMatch(/^VERSION\s+STAGE\s+STATUS\s+ALIASES\s+RUN ID\s+CREATED\s+SOURCE$/);
    expect(rows.map((r) => r.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['2', 'None', 'READY', 'champion'],
      ['1', 'Production', 'READY', runId],
    ]);

    const describe = await ok(['models', 'versions', 'describe', 'fraud', '1']);
    expect(describe).toMatch(new RegExp(`Run ID\\s+${runId}`));
    expect(describe).toMatch(/Experiment\s+1 \(training\)/);
    expect(describe).toMatch(new RegExp(`Link\\s+#/experiments/1/runs/${runId}`));
    expect(describe).toMatch(/Param alpha\s+0\.5/);
    expect(describe).toMatch(/Metric rmse\s+0\.25/);
    const modelDescribe = await ok(['models', 'describe', 'fraud']);
    expect(modelDescribe).toMatch(/Aliases\s+champion→2/);

    const behind = await okJson<Array<{ run: { runId: string } }>>(['models', 'runs-behind', 'fraud', '--stage', 'Production']);
    expect(behind.map((l) => l.run.runId)).toEqual([runId]);

    const dst = path.join(dir, 'dl-alias');
    expect((await ok(['artifacts', 'download', '--uri', 'models:/fraud@champion', '--dst', dst])).trim()).toBe(dst);
    expect(readFileSync(path.join(dst, 'MLmodel'), 'utf8')).toBe('flavor: cli\n');
    const dstStage = path.join(dir, 'dl-stage');
    await ok(['artifacts', 'download', '--uri', 'models:/fraud/Production', '--dst', dstStage]);
    expect(readFileSync(path.join(dstStage, 'MLmodel'), 'utf8')).toBe('flavor: cli\n');
    const dstRun = path.join(dir, 'dl-run');
    expect((await ok(['artifacts', 'download', '--uri', `runs:/${runId}/model`, '--dst', dstRun])).trim()).toBe(path.join(dstRun, 'model'));

    await ok(['models', 'alias', 'delete', 'fraud', 'champion']);
    await ok(['models', 'versions', 'delete', 'fraud', '2']);
    expect((await okJson<unknown[]>(['models', 'versions', 'list', 'fraud'])).length).toBe(1);
  });

  it('refuses bad input with one line and a non-zero exit, changing nothing', async () => {
    await ok(['models', 'create', 'safe']);
    await ok(['models', 'versions', 'create', 'safe', '--source', `runs:/${runId}/model`]);
    const before = await ok(['--json', 'models', 'describe', 'safe']);

    await fails(['models', 'create', 'bad/name'], 1, /Invalid model name 'bad\/name'/);
    await fails(['models', 'versions', 'describe', 'safe', '7'], 1, /RESOURCE_DOES_NOT_EXIST|not found|does not exist|no version/i);
    await fails(['models', 'alias', 'set', 'safe', 'champion', '9'], 1, /9/);
    await fails(['models', 'versions', 'describe', 'safe', 'one'], 1, /'one'/);
    await fails(['models', 'versions', 'stage', 'safe', '1', 'Live'], 1, /Invalid model version stage 'Live' for parameter 'stage': it must be one of None, Staging, Production, Archived/);
    await fails(['models', 'tag', 'safe', `k=${'v'.repeat(5001)}`], 1, /5000/);
    await fails(['artifacts', 'download', '--uri', 'models:/safe/Prod'], 1, /Invalid model URI 'models:\/safe\/Prod'/);
    await fails(['artifacts', 'download', '--uri', 'models:/safe/1', '--run-id', runId], 2, /exactly one of --run-id or --uri/);
    await fails(['models', 'versions', 'describe', 'ghost', '1'], 1, /ghost/);

    expect(await ok(['--json', 'models', 'describe', 'safe'])).toBe(before);
  });
});
