/**
 * `loadModel(uri)`: MLflow's `pyfunc.load_model` for any flavor Orrery can execute. It picks the
 * flavor that predicts (js_function, then onnx, then any flavor with an installed plugin, in the
 * MLmodel's order), enforces the signature on every predict, and keeps models of flavors it
 * cannot execute loadable (listed, inspected) with a predict that says what to do.
 */
import { discoverPlugins, type PluginRegistry } from '@orrery/core';
import type { Flavor, FlavorModel } from './flavor-plugin.js';
import { modelFlavorKind } from './flavor-plugin.js';
import { jsFunctionFlavor } from './flavors/js-function-flavor.js';
import { onnxFlavor } from './flavors/onnx-flavor.js';
import { unexecutableFlavorError } from './flavors/unexecutable-flavors.js';
import type { LoadedModel } from './loaded-model.js';
import { rm } from 'node:fs/promises';
import { fetchModelFiles, type ModelSourceOptions } from './model-location.js';
import { readModelDirectory, type ModelDirectory } from './model-directory.js';
import type { ModelInput, ModelOutput } from './model-data.js';
import { enforceInputSchema, enforceParams } from './schema-enforcement.js';

export { resolveModelVersion } from './model-location.js';

/** Options of `loadModel` beyond the contract's: flavors given in code win over discovery. */
export interface LoadModelExtraOptions extends ModelSourceOptions {
  /** Flavors to use before the built-ins and discovered plugins (e.g. one under test). */
  flavors?: Flavor[];
  /** The plugin registry to find flavor plugins in (default: discovered from the working directory). */
  pluginRegistry?: PluginRegistry;
}

const BUILTIN_FLAVORS: Flavor[] = [jsFunctionFlavor, onnxFlavor];

let discovered: Promise<PluginRegistry> | undefined;

async function pluginFlavor(name: string, registry: PluginRegistry | undefined): Promise<Flavor | undefined> {
  const plugins = registry ?? (await (discovered ??= discoverPlugins()));
  if (plugins.findPlugin(modelFlavorKind.id, name) === undefined) return undefined;
  return plugins.openPlugin<Flavor>(modelFlavorKind.id, name);
}

/** The flavor that predicts for this directory, or undefined when none can. */
export async function chooseFlavor(directory: ModelDirectory, options: LoadModelExtraOptions = {}): Promise<Flavor | undefined> {
  const listed = Object.keys(directory.mlmodel.flavors);
  for (const flavor of [...(options.flavors ?? []), ...BUILTIN_FLAVORS]) if (listed.includes(flavor.name)) return flavor;
  for (const name of listed) {
    if (name === 'python_function') continue;
    const plugin = await pluginFlavor(name, options.pluginRegistry);
    if (plugin !== undefined) return plugin;
  }
  return undefined;
}

class PyfuncModel implements LoadedModel {
  readonly mlmodel;
  readonly signature;
  readonly metadata;

  constructor(
    readonly flavor: string,
    private readonly directory: ModelDirectory,
    private readonly model: FlavorModel,
    private readonly allowIntToFloat: boolean,
  ) {
    this.mlmodel = directory.mlmodel;
    this.signature = directory.signature;
    this.metadata = directory.metadata;
  }

  async predict(input: ModelInput, params?: Record<string, unknown>): Promise<ModelOutput> {
    const inputs = this.signature?.inputs;
    const enforced = inputs !== undefined ? enforceInputSchema(input, inputs, { allowIntToFloat: this.allowIntToFloat }) : input;
    const checkedParams = this.signature?.params !== undefined ? enforceParams(params, this.signature.params) : params;
    return this.model.predict(enforced, checkedParams);
  }

  async close(): Promise<void> {
    await this.model.close();
  }

  /** The local directory the model was loaded from. */
  get path(): string {
    return this.directory.path;
  }
}

/** Loads a model directory already on this machine. */
export async function loadModelDirectory(directory: ModelDirectory, options: LoadModelExtraOptions = {}): Promise<LoadedModel> {
  const flavor = await chooseFlavor(directory, options);
  const allowIntToFloat = options.allowIntToFloat ?? true;
  const listed = Object.keys(directory.mlmodel.flavors);
  if (flavor === undefined) {
    const error = unexecutableFlavorError(listed, '');
    const name = listed.find((f) => f !== 'python_function') ?? listed[0] ?? 'none';
    const refusing: FlavorModel = { predict: () => Promise.reject(error), close: async () => {} };
    return new PyfuncModel(name, directory, refusing, allowIntToFloat);
  }
  const model = await flavor.load(directory, directory.mlmodel.flavors[flavor.name] ?? {});
  return new PyfuncModel(flavor.name, directory, model, allowIntToFloat);
}

/** Loads the model a URI names (runs:/, models:/, mlflow-artifacts:, a local path) for prediction. */
export async function loadModel(uri: string, options: LoadModelExtraOptions = {}): Promise<LoadedModel> {
  const { path, temporary } = await fetchModelFiles(uri, options);
  const removeDownload = async () => {
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
  };
  let model: LoadedModel;
  try {
    model = await loadModelDirectory(await readModelDirectory(path, uri), options);
  } catch (error) {
    await removeDownload();
    throw error;
  }
  if (temporary === undefined) return model;
  // A download into a folder of our own is removed with the model, so reloading (alias watching) leaves nothing behind.
  const close = model.close.bind(model);
  return Object.assign(model, {
    close: async () => {
      await close();
      await removeDownload();
    },
  });
}
