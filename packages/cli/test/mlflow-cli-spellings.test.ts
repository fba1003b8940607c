import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryClient } from '@orrery/client';
import { createProgram } from '../src/program.js';
import { ok } from './in-process-cli.js';

let dir: string;
let uri: string;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-mlflow-cli-')));
  uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the commands an MLflow user types', () => {
  it('experiments create -n, experiments csv, runs list -v, runs describe/delete/restore --run-id, artifacts log-artifact(s)/list/download', async () => {
    const t = ['--tracking-uri', uri];
    const created = await ok([...t, 'experiments', 'create', '-n', 'churn', '-l', `file://${dir}/churn-artifacts`]);
    const experimentId = /with id (\d+)/.exec(created.stdout)![1]!;
    const client = await OrreryClient.create({ trackingUri: uri });
    const run = await client.createRun(experimentId, { runName: 'first' });
    await client.logParam(run.info.runId, 'depth', 4);
    await client.logMetric(run.info.runId, 'auc', 0.91);
    await client.close();
    const runId = run.info.runId;

    const csvFile = path.join(dir, 'runs.csv');
    await ok([...t, 'experiments', 'csv', '-x', experimentId, '-o', csvFile]);
    const [header, row] = readFileSync(csvFile, 'utf8').trimEnd().split('\n');
    expect(header).toBe('run_id,experiment_id,status,artifact_uri,start_time,end_time,params.depth,metrics.auc,tags.mlflow.runName');
    expect(row).toMatch(new RegExp(`^${runId},${experimentId},RUNNING,file://.*,4,0.91,first$`));

    expect((await ok([...t, 'runs', 'describe', '--run-id', runId])).stdout).toContain('depth');
    await ok([...t, 'runs', 'delete', '--run-id', runId]);
    expect((await ok([...t, 'runs', 'list', '--experiment-id', experimentId, '-v', 'deleted_only'])).stdout).toContain(runId);
    await ok([...t, 'runs', 'restore', '--run-id', runId]);
    expect((await ok([...t, 'runs', 'list', '--experiment-id', experimentId, '-v', 'active_only'])).stdout).toContain(runId);

    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'hello');
    const folder = path.join(dir, 'model');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'MLmodel'), 'flavors: {}\n');
    expect((await ok([...t, 'artifacts', 'log-artifact', '-l', file, '-r', runId, '-a', 'docs'])).stdout).toContain('Logged artifact from local file');
    await ok([...t, 'artifacts', 'log-artifacts', '-l', folder, '-r', runId, '-a', 'model']);
    expect((await ok([...t, 'artifacts', 'list', '-r', runId, '-a', 'model'])).stdout).toContain('model/MLmodel');
    const dst = path.join(dir, 'downloaded');
    mkdirSync(dst);
    const downloaded = (await ok([...t, 'artifacts', 'download', '-r', runId, '-a', 'docs/notes.txt', '-d', dst])).stdout.trim();
    expect(readFileSync(downloaded, 'utf8')).toBe('hello');
    const viaUri = (await ok([...t, 'artifacts', 'download', '-u', `runs:/${runId}/model/MLmodel`, '--dst-path', dst])).stdout.trim();
    expect(readFileSync(viaUri, 'utf8')).toBe('flavors: {}\n');
    // Orrery's own spellings stay.
    expect((await ok([...t, 'runs', 'describe', runId])).stdout).toContain('auc');
  });

  it('orrery server takes -h as the host and accepts --expose-prometheus and --gunicorn-opts', () => {
    const server = createProgram().commands.find((c) => c.name() === 'server')!;
    server.exitOverride();
    const parsed = server.parseOptions(['-h', '0.0.0.0', '--expose-prometheus', '/tmp/prom', '--gunicorn-opts', '--timeout 60']);
    expect(parsed.unknown).toEqual([]);
    expect(server.opts()).toMatchObject({ host: '0.0.0.0', exposePrometheus: '/tmp/prom', gunicornOpts: '--timeout 60' });
  });
});
