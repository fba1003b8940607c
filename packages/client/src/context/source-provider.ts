import path from 'node:path';
import { defineRunContextProvider, type RunContextProvider } from '@orrery/core';

export const SOURCE_NAME_TAG = 'mlflow.source.name';
export const SOURCE_TYPE_TAG = 'mlflow.source.type';

/** MLflow's source types (`SourceType` in MLflow's entities). */
export type SourceType = 'NOTEBOOK' | 'JOB' | 'PROJECT' | 'LOCAL' | 'RECIPE' | 'UNKNOWN';

/**
 * The entry script of this process: `process.argv[1]` made absolute, or `<console>` when there is
 * none (REPL, `node -e`), as MLflow records `<console>` for an interactive shell.
 */
export function entryScript(argv: readonly string[] = process.argv, cwd: string = process.cwd()): string {
  const script = argv[1];
  if (script === undefined || script === '' || script.startsWith('-')) return '<console>';
  return path.resolve(cwd, script);
}

/**
 * Sets `mlflow.source.name` (the entry script) and `mlflow.source.type` (`LOCAL`: a script run on
 * this machine; project and job runners set their own types through their own tags, which win).
 */
export function createSourceRunContextProvider(
  argv: readonly string[] = process.argv,
  cwd: string = process.cwd(),
): RunContextProvider {
  return {
    name: 'source',
    inContext: () => true,
    tags: () => ({ [SOURCE_NAME_TAG]: entryScript(argv, cwd), [SOURCE_TYPE_TAG]: 'LOCAL' satisfies SourceType }),
  };
}

export default defineRunContextProvider({ name: 'source', create: () => createSourceRunContextProvider() });
