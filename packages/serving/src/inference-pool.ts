/**
 * Worker threads holding the model, fed by an adaptive batcher (MLServer's and Triton's idea):
 * a request goes to an idle worker at once; requests that arrive while every worker is busy queue
 * up and go together, up to `maxBatchSize`, as soon as a worker frees up. With `maxBatchWaitMs`
 * above 0 a batch may also wait that long to fill, but only while other batches are in flight:
 * a lone request never waits.
 */
import { Worker } from 'node:worker_threads';
import { OrreryError } from '@orrery/core';
import type { LoadModelOptions, ModelSignature } from '@orrery/models';
import type { BatchItem } from './batch-scoring.js';
import type { InferenceWorkerData, WorkerRequest } from './inference-worker.js';
import type { ScoringResponse } from './scoring-protocol.js';

export interface BatchingOptions {
  /** Most requests in one batch (1 turns batching off). Default 32. */
  maxBatchSize: number;
  /** Most milliseconds a batch waits to fill while others are in flight. Default 0. */
  maxBatchWaitMs: number;
  /**
   * Most rows concatenated into one model call (a request with more runs on its own). Default
   * 1,024: large requests already amortize a call's fixed cost, and concatenating them only adds
   * copies and garbage.
   */
  maxBatchRows: number;
}

export const DEFAULT_BATCHING: BatchingOptions = { maxBatchSize: 32, maxBatchWaitMs: 0, maxBatchRows: 1024 };

export interface InferencePoolOptions {
  modelUri: string;
  loaderModule?: string;
  loadOptions?: LoadModelOptions;
  /** Worker threads (each holds its own copy of the model). Default 1. */
  threads?: number;
  batching?: Partial<BatchingOptions>;
  modelName: string;
  modelVersion?: string | undefined;
  /** Called for each batch sent: its size and how long each member queued (seconds). */
  onBatch?: (size: number, queueSeconds: number[]) => void;
}

interface Pending {
  item: BatchItem;
  enqueued: number;
  resolve: (response: ScoringResponse) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending[] | undefined;
}

/** What a loaded model says about itself. */
export interface LoadedModelInfo {
  flavor: string;
  signature: ModelSignature | undefined;
  metadata: Record<string, unknown> | undefined;
}

const WORKER_URL = new URL('./inference-worker.js', import.meta.url);
/** Most body characters in one batch after its first request (1,000 rows of four small numbers are ~14 KB). */
const BATCH_BYTES = 16 * 1024;

export class InferencePool {
  private readonly queue: Pending[] = [];
  private readonly batching: BatchingOptions;
  private waitTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly inflight = new Map<number, Slot>();
  private drained: (() => void) | undefined;

  private constructor(
    private readonly slots: Slot[],
    readonly info: LoadedModelInfo,
    private readonly options: InferencePoolOptions,
  ) {
    this.batching = { ...DEFAULT_BATCHING, ...options.batching };
    for (const slot of slots) {
      slot.worker.on('message', (message: { type: string; id: number; responses?: ScoringResponse[]; message?: string }) => this.settle(slot, message));
      slot.worker.on('error', (error) => this.fail(slot, error));
    }
  }

