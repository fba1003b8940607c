import {
  createLogger,
  errors,
  isOrreryError,
  LIMITS,
  type LogBatchInput,
  type Logger,
  type Metric,
  OrreryError,
  validateEntityKey,
} from '@orrery/core';

/** Where a buffer sends its batches: a tracking store, or anything with its `logBatch`. */
export interface MetricSink {
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
}

export interface MetricBufferOptions {
  sink: MetricSink;
  logger?: Logger;
  /** Metrics per `logBatch` call; default and maximum 1000 (MLflow's batch limit). */
  maxBatchSize?: number;
  /** How long a metric may wait before a background send starts; default 100 ms. */
  flushIntervalMs?: number;
  /** Flush on the process's `beforeExit` event; default true. */
  flushOnExit?: boolean;
}

/**
 * Metrics of one or more runs, stored column-wise in preallocated arrays so that appending
 * allocates nothing.
 */
class MetricChunk {
  readonly runIds: string[];
  readonly keys: string[];
  readonly values: Float64Array;
  readonly steps: Float64Array;
  readonly timestamps: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.runIds = new Array<string>(capacity);
    this.keys = new Array<string>(capacity);
    this.values = new Float64Array(capacity);
    this.steps = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
  }

  /** The chunk's metrics grouped by run, each group in logging order. */
  groupByRun(): Map<string, Metric[]> {
    const groups = new Map<string, Metric[]>();
    for (let i = 0; i < this.length; i += 1) {
      const runId = this.runIds[i]!;
      let group = groups.get(runId);
      if (group === undefined) {
        group = [];
        groups.set(runId, group);
      }
      group.push({ key: this.keys[i]!, value: this.values[i]!, timestamp: this.timestamps[i]!, step: this.steps[i]! });
    }
    return groups;
  }
}

/** Keys already validated are remembered up to this many, so the hot path skips the regex. */
const MAX_KNOWN_KEYS = 10_000;

/**
 * Buffers metric observations in memory and sends them to the store in the background, in
 * batches of at most 1000 through `logBatch`.
 *
 * - `add` never waits and never awaits: it checks its input (key, number, integer step and
 *   timestamp), appends to preallocated arrays and returns. Invalid input throws at once.
 * - A batch is sent when 1000 metrics are queued, or `flushIntervalMs` after the first metric of
 *   a batch was queued (the timer is unref'd: it never keeps the process alive).
 * - Batches are sent one at a time, in order, so the metrics of each run reach the store in the
 *   order they were logged.
 * - `flush()` resolves once everything queued so far is stored.
 * - At exit: Node cannot run async work in `exit`, so the buffer flushes on `beforeExit` (the
 *   event loop went empty). A process ended by `process.exit()`, an uncaught exception or a
 *   signal loses what is still queued: call `flush()` (or the fluent `endRun()`) before that.
 *   If the exit flush fails, the error is logged and `process.exitCode` is set to 1. Signals
 *   (SIGINT, SIGTERM) are not intercepted, since a library handler would change how the
 *   application exits: an application that handles them should `await endRun()` (or `flush()`)
 *   in its handler.
 * - Failures are never swallowed. When a `logBatch` call fails, its metrics are lost; the error
 *   is logged at once (with the run id and the number of metrics lost), and kept: the next
 *   `flush()` or `add()` throws it (an `OrreryError` with the store's code, the count and the
 *   original error as `cause`). It is thrown once, then cleared; later failures while one is
 *   pending add to its count.
 * - Memory: `add` cannot apply backpressure, so a producer faster than the store grows the queue;
 *   `flush()` now and then bounds it.
 */
export class MetricBuffer {
  private readonly sink: MetricSink;
  private readonly logger: Logger;
  private readonly capacity: number;
  private readonly intervalMs: number;
  private readonly flushOnExit: boolean;

  private current: MetricChunk;
  private readonly sealed: MetricChunk[] = [];
  private readonly spare: MetricChunk[] = [];
  private inFlight = 0;
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly knownKeys = new Set<string>();
  private failure: { error: unknown; runId: string; lost: number } | null = null;
  private exitHookInstalled = false;
  private closed = false;

  constructor(options: MetricBufferOptions) {
    const max = LIMITS.batch.maxMetrics;
    const size = options.maxBatchSize ?? max;
    if (!Number.isInteger(size) || size < 1 || size > max) {
      throw errors.invalidParameter(`Invalid maxBatchSize ${String(size)}: it must be an integer from 1 to ${max}.`);
    }
    this.sink = options.sink;
    this.logger = options.logger ?? createLogger({ name: 'orrery-client' });
    this.capacity = size;
    this.intervalMs = options.flushIntervalMs ?? 100;
    this.flushOnExit = options.flushOnExit ?? true;
    this.current = new MetricChunk(size);
  }

  /** Metrics accepted but not yet stored (queued or being sent). */
  get pendingCount(): number {
    let count = this.current.length + this.inFlight;
    for (const chunk of this.sealed) count += chunk.length;
    return count;
  }

