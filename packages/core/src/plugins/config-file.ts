/**
 * The configuration file: `orrery.config.json` in the working directory, or the file
 * `ORRERY_CONFIG` names. Today it holds plugin options, by package name:
 *
 *   { "plugins": { "@orrery/plugin-ftp": { "maxConnections": 4 } } }
 *
 * Each option the file leaves out falls back to its environment variable, so the variables
 * documented before the file existed (`ORRERY_FTP_USER`, ...) keep working.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errors } from '../errors/orrery-error.js';
import type { PluginOptionSources } from './plugin-options.js';

/** The file looked for in the working directory when `ORRERY_CONFIG` is unset. */
export const CONFIG_FILE_NAME = 'orrery.config.json';

/** What the configuration file holds. */
export interface OrreryConfigFile {
  /** Plugin options: package name → option name → value. */
  plugins?: Record<string, Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the configuration file, if any: `env.ORRERY_CONFIG` (which must exist), else
 * `<cwd>/orrery.config.json` (which may be absent). Throws INVALID_PARAMETER_VALUE naming the file
 * and the field for a file that is not JSON or does not have the documented shape.
 */
export function readOrreryConfigFile(cwd: string, env: Readonly<Record<string, string | undefined>>): { file?: string; config: OrreryConfigFile } {
  const named = env.ORRERY_CONFIG !== undefined && env.ORRERY_CONFIG !== '' ? path.resolve(cwd, env.ORRERY_CONFIG) : undefined;
  const file = named ?? path.join(cwd, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (named === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return { config: {} };
    throw errors.invalidParameter(`Cannot read the configuration file ${file}${named !== undefined ? ' (ORRERY_CONFIG)' : ''}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw errors.invalidParameter(`The configuration file ${file} is not valid JSON: ${(error as Error).message}.`);
  }
  if (!isRecord(parsed)) throw errors.invalidParameter(`The configuration file ${file} must hold a JSON object, e.g. {"plugins": {}}.`);
  const unknown = Object.keys(parsed).filter((key) => key !== 'plugins' && key !== '$schema');
  if (unknown.length > 0) throw errors.invalidParameter(`The configuration file ${file} has unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: "plugins".`);
  const plugins = parsed.plugins;
  if (plugins !== undefined) {
    if (!isRecord(plugins)) throw errors.invalidParameter(`"plugins" in ${file} must be an object of package name -> options object.`);
    for (const [name, options] of Object.entries(plugins)) {
      if (!isRecord(options)) throw errors.invalidParameter(`"plugins.${name}" in ${file} must be an object of option name -> value.`);
    }
  }
  return { file, config: { ...(plugins !== undefined ? { plugins: plugins as Record<string, Record<string, unknown>> } : {}) } };
}

/** The plugin option sources of a process: the configuration file's `plugins` section, then `env`. */
export function pluginOptionSources(cwd: string, env: Readonly<Record<string, string | undefined>>): PluginOptionSources {
  const { file, config } = readOrreryConfigFile(cwd, env);
  return { env, ...(config.plugins !== undefined ? { config: config.plugins } : {}), ...(file !== undefined ? { configSource: file } : {}) };
}
