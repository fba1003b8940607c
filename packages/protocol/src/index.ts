/**
 * `@orrery/protocol`: MLflow's REST messages as JSON Schemas, and the encoders and decoders
 * between Orrery's entities and MLflow's JSON. The server answers with these encoders and
 * schemas, the REST client writes and reads with the same functions, and the web UI can import
 * them too: nothing here touches Node (no `node:` modules, no Buffer, no file system), and core
 * is imported for its types only.
 */
export * from './json-schema.js';
export * from './wire-values.js';
export * from './tracking-messages.js';
export * from './registry-messages.js';
export * from './artifact-messages.js';
export * from './auth-messages.js';
export * from './message-catalog.js';
export * from './tracking-codec.js';
export * from './registry-codec.js';
export * from './auth-codec.js';
