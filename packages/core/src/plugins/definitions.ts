import type { ArtifactRepository } from '../contracts/artifact-repository.js';
import type { AuthStore } from '../contracts/auth-store.js';
import type { ModelRegistryStore } from '../contracts/model-registry-store.js';
import type { ProjectBackend } from '../contracts/project-backend.js';
import type { RunContextProvider } from '../contracts/run-context-provider.js';
import type { TrackingStore } from '../contracts/tracking-store.js';
import type { ModelRegistryPersistence } from '../domain/registry-persistence.js';
import type { TrackingPersistence } from '../domain/tracking-persistence.js';
import type { Logger } from '../logging/logger.js';
import type { PluginRegistry } from './plugin-registry.js';
import { declarePluginKind, type PluginPackageHint } from './plugin-kind.js';
import type { PluginOptionsSchema } from './plugin-options.js';

export { PLUGIN_API_VERSION } from './plugin-kind.js';

/** The kinds core declares itself; a kind declared elsewhere (`declarePluginKind`) is a plain string id. */
export type BuiltinPluginKind = 'trackingStore' | 'artifactRepository' | 'modelRegistryStore' | 'authStore' | 'runContextProvider' | 'projectBackend';
/** A plugin kind's id: a built-in one, or one declared with `declarePluginKind`. */
// `string & {}` keeps the built-in ids suggested while allowing any declared one.
export type PluginKind = BuiltinPluginKind | (string & {});

/** What every factory receives. */
export interface PluginContext {
  logger: Logger;
  /**
   * The plugin's options (its `options` schema), read from the configuration file and the
   * environment and checked before `create`; empty when it declares none. The registry always
   * passes them; a caller creating a plugin directly (a unit test) may leave them out, and the
   * plugin then reads them as `pluginOptionsFromEnv` does.
   */
  options?: Record<string, unknown>;
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

interface DefinitionBase<K extends BuiltinPluginKind> {
  readonly kind: K;
  readonly apiVersion: number;
  /** The plugin's own options; see `PluginDefinitionBase.options`. */
  readonly options?: PluginOptionsSchema;
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
  /**
   * `config` is the backend configuration (`--backend-config`); `registry` is the registry the
   * backend was opened through, for opening tracking clients with the same plugins.
   */
  create(context: PluginContext & { config: Record<string, unknown>; registry?: PluginRegistry }): Promise<ProjectBackend>;
}

export type PluginDefinition =
  | TrackingStoreDefinition
  | ModelRegistryStoreDefinition
  | AuthStoreDefinition
  | ArtifactRepositoryDefinition
  | RunContextProviderDefinition
  | ProjectBackendDefinition;

type Spec<D> = Omit<D, 'kind' | 'apiVersion'>;

const STORE_HINTS: readonly PluginPackageHint[] = [
  { packageName: '@orrery/plugin-postgres', schemes: ['postgresql', 'postgres'] },
  { packageName: '@orrery/plugin-redis', schemes: ['redis', 'rediss'] },
  { packageName: '@orrery/plugin-sqlite', schemes: ['sqlite'] },
];

/** Where runs, experiments, metrics and params live; keyed by the tracking URI's scheme. */
export const trackingStoreKind = declarePluginKind<TrackingStoreDefinition>({ id: 'trackingStore', keyedBy: 'scheme', label: 'tracking store', hints: STORE_HINTS });
/** Where registered models and versions live; keyed by the registry URI's scheme. */
export const modelRegistryStoreKind = declarePluginKind<ModelRegistryStoreDefinition>({
  id: 'modelRegistryStore',
  keyedBy: 'scheme',
  label: 'model registry store',
  hints: STORE_HINTS,
});
/** The basic-auth app's users, permissions and audit log; keyed by the auth database URI's scheme. */
export const authStoreKind = declarePluginKind<AuthStoreDefinition>({ id: 'authStore', keyedBy: 'scheme', label: 'auth store', hints: STORE_HINTS });
/** Artifact storage; keyed by the artifact URI's scheme, or by scheme and host pattern. */
export const artifactRepositoryKind = declarePluginKind<ArtifactRepositoryDefinition>({
  id: 'artifactRepository',
  keyedBy: 'scheme',
  label: 'artifact repository',
  hints: [
    {
      packageName: '@orrery/plugin-azure-blob',
      schemes: ['azure', 'wasbs', 'wasb', 'abfss', 'abfs'],
      hosts: { scheme: 'https', domains: ['blob.core.windows.net', 'blob.core.chinacloudapi.cn', 'blob.core.usgovcloudapi.net'] },
    },
    { packageName: '@orrery/plugin-ftp', schemes: ['ftp'] },
    { packageName: '@orrery/plugin-sftp', schemes: ['sftp'] },
    { packageName: '@orrery/plugin-local', schemes: ['file'] },
  ],
});
/** Tags a new run gets from where it runs (user, source, git, host); keyed by name. */
export const runContextProviderKind = declarePluginKind<RunContextProviderDefinition>({ id: 'runContextProvider', keyedBy: 'name', label: 'run-context provider' });
/** Where MLproject runs execute; keyed by name. */
export const projectBackendKind = declarePluginKind<ProjectBackendDefinition>({ id: 'projectBackend', keyedBy: 'name', label: 'project backend' });

/** The built-in kinds' ids (every declared kind: `declaredPluginKindIds()`). */
export const PLUGIN_KINDS: readonly BuiltinPluginKind[] = [
  'trackingStore',
  'artifactRepository',
  'modelRegistryStore',
  'authStore',
  'runContextProvider',
  'projectBackend',
];

export function defineTrackingStore(spec: Spec<TrackingStoreDefinition>): TrackingStoreDefinition {
  return trackingStoreKind.define(spec);
}
export function defineModelRegistryStore(spec: Spec<ModelRegistryStoreDefinition>): ModelRegistryStoreDefinition {
  return modelRegistryStoreKind.define(spec);
}
export function defineAuthStore(spec: Spec<AuthStoreDefinition>): AuthStoreDefinition {
  return authStoreKind.define(spec);
}
export function defineArtifactRepository(spec: Spec<ArtifactRepositoryDefinition>): ArtifactRepositoryDefinition {
  return artifactRepositoryKind.define(spec);
}
export function defineRunContextProvider(spec: Spec<RunContextProviderDefinition>): RunContextProviderDefinition {
  return runContextProviderKind.define(spec);
}
export function defineProjectBackend(spec: Spec<ProjectBackendDefinition>): ProjectBackendDefinition {
  return projectBackendKind.define(spec);
}
