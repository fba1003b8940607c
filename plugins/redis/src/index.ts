export { default as redisTrackingStorePlugin } from './redis-tracking-plugin.js';
export { default as redisModelRegistryStorePlugin } from './redis-registry-plugin.js';
export * from './open-redis-stores.js';
export { RedisTrackingStore, REDIS_SCHEMA_VERSION } from './redis-tracking-store.js';
export { RedisModelRegistryStore } from './redis-registry-store.js';
export { RedisConnection, translateRedisError } from './redis-connection.js';
export { RedisKeys } from './redis-keys.js';
export { parseRedisUri } from './redis-uri.js';
export type { RedisTarget } from './redis-uri.js';
