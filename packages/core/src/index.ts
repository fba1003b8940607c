import 'reflect-metadata';

// Entities, errors, validation, the search grammar and the YAML helpers: the browser-safe part,
// also importable alone as `@orrery/core/browser`.
export * from './browser.js';

export * from './contracts/tracking-store.js';
export * from './contracts/artifact-repository.js';
export * from './contracts/run-context-provider.js';
export * from './contracts/model-registry-store.js';
export * from './contracts/project-backend.js';
export * from './contracts/auth-store.js';
export * from './auth/index.js';
export * from './contracts/auth-store-ordering.js';
export * from './contracts/auth-store-errors.js';
export * from './contracts/auth-store-input-checks.js';

export * from './di/tokens.js';
export * from './plugins/definitions.js';
export * from './logging/logger.js';
export * from './uri/tracking-uri.js';
export * from './search/index.js';
export * from './plugins/plugin-registry.js';
export { bestHostClaim, hostClaimMatches, hostOfUri, isHostClaimKey, parseHostClaim, URI_KINDS, type HostClaim } from './plugins/uri-claims.js';
export * from './plugins/plugin-kind.js';
export * from './plugins/plugin-options.js';
export * from './plugins/config-file.js';
export * from './artifacts/index.js';
export * from './di/orrery-tokens.js';
export * from './di/container.js';
export * from './concurrency/for-each-bounded.js';
export * from './concurrency/event-loop-slices.js';
export * from './concurrency/process-liveness.js';
export * from './uri/model-version-reference.js';
export * from './domain/index.js';
