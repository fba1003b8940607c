/**
 * Resolution of `runs:/` and `models:/` URIs to the artifact location that holds the files, the
 * way MLflow resolves them.
 */
import { OrreryError, artifactBasename, artifactDirname, type ModelRegistryStore, type ModelVersion, type TrackingStore } from '@orrery/core';
import { isModelsUri, isRunsUri, parseModelUri, type ModelsModelUri, type RunsModelUri } from './model-uri.js';

/** Where a URI's files are: an artifact repository root and a path inside it (`''` for all of it). */
export interface ArtifactLocation {
  /** Root URI to open an ArtifactRepository at. */
  rootUri: string;
  /** Path below the root; `''` means the root's whole content. */
  path: string;
}

/** The stores a resolution reads. */
export interface ModelUriStores {
  trackingStore: TrackingStore;
  registryStore(): Promise<ModelRegistryStore>;
}

/** A model version's source sometimes is itself a model URI; this many hops are followed. */
const MAX_SOURCE_HOPS = 10;

/** `uri` with `path` appended by one `/`, as MLflow appends to an artifact URI. */
export function appendToUri(uri: string, path: string): string {
  if (path === '') return uri;
  return `${uri.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The version a `models:/` URI picks. RESOURCE_DOES_NOT_EXIST when no version matches. */
export async function resolveModelVersion(registry: ModelRegistryStore, parsed: ModelsModelUri): Promise<ModelVersion> {
  const { name, selector } = parsed;
  switch (selector.kind) {
    case 'version':
      return registry.getModelVersion(name, selector.version);
    case 'alias':
      return registry.getModelVersionByAlias(name, selector.alias);
    case 'stage':
    case 'latest': {
      const versions = await registry.getLatestVersions(name, selector.kind === 'stage' ? [selector.stage] : undefined);
      const newest = versions.reduce<ModelVersion | undefined>(
        (best, version) => (best === undefined || Number(version.version) > Number(best.version) ? version : best),
        undefined,
      );
      if (newest === undefined) {
        throw new OrreryError(
          'RESOURCE_DOES_NOT_EXIST',
          selector.kind === 'stage'
            ? `Registered model '${name}' has no version in stage '${selector.stage}'.`
            : `Registered model '${name}' has no versions.`,
        );
      }
      return newest;
    }
  }
}

/** The artifact URI of a `runs:/<id>/<path>` URI: the run's artifact URI with the path appended. */
export async function runsUriToArtifactUri(trackingStore: TrackingStore, runId: string, artifactPath: string): Promise<string> {
  const run = await trackingStore.getRun(runId);
  if (!run.info.artifactUri) {
    throw new OrreryError('INVALID_STATE', `Run '${runId}' has no artifact URI, so runs:/${runId}/... names no files.`);
  }
  return appendToUri(run.info.artifactUri, artifactPath);
}

/**
 * Where the files of a URI are. For `runs:/<id>/<dir>/<name>` the root is the run's `<dir>` and
 * the path `<name>`, so that a download lands in `<dst>/<name>` (as MLflow's does); for a
 * `models:/` URI the root is the version's download URI and the path `''` (or the URI's inner
 * path), so that the version's files land directly in `<dst>`. Any other URI is taken as an
 * artifact root already.
 */
export async function resolveArtifactLocation(uri: string, stores: ModelUriStores): Promise<ArtifactLocation> {
  let current = uri;
  let innerPath = '';
  let viaModel = false;
  for (let hop = 0; hop < MAX_SOURCE_HOPS; hop += 1) {
    if (isRunsUri(current)) {
      const parsed = parseModelUri(current) as RunsModelUri;
      const fullPath = [parsed.artifactPath, innerPath].filter((part) => part !== '').join('/');
      const run = await stores.trackingStore.getRun(parsed.runId);
      if (!run.info.artifactUri) {
        throw new OrreryError('INVALID_STATE', `Run '${parsed.runId}' has no artifact URI, so ${uri} names no files.`);
      }
      if (viaModel || fullPath === '') {
        // Reached through a model version: its files go straight into the destination.
        return { rootUri: appendToUri(run.info.artifactUri, parsed.artifactPath), path: innerPath };
      }
      return { rootUri: appendToUri(run.info.artifactUri, artifactDirname(fullPath)), path: artifactBasename(fullPath) };
    }
    if (isModelsUri(current)) {
      const parsed = parseModelUri(current) as ModelsModelUri;
      const registry = await stores.registryStore();
      const version = await resolveModelVersion(registry, parsed);
      viaModel = true;
      current = await registry.getModelVersionDownloadUri(version.name, version.version);
      innerPath = [parsed.path, innerPath].filter((part) => part !== '').join('/');
      if (!isRunsUri(current) && !isModelsUri(current)) return { rootUri: current, path: innerPath };
      continue;
    }
    return { rootUri: current, path: innerPath };
  }
  throw new OrreryError('INVALID_STATE', `Cannot resolve ${uri}: its model version sources refer to each other more than ${MAX_SOURCE_HOPS} times.`);
}
