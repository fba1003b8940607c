export { QueueProjectBackend } from './queue-backend.js';
export { startQueueWorker, type QueueWorkerOptions, type RunningQueueWorker } from './queue-worker.js';
export * from './queue-config.js';
export { isStallFailure, type AttemptProgress, type JobOutcome } from './queue-job.js';
