import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  errors,
  redactUri,
  type ProjectBackend,
  type ProjectExecution,
  type ProjectExecutionFilter,
  type ProjectExecutionStatus,
  type ProjectLogChunk,
  type ProjectRunState,
  type ProjectSubmission,
} from '@orrery/core';
import { pollUntilTerminal } from '@orrery/projects';
import { queueKeys, RETENTION_SECONDS, type QueueLocation } from './queue-config.js';
import { attemptProgress, isStallFailure, JOB_NAME, type JobOutcome, type ProjectJobData } from './queue-job.js';

const JOB_ID = /^[0-9a-f-]{36}$/;

/**
 * Submits executions to a BullMQ queue that `orrery worker` processes on any machine consume.
 * Everything is in Redis (the job, its output stream, cancel marks), so any process that reaches
 * the server can ask for the status, output or cancel of any execution.
 */
export class QueueProjectBackend implements ProjectBackend {
  readonly name = 'queue';
  private readonly redis: Redis;
  private readonly queue: Queue<ProjectJobData, JobOutcome>;
  private readonly keys: ReturnType<typeof queueKeys>;

  constructor(private readonly location: QueueLocation) {
    this.redis = new Redis(location.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.queue = new Queue(location.queue, { connection: this.redis, prefix: location.prefix });
    this.keys = queueKeys(location);
  }

  /**
   * Checks that Redis answers, so a wrong URL fails at once with a reason instead of a submit that
   * waits forever (the queue's own connection retries without end, as a worker's should).
   */
  static async checkReachable(location: QueueLocation, timeoutMs = 5_000): Promise<void> {
    const probe = new Redis(location.redisUrl, { maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, lazyConnect: true });
    let cause: Error | undefined;
    probe.on('error', (error: Error) => (cause ??= error));
    try {
      await probe.connect();
      await probe.ping();
    } catch (error) {
      throw errors.unavailable(`Cannot reach Redis at ${redactUri(location.redisUrl)} for queue '${location.queue}': ${(cause ?? (error as Error)).message}`, cause ?? error);
    } finally {
      probe.disconnect();
    }
  }

  async submit(submission: ProjectSubmission): Promise<ProjectExecution> {
    const id = randomUUID();
    await this.queue.add(JOB_NAME, submission, {
      jobId: id,
      removeOnComplete: { age: RETENTION_SECONDS },
      removeOnFail: { age: RETENTION_SECONDS },
    });
    return { id, runId: submission.runId, backend: this.name };
  }

  private async job(executionId: string): Promise<Job<ProjectJobData, JobOutcome>> {
    const job = JOB_ID.test(executionId) ? await this.queue.getJob(executionId) : undefined;
    if (job === undefined || job === null) throw errors.notFound(`No execution '${executionId}' in queue '${this.location.queue}'.`);
    return job;
  }

  private async statusOf(job: Job<ProjectJobData, JobOutcome>, known?: string): Promise<ProjectExecutionStatus> {
    const state = known ?? (await job.getState());
    const base = { id: job.id!, runId: job.data.runId, updatedAt: job.finishedOn ?? job.processedOn ?? job.timestamp };
    if (state === 'completed' && job.returnvalue !== null && job.returnvalue !== undefined) {
      const outcome = job.returnvalue;
      return { ...base, state: outcome.state, ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}), ...(outcome.message !== undefined ? { message: outcome.message } : {}) };
    }
    if (state === 'failed') {
      const lost = isStallFailure(job.failedReason) ? attemptProgress(job.progress)?.worker : undefined;
      return { ...base, state: 'FAILED', message: lost !== undefined ? `${job.failedReason} (worker ${lost} was lost)` : job.failedReason };
    }
    // Completed since the job was read: its return value comes with the next read.
    if (state === 'active' || state === 'completed') return { ...base, state: 'RUNNING' };
    // Waiting for a worker; a cancel asked for meanwhile ends it as soon as a worker takes it.
    const cancelled = (await this.redis.exists(this.keys.cancelled(job.id!))) === 1;
    return { ...base, state: cancelled ? 'KILLED' : 'QUEUED', ...(cancelled ? { message: 'cancelled before it started' } : {}) };
  }

  async status(executionId: string): Promise<ProjectExecutionStatus> {
    // The state first: a job read after it is known to be finished carries its return value.
    const state = JOB_ID.test(executionId) ? await this.queue.getJobState(executionId) : 'unknown';
    return this.statusOf(await this.job(executionId), state === 'unknown' ? undefined : state);
  }

  async cancel(executionId: string): Promise<void> {
    await this.job(executionId);
    await this.redis.set(this.keys.cancelled(executionId), '1', 'EX', RETENTION_SECONDS);
    // The worker running it (if any) kills the child's process group.
    await this.redis.publish(this.keys.cancelChannel, executionId);
  }

  async *logs(executionId: string, options: { follow?: boolean; since?: number } = {}): AsyncIterable<ProjectLogChunk> {
    await this.job(executionId);
    const key = this.keys.logs(executionId);
    let last = options.since !== undefined ? `${options.since}-0` : '0';
    const reader = options.follow ? this.redis.duplicate() : this.redis;
    try {
      for (;;) {
        const reply = options.follow
          ? await reader.xread('COUNT', 500, 'BLOCK', 500, 'STREAMS', key, last)
          : await reader.xread('COUNT', 500, 'STREAMS', key, last);
        const entries = reply?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) {
          last = id;
          const record: Record<string, string> = {};
          for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
          if (record.end !== undefined) return;
          yield { stream: record.stream === 'stderr' ? 'stderr' : 'stdout', text: record.text ?? '', timestamp: Number(record.ts) };
        }
        if (entries.length > 0) continue;
        // No end mark: a job that failed without its worker (lost, or never started) ends here.
        if (!options.follow || ['FINISHED', 'FAILED', 'KILLED'].includes((await this.status(executionId)).state)) return;
      }
    } finally {
      if (reader !== this.redis) reader.disconnect();
    }
  }

  async list(filter: ProjectExecutionFilter = {}): Promise<ProjectExecutionStatus[]> {
    const jobs = await this.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'], 0, 999);
    const statuses: ProjectExecutionStatus[] = [];
    for (const job of jobs.sort((a, b) => b.timestamp - a.timestamp)) {
      if (job === undefined || (filter.runId !== undefined && job.data.runId !== filter.runId)) continue;
      const status = await this.statusOf(job);
      if (filter.states === undefined || filter.states.includes(status.state as ProjectRunState)) statuses.push(status);
    }
    return statuses;
  }

  wait(executionId: string, options: { timeoutMs?: number } = {}): Promise<ProjectExecutionStatus> {
    return pollUntilTerminal(() => this.status(executionId), { ...options, intervalMs: 100 });
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
