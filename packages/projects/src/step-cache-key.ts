import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folders that are not the project's code (VCS data, installed packages, caches). */
const SKIPPED = new Set(['.git', 'node_modules', '__pycache__', 'mlruns', '.venv']);

/**
 * A digest of the project's files (names and contents, in name order): a change to any file
 * invalidates the cache of every step, which is coarser than ZenML's per-step source hash but can
 * never reuse an output built by other code.
 */
export function projectCodeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (SKIPPED.has(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile()) {
        hash.update(`${prefix}${entry.name}\0`);
        hash.update(readFileSync(path));
        hash.update('\0');
      }
    }
  };
  walk(dir, '');
  return hash.digest('hex');
}

export interface StepCacheInputs {
  codeHash: string;
  entryPoint: string;
  /** The command template: a changed command is changed code even when the files are not. */
  command: string;
  /** The step's parameter values after substitution (upstream outputs as artifact URIs). */
  parameters: Record<string, string>;
  /** The cache keys of the steps whose outputs this one reads, by step name. */
  upstream: Record<string, string>;
}

/**
 * The key a step's result is cached under, computed as ZenML does from what decides the result:
 * the code, the step's configuration (entry point and command), its parameters and its inputs.
 * Keys are sorted so equal inputs always give equal keys.
 */
export function stepCacheKey(inputs: StepCacheInputs): string {
  const sorted = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const material = JSON.stringify({
    version: 1,
    code: inputs.codeHash,
    entryPoint: inputs.entryPoint,
    command: inputs.command,
    parameters: sorted(inputs.parameters),
    upstream: sorted(inputs.upstream),
  });
  return createHash('sha256').update(material).digest('hex');
}
