export * from './auth-config.js';
export * from './auth-service.js';
export * from './api-token-format.js';
export * from './password-hash.js';
export * from './permission-rules.js';
