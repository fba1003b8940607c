/**
 * `jsFunction.saveModel`, `jsFunction.logModel`: models whose predict is JavaScript code.
 */
import { jsFunctionDirectoryContent, JS_FUNCTION_FLAVOR } from './flavors/js-function-flavor.js';
import { logFlavorModel, saveFlavorModel, type LogModelOptions, type ModelInfo, type SaveModelOptions } from './log-model.js';

export interface JsFunctionSaveOptions extends SaveModelOptions {
  /** The module's path inside `code` when `code` is a directory (e.g. `index.mjs`). */
  entry?: string;
}

async function saveModel(code: string, path: string, options: JsFunctionSaveOptions = {}): Promise<void> {
  const { content, copy } = await jsFunctionDirectoryContent(code, options.entry);
  await saveFlavorModel(path, { ...content, copyInto: copy }, options);
}

async function logModel(code: string, artifactPath: string, options: JsFunctionSaveOptions & LogModelOptions = {}): Promise<ModelInfo> {
  const { content, copy } = await jsFunctionDirectoryContent(code, options.entry);
  return logFlavorModel({ ...content, copyInto: copy }, artifactPath, options);
}

/** Models whose predict is an ES module (`code`: the module file, or a directory bundling it). */
export const jsFunction = { saveModel, logModel, FLAVOR_NAME: JS_FUNCTION_FLAVOR } as const;
