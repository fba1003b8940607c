/**
 * Model flavors as an open plugin kind (`modelFlavor`, keyed by the flavor's name in the MLmodel
 * file): a package declares `"orrery": { "modelFlavor": { "<flavor>": "./dist/<module>.js" } }`
 * and default-exports `defineModelFlavor({ name, create })`. A flavor loads a model directory for
 * prediction; saving is the flavor's own API (e.g. `onnx.saveModel`), as in MLflow.
 */
import { declarePluginKind, type PluginCreateContext, type PluginDefinitionBase } from '@orrery/core';
import type { ModelDirectory } from './model-directory.js';
import type { ModelInput, ModelOutput } from './model-data.js';

/** A model loaded by a flavor. Input has passed signature enforcement already. */
export interface FlavorModel {
  predict(input: ModelInput, params: Record<string, unknown> | undefined): Promise<ModelOutput>;
  close(): Promise<void>;
}

/** A flavor: loads the model directories whose MLmodel lists it. */
export interface Flavor {
  /** The key under `flavors:` in the MLmodel file. */
  readonly name: string;
  /** Loads the directory for prediction. `settings` is the flavor's MLmodel entry. */
  load(directory: ModelDirectory, settings: Record<string, unknown>): Promise<FlavorModel>;
}

export interface ModelFlavorDefinition extends PluginDefinitionBase {
  readonly name: string;
  create(context: PluginCreateContext): Flavor | Promise<Flavor>;
}

export const modelFlavorKind = declarePluginKind<ModelFlavorDefinition>({
  id: 'modelFlavor',
  keyedBy: 'name',
  label: 'model flavor',
});

/** Makes a flavor plugin's definition (its module's default export). */
export function defineModelFlavor(spec: Omit<ModelFlavorDefinition, 'kind' | 'apiVersion'>): ModelFlavorDefinition {
  return modelFlavorKind.define(spec);
}
