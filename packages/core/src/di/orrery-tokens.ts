import type { ArtifactRepository } from '../contracts/artifact-repository.js';
import type { AuthStore } from '../contracts/auth-store.js';
import type { ModelRegistryStore } from '../contracts/model-registry-store.js';
import type { TrackingStore } from '../contracts/tracking-store.js';
import type { Logger } from '../logging/logger.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { createToken } from './tokens.js';

/** The resolved configuration of one Orrery instance (URIs after the resolution chain). */
export interface OrreryConfig {
  trackingUri: string;
  registryUri: string;
  /** Where new experiments put their artifacts unless they name a location. */
  defaultArtifactRoot: string;
  /** Working directory the defaults and plugin discovery were resolved from. */
  cwd: string;
}

/**
 * Opens the artifact repository rooted at a URI through the plugin registry, once per URI for the
 * life of the container (a failed open is not kept); the container closes them on dispose.
 */
export type ArtifactRepositoryFactory = (uri: string) => Promise<ArtifactRepository>;

/**
 * The model registry store, opened on first call and kept (a failed open is not kept, so a later
 * call retries); the container closes it on dispose. Throws INVALID_PARAMETER_VALUE naming the
 * known schemes when no installed plugin serves the registry URI.
 */
export type ModelRegistryStoreProvider = () => Promise<ModelRegistryStore>;

/**
 * Opens the auth store of a URI (the basic-auth ini's `database_uri`) through the plugin registry,
 * once per URI for the life of the container (a failed open is not kept, so a later call
 * retries); the container closes it on dispose.
 */
export type AuthStoreFactory = (uri: string) => Promise<AuthStore>;

/** The typed tokens of the services every Orrery container holds. */
export const OrreryTokens = {
  logger: createToken<Logger>('orrery.logger'),
  config: createToken<OrreryConfig>('orrery.config'),
  pluginRegistry: createToken<PluginRegistry>('orrery.pluginRegistry'),
  trackingStore: createToken<TrackingStore>('orrery.trackingStore'),
  modelRegistryStore: createToken<ModelRegistryStoreProvider>('orrery.modelRegistryStore'),
  artifactRepositoryFactory: createToken<ArtifactRepositoryFactory>('orrery.artifactRepositoryFactory'),
  authStoreFactory: createToken<AuthStoreFactory>('orrery.authStoreFactory'),
} as const;
