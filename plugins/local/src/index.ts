export { LocalArtifactRepository, type LocalArtifactRepositoryOptions } from './local-artifact-repository.js';
export { default as localArtifactRepositoryDefinition } from './local-plugin.js';