  /** Starts the workers and waits until each has loaded the model. */
  static async start(options: InferencePoolOptions): Promise<InferencePool> {
    const threads = Math.max(1, options.threads ?? 1);
    const data: InferenceWorkerData = {
      modelUri: options.modelUri,
      loaderModule: options.loaderModule ?? '@orrery/models',
      loadOptions: options.loadOptions ?? {},
      modelName: options.modelName,
      modelVersion: options.modelVersion,
      maxBatchRows: options.batching?.maxBatchRows ?? DEFAULT_BATCHING.maxBatchRows,
    };
    const workers = Array.from({ length: threads }, () => new Worker(WORKER_URL, { workerData: data }));
    try {
      const infos = await Promise.all(workers.map((w) => ready(w)));
      return new InferencePool(workers.map((worker) => ({ worker, busy: undefined })), infos[0]!, options);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
  }

  /** Queues a request; resolves with its answer (never rejects). */
  submit(item: BatchItem): Promise<ScoringResponse> {
    if (this.slots.length === 0) return Promise.resolve(internalError('no inference worker is running'));
    return new Promise((resolve) => {
      this.queue.push({ item, enqueued: performance.now(), resolve });
      this.dispatch();
    });
  }

  /** Requests queued or being scored. */
  get pending(): number {
    let n = this.queue.length;
    for (const slot of this.slots) n += slot.busy?.length ?? 0;
    return n;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.busy === undefined);
      if (!slot) return;
      const { maxBatchSize, maxBatchWaitMs } = this.batching;
      const othersInFlight = this.slots.some((s) => s.busy !== undefined);
      if (maxBatchWaitMs > 0 && othersInFlight && this.queue.length < maxBatchSize) {
        const waited = performance.now() - this.queue[0]!.enqueued;
        if (waited < maxBatchWaitMs) {
          this.waitTimer ??= setTimeout(() => {
            this.waitTimer = undefined;
            this.dispatchNow();
          }, maxBatchWaitMs - waited);
          return;
        }
      }
      this.send(slot, this.takeBatch());
    }
  }

  /**
   * The next batch from the queue: up to maxBatchSize requests and, past the first, at most
   * BATCH_BYTES of bodies. Large requests gain nothing from company (they run alone inside the
   * batch anyway) and would only wait for their neighbours' answers.
   */
  private takeBatch(): Pending[] {
    const limit = Math.max(1, this.batching.maxBatchSize);
    let count = 1;
    let bytes = this.queue[0]!.item.body.length;
    while (count < limit && count < this.queue.length) {
      bytes += this.queue[count]!.item.body.length;
      if (bytes > BATCH_BYTES) break;
      count++;
    }
    return this.queue.splice(0, count);
  }

  /** Sends whatever is queued to the idle workers (the wait is over). */
  private dispatchNow(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.busy === undefined);
      if (!slot) return;
      this.send(slot, this.takeBatch());
    }
  }

  private send(slot: Slot, batch: Pending[]): void {
    const id = this.nextId++;
    slot.busy = batch;
    this.inflight.set(id, slot);
    const now = performance.now();
    this.options.onBatch?.(batch.length, batch.map((p) => (now - p.enqueued) / 1000));
    const message: WorkerRequest = { type: 'batch', id, items: batch.map((p) => p.item) };
    slot.worker.postMessage(message);
  }

  private settle(slot: Slot, message: { type: string; id: number; responses?: ScoringResponse[]; message?: string }): void {
    const batch = slot.busy;
    if (!batch || this.inflight.get(message.id) !== slot) return;
    this.inflight.delete(message.id);
    slot.busy = undefined;
    if (message.type === 'done' && message.responses) batch.forEach((p, i) => p.resolve(message.responses![i]!));
    else batch.forEach((p) => p.resolve(internalError(message.message ?? 'the inference worker failed')));
    this.dispatch();
    this.checkDrained();
  }

  private fail(slot: Slot, error: Error): void {
    const batch = slot.busy ?? [];
    slot.busy = undefined;
    for (const [id, s] of this.inflight) if (s === slot) this.inflight.delete(id);
    batch.forEach((p) => p.resolve(internalError(`the inference worker failed: ${error.message}`)));
    // A worker that crashed is gone; the pool goes on with the others, and fails requests loudly
    // (500) rather than hanging them when none is left.
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    if (this.slots.length === 0) for (const p of this.queue.splice(0)) p.resolve(internalError('no inference worker is running'));
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.drained && this.pending === 0) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }

  /** Resolves once nothing is queued or being scored. */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.drained;
      this.drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** Finishes what is queued, then stops the workers. */
  async close(): Promise<void> {
    await this.drain();
    if (this.waitTimer) clearTimeout(this.waitTimer);
    await Promise.all(
      this.slots.map(async (slot) => {
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        slot.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
        const timer = setTimeout(() => void slot.worker.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

function internalError(message: string): ScoringResponse {
  return { status: 500, contentType: 'application/json', body: JSON.stringify({ error_code: 'INTERNAL_ERROR', message }) };
}

function ready(worker: Worker): Promise<LoadedModelInfo> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string; message?: string; code?: string } & LoadedModelInfo): void => {
      if (message.type === 'ready') {
        cleanup();
        resolve({ flavor: message.flavor, signature: message.signature, metadata: message.metadata });
      } else if (message.type === 'failed') {
        cleanup();
        const code = message.code === 'RESOURCE_DOES_NOT_EXIST' || message.code === 'INVALID_PARAMETER_VALUE' || message.code === 'NOT_IMPLEMENTED' ? message.code : 'INVALID_STATE';
        reject(new OrreryError(code, message.message ?? 'the model failed to load'));
      }
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new OrreryError('INTERNAL_ERROR', `the inference worker exited (code ${code}) before the model loaded`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
