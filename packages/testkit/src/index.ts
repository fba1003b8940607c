// ---- TrackingStore conformance suite and test-services registry ----
export { runTrackingStoreConformance } from './tracking-store-conformance.js';
export type { OpenedTrackingStore, TrackingStoreConformanceOptions } from './tracking-store-conformance.js';
export { SeededRandom, conformanceSeed } from './tracking-conformance/seeded-random.js';
export {
  getTestService,
  registerTestService,
  registeredTestServices,
  TestServiceUnavailableError,
  CONTAINERS_ENV,
} from './services/test-services.js';
export type {
  ContainerMode,
  ResolveTestServiceOptions,
  StartedTestService,
  TestService,
  TestServiceDefinition,
  TestServiceSource,
} from './services/test-services.js';
export { POSTGRES_SERVICE, REDIS_SERVICE } from './services/service-definitions.js';
export * from './services/service-containers.js';
export { findDockerEngine, defaultDockerSocketPaths } from './services/docker-engine.js';
export type { DockerEngine, DockerEngineResult } from './services/docker-engine.js';
export { freeTcpPort, probeConnection } from './services/tcp-probe.js';
export type { ProbeResult } from './services/tcp-probe.js';
export { uniqueNamespace } from './services/namespaces.js';
export * from './services/postgres-service.js';
export { tempDir, tempDirsPerTest, withTempDir } from './services/temp-dirs.js';
export type { TempDir } from './services/temp-dirs.js';

// ---- ArtifactRepository conformance suite (section of the artifact-repository helper) ----
export {
  runArtifactRepositoryConformance,
  ESCAPING_ARTIFACT_PATHS,
} from './artifact-repository-conformance.js';
export type {
  ArtifactRepositoryConformanceOptions,
  OpenedArtifactRepository,
} from './artifact-repository-conformance.js';
export { generateBytes, hashStream } from './artifact-conformance/artifact-fixtures.js';
export {
  largeFileBytes,
  manyFilesCount,
  MAX_RSS_GROWTH_BYTES,
} from './artifact-conformance/scale-cases.js';
export type { GeneratedBytes, GeneratedBytesOptions } from './artifact-conformance/artifact-fixtures.js';
export {
  AZURITE_ACCOUNT,
  AZURITE_CONNECTION_STRING_ENV,
  AZURITE_SERVICE,
  azuriteConnectionString,
  getAzuriteConnectionString,
  startAzurite,
} from './services/azurite-service.js';
export type { AzuriteConnection, StartAzuriteOptions, StartedAzurite } from './services/azurite-service.js';

// ---- ModelRegistryStore conformance suite (section of the registry-store helper) ----
export { runModelRegistryStoreConformance } from './registry-store-conformance.js';
export type { ModelRegistryStoreConformanceOptions, OpenedModelRegistryStore } from './registry-store-conformance.js';
export { recordingLogger, type LogRecord } from './recording-logger.js';
export * from './services/redis-service.js';
export * from './services/sshd-service.js';
export * from './services/ftp-service.js';
export * from './orrery-server-process.js';

// ---- AuthStore conformance suite ----
export { runAuthStoreConformance } from './auth-store-conformance.js';
export type { AuthStoreConformanceOptions, OpenedAuthStore } from './auth-store-conformance.js';
export { expectAuthStoreHoldsAcrossProcesses } from './auth-conformance/process-race.js';
export type { ProcessRaceOptions } from './auth-conformance/process-race.js';

// ---- Domain-layer checks (log-model history, events) ----
export { runLogModelChecks, runRegistryEventChecks, runTrackingEventChecks } from './domain-service-checks.js';
export {
  buildOnnxModel,
  linearOnnxModel,
  mlpOnnxModel,
  mlpReference,
  mlpWeights,
  twoInputOnnxModel,
  type MlpSpec,
  type MlpWeights,
  type OnnxDim,
  type OnnxGraphSpec,
  type OnnxInitializer,
  type OnnxNode,
  type OnnxValueInfo,
} from './onnx-model-builders.js';
export { runFlavorConformance, type ConformanceModelDirectory, type FlavorConformanceOptions, type FlavorUnderTest } from './flavor-conformance.js';

// ---- MLflow stores built without Python, for `orrery import` tests and its benchmark ----
export * from './mlflow-stores/mlflow-sql-schema.js';
export * from './mlflow-stores/mlflow-sample.js';
export { runRestoreConformance } from './restore-store-conformance.js';
export type { OpenedRestoreStores, RestoreConformanceOptions } from './restore-store-conformance.js';

// ---- ProjectBackend conformance suite ----
export { runProjectBackendConformance } from './project-backend-conformance.js';
export type { ProjectBackendConformanceOptions } from './project-backend-conformance.js';
