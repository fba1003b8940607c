import type { ArtifactRepository } from '../contracts/artifact-repository.js';
import type { AuthStore } from '../contracts/auth-store.js';
import type { ModelRegistryStore } from '../contracts/model-registry-store.js';
import type { ProjectBackend } from '../contracts/project-backend.js';
import type { RunContextProvider } from '../contracts/run-context-provider.js';
import type { TrackingStore } from '../contracts/tracking-store.js';
import type { ModelRegistryPersistence } from '../domain/registry-persistence.js';
import type { TrackingPersistence } from '../domain/tracking-persistence.js';
import { errors } from '../errors/orrery-error.js';
import type { Logger } from '../logging/logger.js';
import { parseHostClaim } from './uri-claims.js';

/**
 * The plugin API version. A plugin module's default export carries the version it was built
 * against; core refuses a different major version with a message naming the package.
 */
export const PLUGIN_API_VERSION = 1;

export type PluginKind = 'trackingStore' | 'artifactRepository' | 'modelRegistryStore' | 'authStore' | 'runContextProvider' | 'projectBackend';
export const PLUGIN_KINDS: readonly PluginKind[] = [
  'trackingStore',
  'artifactRepository',
  'modelRegistryStore',
  'authStore',
  'runContextProvider',
  'projectBackend',
];

/** What every factory receives. */
export interface PluginContext {
  logger: Logger;
}

export interface TrackingStoreContext extends PluginContext {
  /** The full store URI, e.g. `sqlite:///tmp/orrery.db` or `postgresql://u@h/db`. */
  uri: string;
  /** Where new experiments put their artifacts unless they name a location. */
  defaultArtifactRoot: string;
}

export interface ModelRegistryStoreContext extends PluginContext {
  uri: string;
}

export interface AuthStoreContext extends PluginContext {
  /** The auth database URI (the basic-auth ini's `database_uri`), e.g. `sqlite:///var/orrery/auth.db`. */
  uri: string;
}

export interface ArtifactRepositoryContext extends PluginContext {
  /** The root URI of the repository, e.g. `file:///data/artifacts/1/abc/artifacts`. */
  uri: string;
  /**
   * The tracking URI of the client or server opening the repository, when it has one: URIs that
   * name no host of their own (`mlflow-artifacts:/1/abc/artifacts`) resolve against it.
   */
  trackingUri?: string;
}

interface DefinitionBase<K extends PluginKind> {
  readonly kind: K;
  readonly apiVersion: number;
}

/**
 * What a store or repository serves: the same claims as the keys of its package.json `"orrery"`
 * entry. Discovery reads them from package.json only (it never imports a plugin to find out what
 * it serves); the definition lists them too so they are documented in code, checked when the
 * module loads, and testable against the package.json.
 */
export interface UriClaims {
  /** URI schemes served for any host, without `:` (e.g. `sqlite`). */
  readonly schemes: readonly string[];
  /**
   * Schemes served only for some hosts, as `<scheme>://<host>` or `<scheme>://*.<domain>` (a
   * leading `*.` stands for one or more labels, never for none), e.g.
   * `https://*.blob.core.windows.net`. For a URI whose host matches, such a claim beats another
   * package's claim of the bare scheme.
   */
  readonly hostPatterns?: readonly string[];
}

export interface TrackingStoreDefinition extends DefinitionBase<'trackingStore'>, UriClaims {
  /** The store, or a persistence port (`TrackingPersistence`) that core puts a `TrackingService` in front of. */
  create(context: TrackingStoreContext): Promise<TrackingStore | TrackingPersistence>;
  /** Brings the database schema up to date (`orrery db upgrade`); absent for stores without a schema. */
  migrate?(context: PluginContext & { uri: string }): Promise<MigrationResult>;
}

/** What a schema upgrade did. */
export interface MigrationResult {
  fromVersion: number;
  toVersion: number;
  applied: string[];
}

