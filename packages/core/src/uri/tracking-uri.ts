import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** File name of the embedded default store, in the working directory. */
export const DEFAULT_DB_FILE = 'orrery.db';
/** Folder of the embedded default artifact root, in the working directory. */
export const DEFAULT_ARTIFACTS_DIR = 'orrery-artifacts';

export interface UriSources {
  /** An argument passed to the call that needs a store. */
  explicit?: string | undefined;
  /** What `setTrackingUri` (or `setRegistryUri`) set in this process. */
  configured?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** `sqlite:////abs/path/orrery.db` for the working directory (four slashes: an absolute path). */
export function defaultTrackingUri(cwd: string = process.cwd()): string {
  return `sqlite:///${path.resolve(cwd, DEFAULT_DB_FILE)}`;
}

/** `file:///abs/path/orrery-artifacts` for the working directory. */
export function defaultArtifactRoot(cwd: string = process.cwd()): string {
  return pathToFileURL(path.resolve(cwd, DEFAULT_ARTIFACTS_DIR)).href;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The tracking URI, first of: explicit argument, `setTrackingUri`, `ORRERY_TRACKING_URI`,
 * `MLFLOW_TRACKING_URI`, the embedded default (`orrery.db` in the working directory).
 */
export function resolveTrackingUri(sources: UriSources = {}): string {
  const env = sources.env ?? process.env;
  return (
    nonEmpty(sources.explicit) ??
    nonEmpty(sources.configured) ??
    nonEmpty(env.ORRERY_TRACKING_URI) ??
    nonEmpty(env.MLFLOW_TRACKING_URI) ??
    defaultTrackingUri(sources.cwd)
  );
}

/**
 * The registry URI, first of: explicit argument, `setRegistryUri`, `ORRERY_REGISTRY_URI`,
 * `MLFLOW_REGISTRY_URI`, then the tracking URI (resolved by its own chain).
 */
export function resolveRegistryUri(sources: UriSources & { trackingUri?: string } = {}): string {
  const env = sources.env ?? process.env;
  return (
    nonEmpty(sources.explicit) ??
    nonEmpty(sources.configured) ??
    nonEmpty(env.ORRERY_REGISTRY_URI) ??
    nonEmpty(env.MLFLOW_REGISTRY_URI) ??
    sources.trackingUri ??
    resolveTrackingUri({ env, ...(sources.cwd ? { cwd: sources.cwd } : {}) })
  );
}

/**
 * The scheme a URI is served by: `postgresql+psycopg2://` → `postgresql`; a plain path (no
 * scheme, or a one-letter Windows drive) → `file`.
 */
export function uriScheme(uri: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  if (!match || match[1]!.length === 1) return 'file';
  const scheme = match[1]!.toLowerCase();
  const plus = scheme.indexOf('+');
  return plus > 0 ? scheme.slice(0, plus) : scheme;
}
