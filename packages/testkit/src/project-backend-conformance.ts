import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, type ProjectBackend, type ProjectLogChunk, type ProjectSubmission, type TrackingStore } from '@orrery/core';

export interface ProjectBackendConformanceOptions {
  name: string;
  /** Opens the backend under test (with whatever workers it needs already running); closed by the suite. */
  open(): Promise<ProjectBackend>;
  /** The tracking store the executions log to, and its URI as the executing side opens it. */
  tracking(): Promise<{ store: TrackingStore; trackingUri: string }>;
  /** Called after the suite (stop workers, close the store). */
  cleanup?(): Promise<void>;
}

const MLPROJECT = `name: conformance
entry_points:
  main:
    parameters:
      message: {type: string, default: hello}
      code: {type: int, default: 0}
    command: "sh report.sh {message} {code}"
  ticks:
    command: "sh ticks.sh"
  sleep:
    parameters:
      pidfile: string
    command: "sleep 60 & echo $! > {pidfile}.tmp && mv {pidfile}.tmp {pidfile}; wait"
`;

// Shell rather than Python: the suite checks the contract, and a shell starts in a few milliseconds.
const REPORT_SH = `echo "message: $1"
env | grep '^MLFLOW_' | sort
echo "to stderr" >&2
exit "$2"
`;

// Waits until the test has read the first line, so "streamed while running" does not depend on timing.
const TICKS_SH = `echo "tick 1"
while [ ! -e release ]; do sleep 0.05; done
echo "tick 2"
`;


async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Registers the ProjectBackend conformance suite: submit, status, wait, logs (after the end and
 * followed while running), list, cancel (the process group dies, the run ends KILLED), unknown ids,
 * and the child's environment contract (`MLFLOW_RUN_ID`, `MLFLOW_TRACKING_URI`,
 * `MLFLOW_EXPERIMENT_ID`). Every backend runs it unchanged.
 */
export function runProjectBackendConformance(options: ProjectBackendConformanceOptions): void {
  describe(`ProjectBackend conformance: ${options.name}`, () => {
    let backend: ProjectBackend;
    let store: TrackingStore;
    let trackingUri: string;
    let dir: string;

    beforeAll(async () => {
      dir = realpathSync(mkdtempSync(join(tmpdir(), 'orrery-backend-conformance-')));
      writeFileSync(join(dir, 'MLproject'), MLPROJECT);
      writeFileSync(join(dir, 'report.sh'), REPORT_SH);
      writeFileSync(join(dir, 'ticks.sh'), TICKS_SH);
      ({ store, trackingUri } = await options.tracking());
      backend = await options.open();
    });
    afterAll(async () => {
      await backend?.close();
      await options.cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    });

    async function submission(entryPoint: string, parameters: Record<string, string> = {}): Promise<ProjectSubmission> {
      const run = await store.createRun({ experimentId: '0', tags: [] });
      return { uri: dir, entryPoint, parameters, experimentId: '0', runId: run.info.runId, trackingUri, backendConfig: {} };
    }

    async function allLogs(id: string): Promise<ProjectLogChunk[]> {
      const chunks: ProjectLogChunk[] = [];
      for await (const chunk of backend.logs(id)) chunks.push(chunk);
      return chunks;
    }

    it('runs an entry point with the run in its environment and ends the run FINISHED', async () => {
      const sub = await submission('main', { message: 'hi there', code: '0' });
      const execution = await backend.submit(sub);
      expect(execution).toMatchObject({ runId: sub.runId, backend: backend.name });
      const status = await backend.wait(execution.id);
      expect(status).toMatchObject({ id: execution.id, runId: sub.runId, state: 'FINISHED', exitCode: 0 });
      expect(await backend.status(execution.id)).toMatchObject({ state: 'FINISHED' });
      const chunks = await allLogs(execution.id);
      const stdout = chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
      expect(stdout).toContain('message: hi there');
      const env = Object.fromEntries(stdout.split('\n').filter((line) => line.startsWith('MLFLOW_')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      expect(env).toEqual({ MLFLOW_EXPERIMENT_ID: '0', MLFLOW_RUN_ID: sub.runId, MLFLOW_TRACKING_URI: trackingUri });
      expect(chunks.filter((c) => c.stream === 'stderr').map((c) => c.text).join('')).toContain('to stderr');
      expect((await store.getRun(sub.runId)).info.status).toBe('FINISHED');
      const listed = await backend.list({ runId: sub.runId });
      expect(listed.map((s) => [s.id, s.state])).toEqual([[execution.id, 'FINISHED']]);
      expect((await backend.list({ states: ['FINISHED'] })).map((s) => s.id)).toContain(execution.id);
    });

    it('ends a failing entry point FAILED with its exit code', async () => {
      const sub = await submission('main', { code: '3' });
      const execution = await backend.submit(sub);
      expect(await backend.wait(execution.id)).toMatchObject({ state: 'FAILED', exitCode: 3 });
      expect((await store.getRun(sub.runId)).info.status).toBe('FAILED');
    });

    it('streams output while the entry point still runs', async () => {
      const sub = await submission('ticks');
      const execution = await backend.submit(sub);
      const seen: string[] = [];
      for await (const chunk of backend.logs(execution.id, { follow: true })) {
        seen.push(chunk.text);
        if (chunk.text.includes('tick 1')) {
          expect((await backend.status(execution.id)).state).toBe('RUNNING');
          writeFileSync(join(dir, 'release'), '');
        }
      }
      expect(seen.join('')).toMatch(/tick 1\s+tick 2/);
      expect((await backend.wait(execution.id)).state).toBe('FINISHED');
      rmSync(join(dir, 'release'), { force: true });
    });

    it('cancels: the whole process group dies and the run ends KILLED; wait times out before that', async () => {
      const pidfile = join(dir, 'sleep.pid');
      const sub = await submission('sleep', { pidfile });
      const execution = await backend.submit(sub);
      await until(() => existsSync(pidfile), 'the entry point to start');
      const grandchild = Number(readFileSync(pidfile, 'utf8'));
      expect(isProcessAlive(grandchild)).toBe(true);
      await expect(backend.wait(execution.id, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await backend.cancel(execution.id);
      expect(await backend.wait(execution.id)).toMatchObject({ state: 'KILLED' });
      await until(() => !isProcessAlive(grandchild), 'the process group to die');
      await until(async () => (await store.getRun(sub.runId)).info.status === 'KILLED', 'the run to end KILLED');
      await backend.cancel(execution.id);
      expect((await backend.status(execution.id)).state).toBe('KILLED');
    });

    it('answers RESOURCE_DOES_NOT_EXIST for an unknown execution', async () => {
      await expect(backend.status('no-such-execution')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      await expect(backend.cancel('no-such-execution')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      await expect(backend.wait('no-such-execution')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    });
  });
}
