export { RestTrackingStore } from './rest-tracking-store.js';
export {
  RestArtifactRepository,
  resolveProxiedArtifactUri,
  ARTIFACTS_ROUTE,
} from './rest-artifact-repository.js';
export {
  RestTransport,
  transportOptionsFromEnv,
  errorFromResponse,
  type RestTransportOptions,
  type RestRequest,
} from './rest-transport.js';
export { default as restTrackingStorePlugin } from './rest-tracking-plugin.js';
export { default as restArtifactRepositoryPlugin } from './rest-artifact-plugin.js';
export { RestModelRegistryStore } from './rest-model-registry-store.js';
export { RestAuthClient } from './rest-auth-client.js';
export type { RemoteUser, RemoteApiToken } from '@orrery/protocol';
export { modelVersionFromWire, registeredModelFromWire } from '@orrery/protocol';
export { default as restModelRegistryStorePlugin } from './rest-model-registry-plugin.js';
