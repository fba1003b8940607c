import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { QueueProjectBackend, queueLocationFrom } from '@orrery/plugin-queue';
import { ORRERY_PROJECT_TAGS } from '@orrery/projects';
import { freeTcpPort, getTestService, runProjectBackendConformance, uniqueNamespace } from '@orrery/testkit';
import { startWorkerProcess, type WorkerProcess } from './queue-workers.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'orrery-queue-backend-')));
const trackingUri = `sqlite:///${join(dir, 'tracking.db')}`;
let store: TrackingStore | undefined;
const workers: WorkerProcess[] = [];
/** Sleeps orphaned by workers killed with -9 (the test kills them). */
const orphans: number[] = [];

async function redisUrl(): Promise<string> {
  return (await getTestService('redis')).url;
}

async function openStore(): Promise<TrackingStore> {
  store ??= await openSqliteTrackingStore(trackingUri, { defaultArtifactRoot: `file://${join(dir, 'artifacts')}` });
  return store;
}

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const queue = uniqueNamespace('projects');

/**
 * The file's worker processes, started at once (a CLI start costs seconds on a loaded machine) on
 * one queue: four run the conformance suite, the retry test kills one and the lost-retry test two
 * more, leaving one to find the job that was lost twice.
 */
const started = (async () => {
  const url = await redisUrl();
  const all = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((name) => startWorkerProcess({ redisUrl: url, queue, name })));
  workers.push(...all);
  return new Map(all.map((worker) => [worker.name, worker]));
})();

runProjectBackendConformance({
  name: 'queue (four orrery worker processes)',
  async open() {
    await started;
    return new QueueProjectBackend({ redisUrl: await redisUrl(), queue, prefix: 'bull' });
  },
  async tracking() {
    return { store: await openStore(), trackingUri };
  },
});

const HOLD_MLPROJECT = `name: hold
entry_points:
  hold:
    parameters:
      dir: string
      succeed_on: {type: int, default: 0}
    command: "sh hold.sh {dir} {succeed_on}"
`;

// Attempt n writes attempt<n>.pid (its sleep's pid) and holds until killed, unless it is the one
// told to succeed.
const HOLD_SH = `n=1
while [ -e "$1/attempt$n.pid" ]; do n=$((n+1)); done
if [ "$n" = "$2" ]; then echo "attempt $n succeeds"; exit 0; fi
sleep 60 &
echo $! > "$1/attempt$n.tmp" && mv "$1/attempt$n.tmp" "$1/attempt$n.pid"
wait
`;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('queue backend: lost workers', () => {
  let project: string;
  let url: string;

  beforeAll(async () => {
    url = await redisUrl();
    project = join(dir, 'hold');
    rmSync(project, { recursive: true, force: true });
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'MLproject'), HOLD_MLPROJECT);
    writeFileSync(join(project, 'hold.sh'), HOLD_SH);
  });

  async function submitHold(succeedOn: number) {
    const tracking = await openStore();
    const marks = mkdtempSync(join(dir, 'marks-'));
    const run = await tracking.createRun({ experimentId: '0', tags: [] });
    const backend = new QueueProjectBackend({ redisUrl: url, queue, prefix: 'bull' });
    const execution = await backend.submit({
      uri: project,
      entryPoint: 'hold',
      parameters: { dir: marks, succeed_on: String(succeedOn) },
      experimentId: '0',
      runId: run.info.runId,
      trackingUri,
      backendConfig: {},
    });
    const attemptStarted = async (n: number) => {
      await until(() => existsSync(join(marks, `attempt${n}.pid`)), `attempt ${n} to start`);
      orphans.push(Number(readFileSync(join(marks, `attempt${n}.pid`), 'utf8')));
    };
    return { backend, execution, runId: run.info.runId, attemptStarted, tracking };
  }

  /** The worker whose attempt is running now, from the run's tag (set before the child starts). */
  async function holder(runId: string): Promise<WorkerProcess> {
    const tracking = await openStore();
    const tags = Object.fromEntries((await tracking.getRun(runId)).data.tags.map((t) => [t.key, t.value]));
    const worker = (await started).get(tags[ORRERY_PROJECT_TAGS.worker] ?? '');
    if (worker === undefined) throw new Error(`no worker named in the run's tags: ${JSON.stringify(tags)}`);
    return worker;
  }

  it('retries the job of a worker killed with -9 once, on another worker, in the same run', async () => {
    await started;
    const job = await submitHold(2);
    await job.attemptStarted(1);
    const lost = await holder(job.runId);
    lost.child.kill('SIGKILL');
    expect(await job.backend.wait(job.execution.id, { timeoutMs: 20_000 })).toMatchObject({ state: 'FINISHED', exitCode: 0 });
    const run = await job.tracking.getRun(job.runId);
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    const rescuer = tags[ORRERY_PROJECT_TAGS.worker];
    expect(run.info.status).toBe('FINISHED');
    expect(tags[ORRERY_PROJECT_TAGS.attempts]).toBe('2');
    expect(rescuer).toMatch(/^w[1-4]$/);
    expect(rescuer).not.toBe(lost.name);
    const output: string[] = [];
    for await (const chunk of job.backend.logs(job.execution.id)) output.push(chunk.text);
    const text = output.join('');
    expect(text).toContain(`attempt 2 of this execution, on worker ${rescuer}`);
    expect(text).toContain('attempt 2 succeeds');
    await job.backend.close();
  });

  it('fails the run, naming the lost worker, when the retry is lost too', async () => {
    await started;
    const job = await submitHold(0);
    await job.attemptStarted(1);
    const first = await holder(job.runId);
    first.child.kill('SIGKILL');
    await job.attemptStarted(2);
    const second = await holder(job.runId);
    expect(second.name).not.toBe(first.name);
    second.child.kill('SIGKILL');
    const status = await job.backend.wait(job.execution.id, { timeoutMs: 20_000 });
    expect(status.state).toBe('FAILED');
    expect(status.message).toContain(second.name);
    await until(async () => (await job.tracking.getRun(job.runId)).info.status === 'FAILED', 'the run to end FAILED');
    const tags = Object.fromEntries((await job.tracking.getRun(job.runId)).data.tags.map((t) => [t.key, t.value]));
    expect(tags[ORRERY_PROJECT_TAGS.lostWorker]).toBe(second.name);
    expect(tags[ORRERY_PROJECT_TAGS.attempts]).toBe('2');
    await job.backend.close();
  });
});

describe('queue backend configuration', () => {
  it('refuses unknown keys and bad values, and an unreachable Redis at once with its URL redacted', async () => {
    expect(() => queueLocationFrom({ redis_url: 'redis://127.0.0.1:6379', queues: 'x' })).toThrow('Unknown queue backend config "queues"; known: redis_url, queue, prefix.');
    expect(() => queueLocationFrom({ redis_url: 'http://127.0.0.1' })).toThrow('"redis_url" must be a redis:// or rediss:// URL');
    expect(queueLocationFrom({})).toEqual({ redisUrl: 'redis://127.0.0.1:6379', queue: 'orrery-projects', prefix: 'bull' });
    const port = await freeTcpPort();
    const unreachable = QueueProjectBackend.checkReachable(queueLocationFrom({ redis_url: `redis://user:secret@127.0.0.1:${port}` }));
    await expect(unreachable).rejects.toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE', message: expect.stringContaining(`redis://user:***@127.0.0.1:${port}`) });
    await expect(unreachable).rejects.toMatchObject({ message: expect.not.stringContaining('secret') });
  });
});
