export * from './artifact-path.js';
export * from './local-artifact-uri.js';
export * from './local-tree.js';
