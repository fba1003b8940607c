import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  errors,
  isProcessAlive,
  isTerminalProjectRunState,
  type ProjectBackend,
  type ProjectExecution,
  type ProjectExecutionFilter,
  type ProjectExecutionStatus,
  type ProjectLogChunk,
  type ProjectSubmission,
} from '@orrery/core';
import type { OrreryClient } from '@orrery/client';
import { pollUntilTerminal } from './execution-polling.js';
import { executeSubmission, killProcessGroup } from './project-execution.js';

export interface LocalBackendOptions {
  /**
   * Where executions' status and output are kept, so another process on this machine (`status`,
   * `cancel`, `logs` from a second shell) sees them. Default: `<tmpdir>/orrery-local-executions`.
   */
  stateDir?: string;
  openClient(trackingUri: string): Promise<OrreryClient>;
}

interface StoredStatus extends ProjectExecutionStatus {
  /** The child's pid (its process group), while it runs. */
  pid?: number;
  /** The pid of the process supervising the child (the one that submitted it). */
  supervisor: number;
  createdAt: number;
  /** Set by `cancel` in another process; the supervisor polls for it and kills the child. */
  cancelRequested?: boolean;
}

const EXECUTION_ID = /^local-[0-9a-f-]{36}$/;


/**
 * Runs entry points as child processes of this process, each the leader of its own process group
 * (a cancel kills everything it started). Status and output are files under `stateDir`, written
 * atomically, so ids stay meaningful from other processes on the machine.
 */
export class LocalProjectBackend implements ProjectBackend {
  readonly name = 'local';
  private readonly stateDir: string;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  constructor(private readonly options: LocalBackendOptions) {
    this.stateDir = options.stateDir ?? join(tmpdir(), 'orrery-local-executions');
    mkdirSync(this.stateDir, { recursive: true });
  }

  private statusFile(id: string): string {
    return join(this.stateDir, `${id}.json`);
  }

  private logFile(id: string): string {
    return join(this.stateDir, `${id}.log`);
  }

  private write(status: StoredStatus): void {
    const file = this.statusFile(status.id);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(status));
    renameSync(temp, file);
  }

  private read(id: string): StoredStatus {
    if (!EXECUTION_ID.test(id) || !existsSync(this.statusFile(id))) throw errors.notFound(`No local execution with id '${id}'.`);
    return JSON.parse(readFileSync(this.statusFile(id), 'utf8')) as StoredStatus;
  }

  private update(id: string, change: Partial<StoredStatus>): void {
    const current = this.read(id);
    if (isTerminalProjectRunState(current.state)) return;
    this.write({ ...current, ...change, updatedAt: Date.now() });
  }

  submit(submission: ProjectSubmission): Promise<ProjectExecution> {
    const id = `local-${randomUUID()}`;
    const now = Date.now();
    this.write({ id, runId: submission.runId, state: 'QUEUED', updatedAt: now, createdAt: now, supervisor: process.pid });
    writeFileSync(this.logFile(id), '');
    const controller = new AbortController();
    const watch = setInterval(() => {
      try {
        if (this.read(id).cancelRequested === true) controller.abort();
      } catch {
        // The state directory was removed: nothing to watch.
      }
    }, 200);
    watch.unref();
    const done = executeSubmission(submission, {
      openClient: this.options.openClient,
      signal: controller.signal,
      onStart: ({ pid }) => this.update(id, { state: 'RUNNING', pid }),
      onOutput: (chunk) => appendFileSync(this.logFile(id), `${JSON.stringify(chunk)}\n`),
    })
      .then((outcome) => this.update(id, { state: outcome.state, ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}), ...(outcome.message !== undefined ? { message: outcome.message } : {}), pid: undefined }))
      .catch((error: unknown) => this.update(id, { state: 'FAILED', message: (error as Error).message }))
      .finally(() => {
        clearInterval(watch);
        this.running.delete(id);
      });
    this.running.set(id, { controller, done });
    return Promise.resolve({ id, runId: submission.runId, backend: this.name });
  }

  async status(executionId: string): Promise<ProjectExecutionStatus> {
    const stored = this.read(executionId);
    // A supervisor that died (killed with its terminal) can no longer record the end.
    if (!isTerminalProjectRunState(stored.state) && !this.running.has(executionId) && !isProcessAlive(stored.supervisor)) {
      this.update(executionId, { state: 'FAILED', message: `the process supervising it (pid ${stored.supervisor}) is gone` });
      return this.publicStatus(this.read(executionId));
    }
    return this.publicStatus(stored);
  }

  private publicStatus(stored: StoredStatus): ProjectExecutionStatus {
    const { pid: _pid, supervisor: _supervisor, createdAt: _createdAt, cancelRequested: _cancel, ...status } = stored;
    return status;
  }

  async cancel(executionId: string): Promise<void> {
    const stored = this.read(executionId);
    if (isTerminalProjectRunState(stored.state)) return;
    const local = this.running.get(executionId);
    if (local !== undefined) {
      local.controller.abort();
      return;
    }
    // Another process supervises it: ask that process, which ends the run KILLED as its own cancel
    // would. With the supervisor gone, kill the group here and record the end.
    if (isProcessAlive(stored.supervisor)) {
      this.update(executionId, { cancelRequested: true });
      return;
    }
    if (stored.pid !== undefined) killProcessGroup(stored.pid, 'SIGTERM');
    this.update(executionId, { state: 'KILLED', message: 'cancelled' });
  }

  async *logs(executionId: string, options: { follow?: boolean; since?: number } = {}): AsyncIterable<ProjectLogChunk> {
    this.read(executionId);
    let offset = 0;
    for (;;) {
      const ended = isTerminalProjectRunState((await this.status(executionId)).state);
      const text = readFileSync(this.logFile(executionId), 'utf8');
      const complete = text.slice(offset, text.lastIndexOf('\n') + 1);
      offset += complete.length;
      for (const line of complete.split('\n')) {
        if (line === '') continue;
        const chunk = JSON.parse(line) as ProjectLogChunk;
        if (options.since === undefined || chunk.timestamp >= options.since) yield chunk;
      }
      if (!options.follow || ended) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async list(filter: ProjectExecutionFilter = {}): Promise<ProjectExecutionStatus[]> {
    const statuses: StoredStatus[] = [];
    for (const file of readdirSync(this.stateDir)) {
      if (!file.endsWith('.json')) continue;
      try {
        statuses.push(JSON.parse(readFileSync(join(this.stateDir, file), 'utf8')) as StoredStatus);
      } catch {
        // A file being replaced is read on the next call.
      }
    }
    return statuses
      .filter((s) => (filter.runId === undefined || s.runId === filter.runId) && (filter.states === undefined || filter.states.includes(s.state)))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((s) => this.publicStatus(s));
  }

  async wait(executionId: string, options: { timeoutMs?: number } = {}): Promise<ProjectExecutionStatus> {
    return pollUntilTerminal(() => this.status(executionId), { ...options, intervalMs: 50 });
  }

  /** Waits for executions this process supervises (a process that exits earlier would orphan them). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((entry) => entry.done));
  }
}
