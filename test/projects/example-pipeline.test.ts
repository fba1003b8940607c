import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '@orrery/cli';
import type { Run, TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { getTestService, uniqueNamespace } from '@orrery/testkit';
import { startWorkerProcess, type WorkerProcess } from '../../plugins/queue/test/queue-workers.js';
import { cleanEnv, orrery } from './cli-runner.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/projects/pipeline', import.meta.url));

let dir: string;
let trackingUri: string;
let store: TrackingStore;
let worker: Promise<WorkerProcess> | undefined;
let redisUrl: string;
const queue = uniqueNamespace('projects');

const tagsOf = (run: Run) => Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'orrery-example-')));
  trackingUri = `sqlite:///${join(dir, 'tracking.db')}`;
  store = await openSqliteTrackingStore(trackingUri, { defaultArtifactRoot: `file://${join(dir, 'artifacts')}` });
  redisUrl = (await getTestService('redis')).url;
  // Started now so its start overlaps the local run.
  worker = startWorkerProcess({ redisUrl, queue, name: 'example-worker', concurrency: 2 });
});
afterAll(async () => {
  await (await worker?.catch(() => undefined))?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The pipeline run and its step runs, by step name. */
async function pipelineRuns(stderr: string): Promise<{ parent: Run; steps: Record<string, Run> }> {
  const parentId = /=== Running pipeline 'all' \(4 steps\) in run with ID '([0-9a-f]{32})' ===/.exec(stderr)![1]!;
  const parent = await store.getRun(parentId);
  const children = await store.searchRuns({ experimentIds: [parent.info.experimentId], filter: `tags.\`mlflow.parentRunId\` = '${parentId}'`, maxResults: 100 });
  return { parent, steps: Object.fromEntries(children.items.map((run) => [tagsOf(run)['orrery.pipeline.step']!, run])) };
}

describe('the example pipeline (examples/projects/pipeline)', () => {
  it('runs on the local backend as nested runs, passes outputs on, and skips unchanged steps the second time', async () => {
    const first = await orrery(['run', EXAMPLE, '-e', 'all', '-P', 'rows=12', '--experiment-name', 'example-local'], { cwd: dir, trackingUri });
    expect(first.stderr).toContain("[all] step 'evaluate': FINISHED");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('[prepare] prepared 12 rows');
    expect(first.stdout).toMatch(/\[evaluate\] evaluation mse \d/);
    const { parent, steps } = await pipelineRuns(first.stderr);
    expect(parent.info.status).toBe('FINISHED');
    expect(Object.keys(steps).sort()).toEqual(['evaluate', 'prepare', 'stats', 'train']);
    expect(Object.values(steps).map((run) => run.info.status)).toEqual(['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);
    // train logged into its own step run through @orrery/client (MLFLOW_RUN_ID).
    expect(steps.train!.data.metrics.map((m) => m.key)).toEqual(['loss']);
    expect(steps.train!.data.params.find((p) => p.key === 'data')?.value).toBe(`${steps.prepare!.info.artifactUri.replace(/^file:\/\//, '')}/outputs/dataset`);

    const second = await orrery(['run', EXAMPLE, '-e', 'all', '-P', 'rows=12', '--experiment-name', 'example-local'], { cwd: dir, trackingUri });
    expect(second.code).toBe(0);
    expect(second.stderr.match(/: cached, reusing the outputs of run/g)).toHaveLength(4);
    const again = await pipelineRuns(second.stderr);
    expect(tagsOf(again.steps.train!)['orrery.pipeline.cachedFrom']).toBe(steps.train!.info.runId);

    // A changed parameter reruns the steps that read it, and only those.
    const third = await orrery(['run', EXAMPLE, '-e', 'all', '-P', 'rows=12', '-P', 'lr=0.2', '--experiment-name', 'example-local'], { cwd: dir, trackingUri });
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/step 'prepare': cached/);
    expect(third.stderr).toMatch(/step 'stats': cached/);
    expect(third.stderr).toMatch(/step 'train': running/);
    expect(third.stderr).toMatch(/step 'evaluate': running/);
  });

  it('runs on the queue backend through an orrery worker', async () => {
    await worker;
    const config = JSON.stringify({ redis_url: redisUrl, queue });
    const result = await orrery(['run', EXAMPLE, '-e', 'all', '-b', 'queue', '--backend-config', config, '--experiment-name', 'example-queue'], { cwd: dir, trackingUri });
    expect(result.stderr).toContain(`=== Run (ID '`);
    expect(result.code).toBe(0);
    const { parent, steps } = await pipelineRuns(result.stderr);
    expect(parent.info.status).toBe('FINISHED');
    expect(tagsOf(parent)['mlflow.project.backend']).toBe('queue');
    expect(Object.values(steps).map((run) => run.info.status)).toEqual(['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);
    expect(tagsOf(steps.train!)['orrery.project.worker']).toBe('example-worker');
    expect(steps.train!.data.metrics.map((m) => m.key)).toEqual(['loss']);
  });

  it('returns at once with --no-wait; orrery executions then follows the execution from another command', async () => {
    await worker;
    const config = JSON.stringify({ redis_url: redisUrl, queue });
    const submitted = await inProcess(['run', EXAMPLE, '-e', 'prepare', '-P', 'rows=5', '-b', 'queue', '-c', config, '--no-wait']);
    expect(submitted.code).toBe(0);
    const executionId = submitted.stdout.trim();
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    const status = await inProcess(['--json', 'executions', 'status', executionId, '--wait', '-b', 'queue', '-c', config]);
    expect(JSON.parse(status.stdout)).toMatchObject([{ id: executionId, state: 'FINISHED', exitCode: 0 }]);
    expect((await inProcess(['executions', 'logs', executionId, '-b', 'queue', '-c', config])).stdout).toBe('prepared 5 rows\n');
    const missing = await inProcess(['executions', 'cancel', '00000000-0000-0000-0000-000000000000', '-b', 'queue', '-c', config]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^orrery: No execution '00000000-0000-0000-0000-000000000000' in queue/);
  });
});

/** The CLI in this process, its stdout captured (a process start costs seconds on a loaded machine). */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const capture = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  const captureErr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCli(['--tracking-uri', trackingUri, ...args], { stderr: (text) => (stderr += text), env: cleanEnv() });
    return { code, stdout, stderr };
  } finally {
    capture.mockRestore();
    captureErr.mockRestore();
  }
}