export interface ModelRegistryStoreDefinition extends DefinitionBase<'modelRegistryStore'>, UriClaims {
  /** The store, or a persistence port (`ModelRegistryPersistence`) that core puts a `ModelRegistryService` in front of. */
  create(context: ModelRegistryStoreContext): Promise<ModelRegistryStore | ModelRegistryPersistence>;
  migrate?(context: PluginContext & { uri: string }): Promise<MigrationResult>;
}

/**
 * Where the server's authentication layer keeps users, permissions, tokens, login failures and the
 * audit log. Its schema (if any) is its own, with its own version, so it can live in its own
 * database or beside a tracking store's tables in the same one.
 */
export interface AuthStoreDefinition extends DefinitionBase<'authStore'>, UriClaims {
  create(context: AuthStoreContext): Promise<AuthStore>;
  /** Brings the auth schema up to date (`orrery db upgrade --auth`); absent for stores without a schema. */
  migrate?(context: PluginContext & { uri: string }): Promise<MigrationResult>;
}

export interface ArtifactRepositoryDefinition extends DefinitionBase<'artifactRepository'>, UriClaims {
  create(context: ArtifactRepositoryContext): Promise<ArtifactRepository>;
}

export interface RunContextProviderDefinition extends DefinitionBase<'runContextProvider'> {
  readonly name: string;
  create(context: PluginContext): Promise<RunContextProvider> | RunContextProvider;
}

export interface ProjectBackendDefinition extends DefinitionBase<'projectBackend'> {
  readonly name: string;
  create(context: PluginContext & { config: Record<string, unknown> }): Promise<ProjectBackend>;
}

export type PluginDefinition =
  | TrackingStoreDefinition
  | ModelRegistryStoreDefinition
  | AuthStoreDefinition
  | ArtifactRepositoryDefinition
  | RunContextProviderDefinition
  | ProjectBackendDefinition;

type Spec<D> = Omit<D, 'kind' | 'apiVersion'>;

/**
 * Host patterns in canonical form (lower case); a malformed one fails when the plugin module loads,
 * which discovery reports naming the package.
 */
function checkedClaims<S extends UriClaims>(spec: S): S {
  if (spec.hostPatterns === undefined) return spec;
  const hostPatterns = spec.hostPatterns.map((pattern) => {
    const claim = parseHostClaim(pattern);
    if ('error' in claim) throw errors.invalidParameter(`Invalid host pattern ${JSON.stringify(pattern)} in a plugin definition: ${claim.error}.`);
    return claim.key;
  });
  return { ...spec, hostPatterns };
}

export function defineTrackingStore(spec: Spec<TrackingStoreDefinition>): TrackingStoreDefinition {
  return { ...checkedClaims(spec), kind: 'trackingStore', apiVersion: PLUGIN_API_VERSION };
}
export function defineModelRegistryStore(spec: Spec<ModelRegistryStoreDefinition>): ModelRegistryStoreDefinition {
  return { ...checkedClaims(spec), kind: 'modelRegistryStore', apiVersion: PLUGIN_API_VERSION };
}
export function defineAuthStore(spec: Spec<AuthStoreDefinition>): AuthStoreDefinition {
  return { ...checkedClaims(spec), kind: 'authStore', apiVersion: PLUGIN_API_VERSION };
}
export function defineArtifactRepository(spec: Spec<ArtifactRepositoryDefinition>): ArtifactRepositoryDefinition {
  return { ...checkedClaims(spec), kind: 'artifactRepository', apiVersion: PLUGIN_API_VERSION };
}
export function defineRunContextProvider(spec: Spec<RunContextProviderDefinition>): RunContextProviderDefinition {
  return { ...spec, kind: 'runContextProvider', apiVersion: PLUGIN_API_VERSION };
}
export function defineProjectBackend(spec: Spec<ProjectBackendDefinition>): ProjectBackendDefinition {
  return { ...spec, kind: 'projectBackend', apiVersion: PLUGIN_API_VERSION };
}
