/**
 * Where a model URI's files are on this machine: a local path as it is, anything else
 * (`runs:/`, `models:/`, `mlflow-artifacts:`, an artifact store URI) downloaded through
 * @orrery/client from the tracking and registry server (MLflow's `_download_artifact_from_uri`).
 */
import { mkdtemp } from 'node:fs/promises';
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

async function withClient<T>(options: LoadModelOptions, use: (client: OrreryClient) => Promise<T>): Promise<T> {
  const client = await OrreryClient.create(options.trackingUri !== undefined ? { trackingUri: options.trackingUri } : {});
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Downloads (when remote) the files a model URI names; returns the local model directory. */
export async function localModelPath(uri: string, options: LoadModelOptions = {}): Promise<string> {
  const local = localPathOf(uri);
  if (local !== undefined) return local;
  const dst = options.dstPath ?? (await mkdtemp(join(tmpdir(), 'orrery-model-')));
  return withClient(options, (client) => client.downloadArtifacts(uri, dst));
}

/** The version a `models:/` URI names now; undefined for other URIs. */
export async function resolveModelVersion(uri: string, options: LoadModelOptions = {}): Promise<{ name: string; version: string } | undefined> {
  if (!isModelsUri(uri)) return undefined;
  const parsed = parseModelUri(uri) as ModelsModelUri;
  return withClient(options, async (client) => {
    const version = await resolveVersionIn(await client.modelRegistry(), parsed);
    return { name: version.name, version: version.version };
  });
}
