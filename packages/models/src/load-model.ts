/**
 * `loadModel(uri)`: MLflow's `pyfunc.load_model` for any flavor Orrery can execute.
 */
import { OrreryError } from '@orrery/core';
import type { LoadedModel, LoadModelOptions } from './loaded-model.js';

/** Loads the model a URI names (runs:/, models:/, mlflow-artifacts:, a local path) for prediction. */
export async function loadModel(uri: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  void options;
  throw new OrreryError('NOT_IMPLEMENTED', `loadModel('${uri}') is not implemented yet`);
}

/** Resolves a models:/ URI to the concrete version it names right now (for alias watching). */
export async function resolveModelVersion(
  uri: string,
  options: LoadModelOptions = {},
): Promise<{ name: string; version: string } | undefined> {
  void options;
  throw new OrreryError('NOT_IMPLEMENTED', `resolveModelVersion('${uri}') is not implemented yet`);
}
