import { ModelRegistryService, TrackingService, withAuthStoreInputChecks, type AuthStore, type Logger } from '@orrery/core';
import { RedisAuthStore } from './redis-auth-store.js';
import { RedisConnection } from './redis-connection.js';
import { RedisModelRegistryStore } from './redis-registry-store.js';
import { RedisTrackingStore, type RedisTrackingStoreOptions } from './redis-tracking-store.js';

export interface OpenRedisStoreOptions {
  logger?: Logger;
  /** Environment for secrets kept out of the URI (ORRERY_REDIS_SENTINEL_PASSWORD); default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * Opens the tracking store of a `redis://` or `rediss://` URI: connects, refuses an evicting
 * server, and creates the Default experiment under the URI's key prefix if it is new. Returns
 * core's tracking service in front of the Redis persistence port.
 */
export async function openRedisTrackingStore(
  uri: string,
  options: OpenRedisStoreOptions & RedisTrackingStoreOptions,
): Promise<TrackingService & { prefix: string }> {
  const connection = await RedisConnection.open(uri, { logger: options.logger, ...(options.env ? { env: options.env } : {}) });
  try {
    const store = await RedisTrackingStore.open(connection, {
      defaultArtifactRoot: options.defaultArtifactRoot,
      ...(options.searchVisitBudget !== undefined ? { searchVisitBudget: options.searchVisitBudget } : {}),
    });
    return Object.assign(new TrackingService(store), { prefix: connection.keys.prefix });
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Opens the model registry store of a `redis://` or `rediss://` URI (core's registry service in front of the Redis port). */
export async function openRedisModelRegistryStore(
  uri: string,
  options: OpenRedisStoreOptions = {},
): Promise<ModelRegistryService & { prefix: string }> {
  const connection = await RedisConnection.open(uri, { logger: options.logger, ...(options.env ? { env: options.env } : {}) });
  return Object.assign(new ModelRegistryService(new RedisModelRegistryStore(connection)), { prefix: connection.keys.prefix });
}

/**
 * Opens the auth store of a `redis://` or `rediss://` URI (the basic-auth ini's `database_uri`).
 * Its keys are the `auth:` family under the URI's prefix, so it may share a prefix with tracking
 * data or have its own (`?prefix=orrery-auth`).
 */
export async function openRedisAuthStore(uri: string, options: OpenRedisStoreOptions = {}): Promise<AuthStore & { prefix: string }> {
  const connection = await RedisConnection.open(uri, { logger: options.logger, ...(options.env ? { env: options.env } : {}) });
  return Object.assign(withAuthStoreInputChecks(new RedisAuthStore(connection)), { prefix: connection.keys.prefix });
}

/**
 * Deletes every key under the URI's prefix (SCAN + UNLINK). For tests and for tearing down an
 * instance; the stores never call it.
 */
export async function deleteRedisPrefix(uri: string): Promise<number> {
  const connection = await RedisConnection.open(uri);
  try {
    return await connection.deleteAllKeys();
  } finally {
    await connection.close();
  }
}
