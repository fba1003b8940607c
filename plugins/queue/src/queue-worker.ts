import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger, ProjectLogChunk } from '@orrery/core';
import type { OrreryClient } from '@orrery/client';
import { executeSubmission, ORRERY_PROJECT_TAGS } from '@orrery/projects';
import { DEFAULT_STALL_INTERVAL_MS, queueKeys, RETENTION_SECONDS, type QueueLocation } from './queue-config.js';
import { attemptProgress, isStallFailure, type JobOutcome, type ProjectJobData } from './queue-job.js';

export interface QueueWorkerOptions extends QueueLocation {
  /** Jobs run at the same time by this worker (default 1). */
  concurrency?: number;
  /**
   * How often workers look for jobs whose worker went silent, and how long a job's lock lasts
   * without renewal (BullMQ's `stalledInterval` and `lockDuration`); default 30 s.
   */
  stallIntervalMs?: number;
  /** Shown in tags and logs; default `<host>:<pid>`. */
  name?: string;
  openClient(trackingUri: string): Promise<OrreryClient>;
  logger?: Logger;
}

export interface RunningQueueWorker {
  readonly name: string;
  /** Stops taking jobs, waits for the running ones to end, and disconnects. */
  close(): Promise<void>;
}

/**
 * `orrery worker`: takes project executions from the queue and runs each one like the local
 * backend would, in its own process group. A job whose worker dies (kill -9, a lost machine) is
 * found by the other workers' stall check and run again once, in the same tracking run (the
 * `orrery.project.attempts` tag counts); a second loss fails it, and the run ends FAILED with
 * `orrery.project.lostWorker` naming the worker.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<RunningQueueWorker> {
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const keys = queueKeys(options);
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = connection.duplicate();
  const running = new Map<string, AbortController>();
  const stallIntervalMs = options.stallIntervalMs ?? DEFAULT_STALL_INTERVAL_MS;
  // One client per tracking URI for the worker's life: opening a store per job would cost more
  // than a short job itself.
  const clients = new Map<string, Promise<OrreryClient>>();
  const clientFor = (trackingUri: string): Promise<OrreryClient> => {
    let client = clients.get(trackingUri);
    if (client === undefined) {
      client = options.openClient(trackingUri);
      client.catch(() => clients.delete(trackingUri));
      clients.set(trackingUri, client);
    }
    return client;
  };

  const appendOutput = (jobId: string, chunk: ProjectLogChunk) =>
    connection.xadd(keys.logs(jobId), '*', 'stream', chunk.stream, 'text', chunk.text, 'ts', String(chunk.timestamp)).catch(() => undefined);
  const endOutput = async (jobId: string) => {
    await connection.xadd(keys.logs(jobId), '*', 'end', '1');
    await connection.expire(keys.logs(jobId), RETENTION_SECONDS);
  };

  const processor = async (job: Job<ProjectJobData, JobOutcome>): Promise<JobOutcome> => {
    const attempt = (attemptProgress(job.progress)?.attempt ?? 0) + 1;
    await job.updateProgress({ worker: name, attempt });
    const controller = new AbortController();
    running.set(job.id!, controller);
    try {
      if ((await connection.exists(keys.cancelled(job.id!))) === 1) controller.abort();
      if (attempt > 1) {
        await appendOutput(job.id!, { stream: 'stderr', text: `[orrery] attempt ${attempt} of this execution, on worker ${name}\n`, timestamp: Date.now() });
      }
      const outcome = await executeSubmission(job.data, {
        openClient: clientFor,
        releaseClient: () => Promise.resolve(),
        signal: controller.signal,
        tags: { [ORRERY_PROJECT_TAGS.attempts]: String(attempt), [ORRERY_PROJECT_TAGS.worker]: name },
        onOutput: (chunk) => void appendOutput(job.id!, chunk),
      });
      await endOutput(job.id!);
      return outcome;
    } finally {
      running.delete(job.id!);
    }
  };

  const worker = new Worker<ProjectJobData, JobOutcome>(options.queue, processor, {
    connection,
    prefix: options.prefix,
    name,
    concurrency: options.concurrency ?? 1,
    stalledInterval: stallIntervalMs,
    lockDuration: stallIntervalMs,
    // One retry on another worker; the second loss fails the job.
    maxStalledCount: 1,
    removeOnComplete: { age: RETENTION_SECONDS },
    removeOnFail: { age: RETENTION_SECONDS },
  });

  // A job whose worker was lost too often is failed by whichever worker picks it up next: the
  // run is ended here, since no executor is left to end it.
  worker.on('failed', (job, error) => {
    if (job === undefined || !isStallFailure(error.message)) return;
    const lost = attemptProgress(job.progress);
    void (async () => {
      const client = await clientFor(job.data.trackingUri);
      const tags: Array<{ key: string; value: string }> = [{ key: ORRERY_PROJECT_TAGS.lostWorker, value: lost?.worker ?? 'unknown' }];
      if (lost !== undefined) tags.push({ key: ORRERY_PROJECT_TAGS.attempts, value: String(lost.attempt) });
      await client.logBatch(job.data.runId, { tags });
      await client.setTerminated(job.data.runId, 'FAILED');
      await appendOutput(job.id!, { stream: 'stderr', text: `[orrery] worker ${lost?.worker ?? 'unknown'} was lost and the retry limit is reached: the run failed\n`, timestamp: Date.now() });
      await endOutput(job.id!);
    })().catch((err: unknown) => options.logger?.error({ err, jobId: job.id }, 'ending the run of a lost job failed'));
  });
  worker.on('error', (err) => options.logger?.error({ err }, 'queue worker error'));

  await subscriber.subscribe(keys.cancelChannel);
  subscriber.on('message', (_channel, jobId: string) => running.get(jobId)?.abort());
  await worker.waitUntilReady();

  return {
    name,
    async close() {
      await worker.close();
      await Promise.allSettled([...clients.values()].map(async (client) => (await client).close()));
      subscriber.disconnect();
      connection.disconnect();
    },
  };
}
