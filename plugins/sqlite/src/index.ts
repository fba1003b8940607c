export { default as sqliteTrackingStorePlugin } from './sqlite-plugin.js';
export * from './sqlite-executor.js';
export * from './sqlite-uri.js';
export * from './open-sqlite-store.js';
export { default as sqliteModelRegistryStorePlugin } from './sqlite-registry-plugin.js';
export * from './open-sqlite-registry-store.js';
export { default as sqliteAuthStorePlugin } from './sqlite-auth-plugin.js';
export * from './open-sqlite-auth-store.js';
export * from './sqlite-dialect.js';
