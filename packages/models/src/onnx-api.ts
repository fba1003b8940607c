/**
 * `onnx.saveModel`, `onnx.logModel`, `onnx.loadModel`: MLflow's `mlflow.onnx` module in camelCase.
 */
import { join } from 'node:path';
import { OrreryError } from '@orrery/core';
import type { InferenceSession } from 'onnxruntime-node';
import { ONNX_FLAVOR, ONNX_MODEL_FILE, onnxBytes, onnxDirectoryContent, openOnnxSession, type OnnxSessionOptions } from './flavors/onnx-flavor.js';
import { logFlavorModel, saveFlavorModel, type LogModelOptions, type ModelInfo, type SaveModelOptions } from './log-model.js';
import type { LoadModelOptions } from './loaded-model.js';
import { localModelPath } from './model-location.js';
import { readModelDirectory } from './model-directory.js';

export interface OnnxSaveOptions extends SaveModelOptions {
  /** Written as `onnx_session_options` and applied when the model is loaded. */
  sessionOptions?: OnnxSessionOptions;
  /** Written as `providers` (MLflow's default: CUDA, then CPU). Orrery runs on the CPU. */
  executionProviders?: string[];
}

export interface OnnxLogOptions extends LogModelOptions, OnnxSaveOptions {}

function contentOptions(options: OnnxSaveOptions) {
  return {
    ...(options.sessionOptions !== undefined ? { sessionOptions: options.sessionOptions } : {}),
    ...(options.executionProviders !== undefined ? { providers: options.executionProviders } : {}),
  };
}

/** Saves an ONNX model (a file path or its bytes) as a model directory at `path`. */
async function saveModel(modelPathOrBytes: string | Uint8Array, path: string, options: OnnxSaveOptions = {}): Promise<void> {
  await saveFlavorModel(path, onnxDirectoryContent(await onnxBytes(modelPathOrBytes), contentOptions(options)), options);
}

/** Logs an ONNX model to the active run under `artifactPath`; registers it when `registeredModelName` is given. */
async function logModel(modelPathOrBytes: string | Uint8Array, artifactPath: string, options: OnnxLogOptions = {}): Promise<ModelInfo> {
  return logFlavorModel(onnxDirectoryContent(await onnxBytes(modelPathOrBytes), contentOptions(options)), artifactPath, options);
}

/**
 * The ONNX model a URI names, as an onnxruntime session (MLflow's `mlflow.onnx.load_model`
 * returns the native ONNX model; here the native object is the session). Close it with
 * `session.release()`.
 */
async function loadModel(uri: string, options: LoadModelOptions = {}): Promise<InferenceSession> {
  const path = await localModelPath(uri, options);
  const directory = await readModelDirectory(path, uri);
  const settings = directory.mlmodel.flavors[ONNX_FLAVOR];
  if (settings === undefined) {
    throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `Model does not have the "${ONNX_FLAVOR}" flavor (its flavors: ${Object.keys(directory.mlmodel.flavors).join(', ')}).`);
  }
  return openOnnxSession(join(path, typeof settings.data === 'string' ? settings.data : ONNX_MODEL_FILE), settings.onnx_session_options);
}

/** MLflow's `mlflow.onnx`, in camelCase. */
export const onnx = { saveModel, logModel, loadModel, FLAVOR_NAME: ONNX_FLAVOR } as const;
