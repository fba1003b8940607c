import './async-dispose-polyfill.js';

export {
  OrreryClient,
  toTagList,
  type CreateExperimentOptions,
  type CreateModelVersionOptions,
  type CreateRegisteredModelOptions,
  type RegisterModelOptions,
  type SearchModelVersionsOptions,
  type SearchRegisteredModelsOptions,
  type UpdateModelVersionOptions,
  type CreateRunOptions,
  type LogMetricOptions,
  type OrreryClientOptions,
  type ParamValue,
  type SearchExperimentsOptions,
  type SearchRunsOptions,
  type TagsInput,
} from './orrery-client.js';
export { MetricBuffer, type MetricBufferOptions, type MetricSink } from './metric-buffer.js';
export { BUILTIN_PLUGIN_PACKAGES, DEFAULT_STORE_PLUGIN_PACKAGE, discoverDefaultRegistry } from './default-registry.js';
export { toYamlText } from '@orrery/core';
export { resolveRunContextTags, type RunContextSource } from './context/run-context-tags.js';
export { createUserRunContextProvider, currentUser, USER_TAG } from './context/user-provider.js';
export {
  createSourceRunContextProvider,
  entryScript,
  SOURCE_NAME_TAG,
  SOURCE_TYPE_TAG,
  type SourceType,
} from './context/source-provider.js';
export {
  createGitRunContextProvider,
  entryScriptDir,
  GIT_BRANCH_TAG,
  GIT_COMMIT_TAG,
  GIT_REPO_URL_TAG,
  readGitInfo,
  withoutCredentials,
  type GitInfo,
} from './context/git-provider.js';
export { createHostRunContextProvider, HOST_TAG } from './context/host-provider.js';
export * from './fluent/index.js';
export * from './rest/index.js';
export * from './registry/index.js';
