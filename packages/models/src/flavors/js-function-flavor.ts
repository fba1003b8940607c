/**
 * The `js_function` flavor: Orrery's counterpart of `python_function`. The model is an ES module
 * in the model directory exporting `predict(input, params)` (and optionally `load(modelDir)`,
 * called once), with everything it imports copied beside it: nothing is installed at load time.
 * Loading one runs its code with the loading process's rights, as unpickling does in Python: load
 * only models you trust.
 */
import { cp, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OrreryError } from '@orrery/core';
import type { Flavor, FlavorModel } from '../flavor-plugin.js';
import type { ModelDirectoryContent } from '../model-directory.js';
import type { ModelInput, ModelOutput } from '../model-data.js';

export const JS_FUNCTION_FLAVOR = 'js_function';
/** Where the module and what it bundles go inside the model directory. */
export const JS_CODE_DIR = 'code';

/** What a js_function module exports. */
export interface JsFunctionModule {
  predict(input: ModelInput, params: Record<string, unknown> | undefined, context: { modelPath: string }): unknown;
  load?(modelPath: string): unknown;
  close?(): unknown;
}

function asModelOutput(value: unknown): ModelOutput {
  if (Array.isArray(value)) return { kind: 'list', values: value };
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.kind === 'string' && ['dataframe', 'tensor', 'tensors', 'list'].includes(object.kind)) return value as ModelOutput;
    if (Array.isArray(object.columns) && Array.isArray(object.rows)) return { kind: 'dataframe', frame: value as { columns: string[]; rows: unknown[][] } };
  }
  throw new OrreryError('INTERNAL_ERROR', `A js_function model's predict must return an array, a {columns, rows} table or a ModelOutput ({kind, ...}); it returned ${value === null ? 'null' : typeof value}.`);
}

/**
 * Copies a js_function model's code into a directory being saved: `code` is the module file, or a
 * directory holding it (`entry` names the module inside it) and everything it imports.
 */
export async function jsFunctionDirectoryContent(code: string, entry?: string): Promise<{ content: Pick<ModelDirectoryContent, 'flavors' | 'files' | 'requirements'>; copy(into: string): Promise<void> }> {
  const info = await stat(code).catch(() => undefined);
  if (info === undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', `js_function code '${code}' does not exist: give the module file or the directory bundling it.`);
  const moduleName = info.isDirectory() ? entry : basename(code);
  if (moduleName === undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', `js_function code '${code}' is a directory: name the module inside it with 'entry' (e.g. 'index.mjs').`);
  if (info.isDirectory()) {
    const full = resolve(code, moduleName);
    if (!full.startsWith(resolve(code) + sep)) throw new OrreryError('INVALID_PARAMETER_VALUE', `js_function entry '${moduleName}' must be inside the code directory.`);
    if ((await stat(full).catch(() => undefined)) === undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', `js_function entry '${moduleName}' is not in '${code}'.`);
  }
  const entryPath = `${JS_CODE_DIR}/${moduleName.split(sep).join('/')}`;
  return {
    content: { flavors: { [JS_FUNCTION_FLAVOR]: { code: JS_CODE_DIR, entry: entryPath } }, files: {}, requirements: [] },
    copy: async (into: string) => {
      const target = join(into, JS_CODE_DIR);
      await cp(code, info.isDirectory() ? target : join(target, basename(code)), { recursive: true, dereference: true });
    },
  };
}

let loadCount = 0;

export const jsFunctionFlavor: Flavor = {
  name: JS_FUNCTION_FLAVOR,
  async load(directory, settings): Promise<FlavorModel> {
    const entry = settings.entry;
    if (typeof entry !== 'string') throw new OrreryError('INVALID_PARAMETER_VALUE', `${directory.path}: the js_function flavor needs 'entry', the module's path in the model directory.`);
    const full = resolve(directory.path, entry);
    if (relative(resolve(directory.path), full).startsWith('..')) {
      throw new OrreryError('INVALID_PARAMETER_VALUE', `${directory.path}: js_function entry '${entry}' points outside the model directory.`);
    }
    let module: JsFunctionModule;
    try {
      // A query of its own per load: a directory reloaded after its files changed (a new version
      // downloaded to the same place) gets its new code, and two loads do not share module state.
      module = (await import(`${pathToFileURL(full).href}?load=${(loadCount += 1)}`)) as JsFunctionModule;
    } catch (error) {
      throw new OrreryError('INVALID_PARAMETER_VALUE', `Cannot import the js_function module '${entry}' of ${directory.path}: ${(error as Error).message}`, { cause: error });
    }
    if (typeof module.predict !== 'function') throw new OrreryError('INVALID_PARAMETER_VALUE', `The js_function module '${entry}' exports no predict(input, params) function.`);
    await module.load?.(directory.path);
    return {
      predict: async (input, params) => asModelOutput(await module.predict(input, params, { modelPath: directory.path })),
      close: async () => {
        await module.close?.();
      },
    };
  },
};
