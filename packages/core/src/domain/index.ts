export * from './domain-events.js';
export * from './run-names.js';
export * from './logged-models.js';
export * from './tracking-persistence.js';
export * from './tracking-service.js';
export * from './registry-records.js';
export * from './registry-persistence.js';
export * from './registry-service.js';
