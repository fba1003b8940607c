/**
 * The plugin registry: what discovery found, and how a URI becomes a live store.
 * (Interface fixed here; the implementation lands with discovery.)
 */
import type { ArtifactRepository } from '../contracts/artifact-repository.js';
import type { ModelRegistryStore } from '../contracts/model-registry-store.js';
import type { ProjectBackend } from '../contracts/project-backend.js';
import type { RunContextProvider } from '../contracts/run-context-provider.js';
import type { TrackingStore } from '../contracts/tracking-store.js';
import type { MigrationResult, PluginKind } from './definitions.js';
import { errors } from '../errors/orrery-error.js';

/** One thing one installed package provides, as declared in its package.json `"orrery"` field. */
export interface PluginEntry {
  kind: PluginKind;
  /** URI schemes for stores and repositories. */
  schemes: string[];
  /** Name, for run-context providers and project backends. */
  name?: string;
  packageName: string;
  packageVersion: string;
  /** Absolute path of the module whose default export is the definition. */
  modulePath: string;
}

export interface PluginRegistry {
  /** Everything discovered plus everything registered explicitly. */
  list(): PluginEntry[];
  /** Opens the tracking store for a URI, loading its plugin on first use. */
  openTrackingStore(uri: string, options: { defaultArtifactRoot: string }): Promise<TrackingStore>;
  /** Opens the registry store for a URI. */
  openModelRegistryStore(uri: string): Promise<ModelRegistryStore>;
  /** Opens an artifact repository rooted at a URI (plain paths are `file`). */
  openArtifactRepository(uri: string): Promise<ArtifactRepository>;
  /** Every discovered run-context provider, in a stable order, with the package that provides it. */
  runContextProviders(): Promise<Array<{ provider: RunContextProvider; packageName: string }>>;
  /** Creates the project backend registered under a name. */
  openProjectBackend(name: string, config: Record<string, unknown>): Promise<ProjectBackend>;
  /** Runs the schema migrations of the tracking (and registry) store serving a URI. */
  upgradeDatabase(uri: string): Promise<MigrationResult>;
}

export interface DiscoverOptions {
  /** Directory whose node_modules (and its parents') are scanned; default the working directory. */
  cwd?: string;
  /** Explicit configuration: `kind -> scheme or name -> module specifier or path`; beats discovery. */
  explicit?: Partial<Record<string, Record<string, string>>>;
}

/**
 * Scans installed packages for `"orrery"` fields (without importing them) and returns the registry.
 * (Stub until discovery lands.)
 */
export async function discoverPlugins(_options: DiscoverOptions = {}): Promise<PluginRegistry> {
  throw errors.notImplemented('discoverPlugins');
}
