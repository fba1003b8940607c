import { errors } from '@orrery/core';

export const DEFAULT_QUEUE_NAME = 'orrery-projects';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** BullMQ's default: a worker silent this long has lost its job, which goes to another worker. */
export const DEFAULT_STALL_INTERVAL_MS = 30_000;

/** Where a queue lives: the Redis server, the queue's name and BullMQ's key prefix. */
export interface QueueLocation {
  redisUrl: string;
  queue: string;
  prefix: string;
}

function text(config: Record<string, unknown>, key: string, fallback: string): string {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') throw errors.invalidParameter(`Backend config "${key}" must be a non-empty string, got ${JSON.stringify(value)}.`);
  return value;
}

/** Reads `--backend-config` for the queue backend: `redis_url`, `queue`, `prefix`. */
export function queueLocationFrom(config: Record<string, unknown>): QueueLocation {
  const known = new Set(['redis_url', 'queue', 'prefix']);
  const unknown = Object.keys(config).filter((key) => !known.has(key));
  if (unknown.length > 0) throw errors.invalidParameter(`Unknown queue backend config ${unknown.map((k) => `"${k}"`).join(', ')}; known: redis_url, queue, prefix.`);
  const redisUrl = text(config, 'redis_url', DEFAULT_REDIS_URL);
  if (!/^rediss?:\/\//.test(redisUrl)) throw errors.invalidParameter(`Backend config "redis_url" must be a redis:// or rediss:// URL.`);
  const queue = text(config, 'queue', DEFAULT_QUEUE_NAME);
  if (queue.includes(':')) throw errors.invalidParameter(`Queue name "${queue}" must not contain ':'.`);
  return { redisUrl, queue, prefix: text(config, 'prefix', 'bull') };
}

/** Orrery's own keys beside BullMQ's: output streams and cancel requests. */
export function queueKeys(location: QueueLocation) {
  const base = `${location.prefix}:${location.queue}:orrery`;
  return {
    logs: (jobId: string) => `${base}:logs:${jobId}`,
    cancelled: (jobId: string) => `${base}:cancelled:${jobId}`,
    cancelChannel: `${base}:cancel`,
  };
}

/** How long output and cancel marks are kept after they were written. */
export const RETENTION_SECONDS = 7 * 24 * 3600;