  /**
   * Queues one observation. `step` defaults to 0 and `timestamp` to now. Throws
   * INVALID_PARAMETER_VALUE for bad input, or the pending error of a failed background send.
   */
  add(runId: string, key: string, value: number, step?: number, timestamp?: number): void {
    if (this.failure !== null) this.throwFailure();
    if (!this.knownKeys.has(key)) this.checkKey(key);
    if (typeof value !== 'number') {
      throw errors.invalidParameter(
        `Invalid value ${String(value)} for metric '${key}': it must be a number (NaN and ±Infinity are allowed).`,
      );
    }
    if (step === undefined) step = 0;
    else if (!Number.isSafeInteger(step)) {
      throw errors.invalidParameter(`Invalid step ${String(step)} for metric '${key}': it must be an integer.`);
    }
    if (timestamp === undefined) timestamp = Date.now();
    else if (!Number.isSafeInteger(timestamp)) {
      throw errors.invalidParameter(
        `Invalid timestamp ${String(timestamp)} for metric '${key}': it must be an integer (milliseconds since the epoch).`,
      );
    }
    if (this.closed) throw errors.invalidState('The metric buffer is closed: no more metrics can be logged through it.');

    const chunk = this.current;
    const i = chunk.length;
    chunk.runIds[i] = runId;
    chunk.keys[i] = key;
    chunk.values[i] = value;
    chunk.steps[i] = step;
    chunk.timestamps[i] = timestamp;
    chunk.length = i + 1;

    if (chunk.length === this.capacity) {
      this.seal();
      this.kick();
    } else if (this.timer === null) {
      this.startTimer();
    }
  }

  /**
   * Sends everything queued and resolves once it is stored. Rejects with the pending error if a
   * send failed (this one or an earlier background one); the error is then cleared.
   */
  async flush(): Promise<void> {
    this.seal();
    this.kick();
    while (this.draining !== null) await this.draining;
    if (this.failure !== null) this.throwFailure();
  }

  /** Flushes, then stops accepting metrics and removes the exit hook. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      if (this.exitHookInstalled) process.off('beforeExit', this.onBeforeExit);
      this.exitHookInstalled = false;
    }
  }

  private checkKey(key: string): void {
    validateEntityKey('metric', key);
    if (this.knownKeys.size < MAX_KNOWN_KEYS) this.knownKeys.add(key);
  }

  private startTimer(): void {
    this.timer = setTimeout(this.onTimer, this.intervalMs);
    this.timer.unref();
    if (this.flushOnExit && !this.exitHookInstalled) {
      process.on('beforeExit', this.onBeforeExit);
      this.exitHookInstalled = true;
    }
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.seal();
    this.kick();
  };

  private readonly onBeforeExit = (): void => {
    // Called again each time the loop empties: do nothing once there is nothing left, or the
    // process would never exit.
    if (this.pendingCount === 0 && this.failure === null) return;
    this.flush().catch(() => {
      // Already logged when the send failed; make the exit status say data was lost.
      if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = 1;
    });
  };

  /** Moves the current chunk to the send queue. */
  private seal(): void {
    if (this.current.length === 0) return;
    this.sealed.push(this.current);
    this.current = this.spare.pop() ?? new MetricChunk(this.capacity);
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // A full chunk sealed from `add` never went through `startTimer`, so install the hook here too.
    if (this.flushOnExit && !this.exitHookInstalled) {
      process.on('beforeExit', this.onBeforeExit);
      this.exitHookInstalled = true;
    }
  }

  /** Starts the send loop unless it is running. */
  private kick(): void {
    if (this.draining !== null || this.sealed.length === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // A chunk sealed between the loop's last check and this callback still gets sent.
      if (this.sealed.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.sealed.length > 0) {
      const chunk = this.sealed.shift()!;
      this.inFlight = chunk.length;
      try {
        for (const [runId, metrics] of chunk.groupByRun()) {
          try {
            await this.sink.logBatch(runId, { metrics });
          } catch (error) {
            this.recordFailure(runId, metrics.length, error);
          }
        }
      } finally {
        this.inFlight = 0;
        chunk.length = 0;
        if (this.spare.length < 4) this.spare.push(chunk);
      }
    }
  }

  private recordFailure(runId: string, lost: number, error: unknown): void {
    this.logger.error(
      { err: error, runId, lostMetrics: lost },
      `failed to log ${lost} buffered metric(s) for run ${runId}; they are lost`,
    );
    if (this.failure === null) this.failure = { error, runId, lost };
    else this.failure.lost += lost;
  }

  private throwFailure(): never {
    const { error, runId, lost } = this.failure!;
    this.failure = null;
    const code = isOrreryError(error) ? error.code : 'INTERNAL_ERROR';
    const reason = error instanceof Error ? error.message : String(error);
    throw new OrreryError(code, `Failed to log ${lost} buffered metric(s) (first failure for run '${runId}'): ${reason}`, {
      cause: error,
    });
  }
}
