/**
 * `@orrery/core/browser`: the part of core that runs in a browser (the web UI, bundlers): entities,
 * the contracts' types, the error taxonomy, input validation, the search-filter grammar and the
 * MLmodel/YAML text helpers. Nothing reached from here imports a `node:` module, uses Buffer or
 * process, or loads pino or tsyringe; an ESLint rule scoped to these files enforces it and
 * `packages/core/test/boundaries/browser-entry.test.ts` checks the rule covers every file reached.
 * The main entry (`@orrery/core`) re-exports all of this too, so Node code keeps one import.
 */
export * from './entities/tracking.js';
export * from './entities/registry.js';
export * from './entities/project.js';
export * from './entities/auth.js';

export type * from './contracts/tracking-store.js';
export type * from './contracts/model-registry-store.js';
export type * from './contracts/run-context-provider.js';
export type * from './contracts/project-backend.js';
export type * from './contracts/auth-store.js';

export * from './errors/error-codes.js';
export * from './errors/orrery-error.js';

export * from './validation/limits.js';
export * from './validation/validate.js';
export * from './validation/registry-validation.js';
export * from './validation/auth-validation.js';
export * from './validation/lifecycle-rules.js';
export * from './validation/nul-character.js';
export * from './logging/uri-redaction.js';

// The search grammar, without page tokens (they are base64 over Buffer, a server concern).
export * from './search/ast.js';
export * from './search/filter-parser.js';
export * from './search/order-by.js';
export * from './search/search-entity.js';
export * from './search/evaluate-filter.js';
export * from './search/like-pattern.js';
export * from './search/format-filter.js';

export * from './formats/yaml-text.js';
export * from './formats/mlmodel-file.js';
export * from './formats/python-type-names.js';
