export * from './artifact-path.js';
export * from './local-artifact-uri.js';
export * from './local-tree.js';
export * from './local-real-path.js';
export * from './trusted-artifact-roots.js';
export * from './artifact-trees.js';
