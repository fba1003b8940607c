import { Command, InvalidArgumentError } from 'commander';
import { OrreryClient } from '@orrery/client';
import { action } from '../cli-context.js';
import { parsePositiveInt } from '../option-parsers.js';

interface WorkerOptions {
  redisUrl: string;
  queue: string;
  prefix?: string;
  concurrency: number;
  stallInterval: number;
  name?: string;
}

// The queue plugin's defaults, repeated so `orrery --help` does not load BullMQ.
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_QUEUE_NAME = 'orrery-projects';
const DEFAULT_STALL_INTERVAL_MS = 30_000;

function parseMilliseconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 100) throw new InvalidArgumentError('expected a number of milliseconds, at least 100.');
  return Number(value);
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run project executions submitted with `orrery run -b queue` (on any machine that reaches Redis)')
    .option('--redis-url <url>', 'Redis server holding the queue', DEFAULT_REDIS_URL)
    .option('--queue <name>', 'queue to take executions from', DEFAULT_QUEUE_NAME)
    .option('--prefix <prefix>', "BullMQ's key prefix (default: bull)")
    .option('--concurrency <n>', 'executions run at the same time', parsePositiveInt, 1)
    .option('--stall-interval <ms>', 'how soon a lost worker\'s job is given to another worker', parseMilliseconds, DEFAULT_STALL_INTERVAL_MS)
    .option('--name <name>', 'worker name in tags and logs (default: <host>:<pid>)')
    .action(
      action(async (context, options: WorkerOptions) => {
        // Loaded here: BullMQ and ioredis cost every other command's start otherwise.
        const { queueLocationFrom, startQueueWorker } = await import('@orrery/plugin-queue');
        const location = queueLocationFrom({ redis_url: options.redisUrl, queue: options.queue, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) });
        const parent = await context.container();
        const worker = await startQueueWorker({
          ...location,
          concurrency: options.concurrency,
          stallIntervalMs: options.stallInterval,
          ...(options.name !== undefined ? { name: options.name } : {}),
          // Each execution logs to the tracking URI it was submitted with, opened with this CLI's plugins.
          openClient: (trackingUri) => OrreryClient.create({ trackingUri, parent }),
          logger: context.logger,
        });
        process.stderr.write(`orrery worker ${worker.name}: taking executions from queue '${location.queue}' (concurrency ${options.concurrency})\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        process.stderr.write(`orrery worker ${worker.name}: stopping after the running executions\n`);
        await worker.close();
      }),
    );
}
