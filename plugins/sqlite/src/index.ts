export { default as sqliteTrackingStorePlugin } from './sqlite-plugin.js';
export * from './sqlite-executor.js';
export * from './sqlite-uri.js';
export * from './open-sqlite-store.js';
