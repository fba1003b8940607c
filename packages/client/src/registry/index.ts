export {
  isModelsUri,
  isRunsUri,
  modelVersionUri,
  parseModelUri,
  type ModelsModelUri,
  type ModelVersionSelector,
  type ParsedModelUri,
  type RunsModelUri,
} from './model-uri.js';
export {
  appendToUri,
  resolveArtifactLocation,
  resolveModelVersion,
  runsUriToArtifactUri,
  type ArtifactLocation,
  type ModelUriStores,
} from './model-uri-resolution.js';
export { lineageOf, runLink, runsBehind, type LineageRun, type ModelVersionLineage, type RunsBehindSelector } from './model-lineage.js';
