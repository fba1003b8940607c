/**
 * Saving and logging a model of any flavor, as MLflow's `Model.log` does: save the directory
 * (with the run id and artifact path in its MLmodel) to a temporary folder, upload it as the
 * run's artifacts under `artifactPath`, record it in the run's `mlflow.log-model.history` through
 * the tracking store's log-model call (the domain layer checks and appends it), and register a
 * version when `registeredModelName` is given.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrreryError, type ModelVersion } from '@orrery/core';
import { activeRun, getClient } from '@orrery/client';
import { writeModelDirectory, type ModelDirectoryContent } from './model-directory.js';
import type { ModelInput } from './model-data.js';
import type { ModelSignature } from './signature-types.js';

/** Options every flavor's saveModel takes. */
export interface SaveModelOptions {
  signature?: ModelSignature;
  /** Saved as input_example.json (a DataFrame as pandas' split orient, tensors as TF serving's `inputs`). */
  inputExample?: ModelInput;
  /** Free-form data stored in the MLmodel's `metadata`. */
  metadata?: Record<string, unknown>;
}

/** Options every flavor's logModel takes. */
export interface LogModelOptions extends SaveModelOptions {
  /** Also register the logged model as a new version of this registered model. */
  registeredModelName?: string;
  /** The run to log to (default: the active run of `startRun`). */
  runId?: string;
}

/** What logModel returns: MLflow's ModelInfo, in camelCase. */
export interface ModelInfo {
  artifactPath: string;
  runId: string;
  modelUri: string;
  modelUuid: string;
  flavors: Record<string, Record<string, unknown>>;
  signature: ModelSignature | undefined;
  utcTimeCreated: string;
  mlflowVersion: string;
  metadata: Record<string, unknown> | undefined;
  /** The version registered when `registeredModelName` was given. */
  registeredModelVersion?: ModelVersion;
}

/** A flavor's directory content without the saving options (which are merged in here). */
export type FlavorContent = Omit<ModelDirectoryContent, 'signature' | 'inputExample' | 'metadata' | 'runId' | 'artifactPath'>;

function withSaveOptions(content: FlavorContent, options: SaveModelOptions): ModelDirectoryContent {
  return {
    ...content,
    ...(options.signature !== undefined ? { signature: options.signature } : {}),
    ...(options.inputExample !== undefined ? { inputExample: options.inputExample } : {}),
    ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
  };
}

/** Saves a flavor's content as a model directory at `path`. */
export async function saveFlavorModel(path: string, content: FlavorContent, options: SaveModelOptions = {}): Promise<Record<string, unknown>> {
  return writeModelDirectory(path, withSaveOptions(content, options));
}

/** Logs a flavor's content to a run (the active one unless `runId` is given). */
export async function logFlavorModel(content: FlavorContent, artifactPath: string, options: LogModelOptions = {}): Promise<ModelInfo> {
  if (typeof artifactPath !== 'string' || artifactPath.trim() === '' || artifactPath.startsWith('/') || artifactPath.split('/').includes('..')) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid artifact path '${artifactPath}': give a relative path inside the run's artifacts, e.g. 'model'.`);
  }
  const runId = options.runId ?? activeRun()?.runId;
  if (runId === undefined) {
    throw new OrreryError('INVALID_STATE', 'logModel needs a run: call startRun() (or withRun) first, or pass runId.');
  }
  const client = await getClient();
  const staging = await mkdtemp(join(tmpdir(), 'orrery-log-model-'));
  try {
    const local = join(staging, 'model');
    const document = await writeModelDirectory(local, { ...withSaveOptions(content, options), runId, artifactPath });
    await client.logArtifacts(runId, local, artifactPath);
    if (client.store.logModel === undefined) {
      throw new OrreryError('NOT_IMPLEMENTED', `The tracking store at ${client.trackingUri} cannot record logged models (no log-model support).`);
    }
    await client.store.logModel(runId, JSON.stringify(document));
    const modelUri = `runs:/${runId}/${artifactPath}`;
    const info: ModelInfo = {
      artifactPath,
      runId,
      modelUri,
      modelUuid: document.model_uuid as string,
      flavors: document.flavors as Record<string, Record<string, unknown>>,
      signature: options.signature,
      utcTimeCreated: document.utc_time_created as string,
      mlflowVersion: document.mlflow_version as string,
      metadata: options.metadata,
    };
    if (options.registeredModelName !== undefined) {
      info.registeredModelVersion = await client.registerModel(modelUri, options.registeredModelName);
    }
    return info;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
