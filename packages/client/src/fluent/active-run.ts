import type { Run, RunData, RunInfo, RunInputs, RunStatus } from '@orrery/core';
import '../async-dispose-polyfill.js';

/**
 * A run started by the fluent `startRun`. It holds the run as it was when it started (`info`,
 * `data`, `inputs`, like MLflow's `ActiveRun`); read the current state with `getRun(runId)`.
 *
 * Works with `await using`: leaving the block ends the run FINISHED if it is still active.
 * ```ts
 * await using run = await startRun({ runName: 'train' });
 * logMetric('loss', 0.1);
 * ```
 * To end a run FAILED when the block throws, use `withRun` instead.
 */
export class ActiveRun implements Run {
  readonly info: RunInfo;
  readonly data: RunData;
  readonly inputs: RunInputs;
  private readonly ender: (run: ActiveRun, status: RunStatus) => Promise<void>;
  private ended = false;

  /** @internal Made by the fluent API only. */
  constructor(run: Run, ender: (run: ActiveRun, status: RunStatus) => Promise<void>) {
    this.info = run.info;
    this.data = run.data;
    this.inputs = run.inputs;
    this.ender = ender;
  }

  get runId(): string {
    return this.info.runId;
  }

  /** Whether `end` (or `endRun` on this run) has been called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Flushes buffered metrics and ends this run (and any nested run still active inside it) with
   * `status`, default FINISHED. Does nothing if the run already ended.
   */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (this.ended) return;
    await this.ender(this, status);
  }

  /** @internal Called by the fluent API when the run leaves the run stack. */
  markEnded(): void {
    this.ended = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.end('FINISHED');
  }
}
