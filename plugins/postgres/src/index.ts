export { default as postgresTrackingStorePlugin } from './postgres-plugin.js';
export { default as postgresModelRegistryStorePlugin } from './postgres-registry-plugin.js';
export { default as postgresAuthStorePlugin } from './postgres-auth-plugin.js';
export * from './postgres-uri.js';
export * from './postgres-errors.js';
export * from './postgres-executor.js';
export * from './postgres-migrations.js';
export * from './open-postgres-store.js';
