/**
 * Where a model URI's files are on this machine: a local path as it is, anything else
 * (`runs:/`, `models:/`, `mlflow-artifacts:`, an artifact store URI) downloaded through
 * @orrery/client from the tracking and registry server (MLflow's `_download_artifact_from_uri`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrreryClient, isModelsUri, parseModelUri, resolveModelVersion as resolveVersionIn, type ModelsModelUri } from '@orrery/client';
import type { LoadModelOptions } from './loaded-model.js';

/** A plain path, or `file:` URI: no server involved. */
export function localPathOf(uri: string): string | undefined {
  if (uri.startsWith('file:')) return fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !/^[A-Za-z]:[\\/]/.test(uri)) return undefined;
  return uri;
}

/** Where remote models come from: a client to reuse (e.g. one polling an alias), else one opened per call. */
export interface ModelSourceOptions extends LoadModelOptions {
  /** An open client to download and resolve through; it is not closed. */
  client?: OrreryClient;
}

async function withClient<T>(options: ModelSourceOptions, use: (client: OrreryClient) => Promise<T>): Promise<T> {
  if (options.client !== undefined) return use(options.client);
  const client = await OrreryClient.create(options.trackingUri !== undefined ? { trackingUri: options.trackingUri } : {});
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Downloads (when remote) the files a model URI names; returns the local model directory. */
export async function localModelPath(uri: string, options: ModelSourceOptions = {}): Promise<string> {
  return (await fetchModelFiles(uri, options)).path;
}

/**
 * The model's local directory, and the temporary folder made to hold it when it was downloaded
 * without a `dstPath` (the caller removes it when done with the model).
 */
export async function fetchModelFiles(uri: string, options: ModelSourceOptions = {}): Promise<{ path: string; temporary?: string }> {
  const local = localPathOf(uri);
  if (local !== undefined) return { path: local };
  const temporary = options.dstPath === undefined ? await mkdtemp(join(tmpdir(), 'orrery-model-')) : undefined;
  const dst = options.dstPath ?? temporary!;
  try {
    const path = await withClient(options, (client) => client.downloadArtifacts(uri, dst));
    return { path, ...(temporary !== undefined ? { temporary } : {}) };
  } catch (error) {
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** The version a `models:/` URI names now; undefined for other URIs. */
export async function resolveModelVersion(uri: string, options: ModelSourceOptions = {}): Promise<{ name: string; version: string } | undefined> {
  if (!isModelsUri(uri)) return undefined;
  const parsed = parseModelUri(uri) as ModelsModelUri;
  return withClient(options, async (client) => {
    const version = await resolveVersionIn(await client.modelRegistry(), parsed);
    return { name: version.name, version: version.version };
  });
}
