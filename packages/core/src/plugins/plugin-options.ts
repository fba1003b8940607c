/**
 * Plugin options: what a plugin may be configured with, where the values come from (the
 * configuration file's `plugins` section, then the environment), and the check that runs before
 * the plugin's `create`, so a bad value fails naming the option and the plugin instead of deep
 * inside a driver.
 */
import { errors } from '../errors/orrery-error.js';

/** One option a plugin accepts. */
export interface PluginOptionSpec {
  type: 'string' | 'integer' | 'number' | 'boolean';
  /** What it does, for documentation and messages. */
  description: string;
  /** The environment variable that sets it when the configuration file does not (e.g. `ORRERY_FTP_USER`). */
  env?: string;
  /** A password, key or token: its value never appears in a message. */
  secret?: boolean;
  /** Smallest allowed value (numbers). */
  min?: number;
  /** Largest allowed value (numbers). */
  max?: number;
  /** What is allowed, in words, when the type and range say too little (e.g. `a number of MiB, 0 or more`). */
  allowed?: string;
}

/** Option name → spec. Names are camelCase, as written in the configuration file. */
export type PluginOptionsSchema = Readonly<Record<string, PluginOptionSpec>>;

/** Where a plugin's option values come from. */
export interface PluginOptionSources {
  /** The configuration file's `plugins` section: package name → option name → value. */
  config?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Environment variables (each option's `env`); default none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the config came from, for messages (e.g. the file's path). */
  configSource?: string;
}

/**
 * The raw options of one plugin package: its section of the configuration file, with each option
 * the file does not set taken from its environment variable (empty variables count as unset).
 * Values from the environment are strings; `checkPluginOptions` converts them.
 */
export function rawPluginOptions(packageName: string, schema: PluginOptionsSchema, sources: PluginOptionSources): RawPluginOptions {
  const fromConfig = sources.config?.[packageName] ?? {};
  const values: Record<string, unknown> = { ...fromConfig };
  const fromEnv = new Set<string>();
  for (const [name, spec] of Object.entries(schema)) {
    if (values[name] !== undefined || spec.env === undefined) continue;
    const value = sources.env?.[spec.env];
    if (value !== undefined && value !== '') {
      values[name] = value;
      fromEnv.add(name);
    }
  }
  return { values, fromEnv, ...(sources.configSource !== undefined ? { configSource: sources.configSource } : {}) };
}

/** A plugin's option values before checking, and where they came from (for messages). */
export interface RawPluginOptions {
  values: Record<string, unknown>;
  /** The options whose value came from their environment variable. */
  fromEnv: ReadonlySet<string>;
  /** The configuration file the other values came from. */
  configSource?: string;
}

function shown(spec: PluginOptionSpec, value: unknown): string {
  return spec.secret === true ? '(hidden)' : JSON.stringify(value);
}

function optionName(name: string, spec: PluginOptionSpec): string {
  return spec.env !== undefined ? `"${name}" (${spec.env})` : `"${name}"`;
}

/**
 * Checks raw options against a schema and converts strings from the environment to the declared
 * type. Throws INVALID_PARAMETER_VALUE naming the plugin package, the option (and its variable)
 * and what is allowed, for an unknown option or a value of the wrong type or range. Secrets are
 * never shown.
 */
export function checkPluginOptions(raw: RawPluginOptions, schema: PluginOptionsSchema, packageName: string): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw.values)) {
    const spec = schema[name];
    if (spec === undefined) {
      const known = Object.keys(schema).sort();
      throw errors.invalidParameter(
        `Plugin ${packageName} has no option "${name}"${raw.configSource !== undefined ? ` (set in ${raw.configSource})` : ''}; its options are: ${known.length > 0 ? known.join(', ') : '(none)'}.`,
      );
    }
    if (value === undefined) continue;
    checked[name] = convert(name, spec, value, packageName, raw.fromEnv.has(name) ? 'env' : (raw.configSource ?? 'configuration'));
  }
  return checked;
}

function convert(name: string, spec: PluginOptionSpec, value: unknown, packageName: string, source: string): unknown {
  const fail = (allowed: string) =>
    errors.invalidParameter(
      source === 'env'
        ? // Said the way the variable's users know it, then what it configures.
          `${spec.env ?? name} must be ${spec.allowed ?? allowed}, not ${spec.secret === true ? '(hidden)' : `'${String(value)}'`} (option "${name}" of plugin ${packageName}).`
        : `Option ${optionName(name, spec)} of plugin ${packageName} (in ${source}) must be ${spec.allowed ?? allowed}, got ${shown(spec, value)}.`,
    );
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') throw fail('a string');
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(1|true|yes|on)$/i.test(value.trim())) return true;
      if (typeof value === 'string' && /^(0|false|no|off)$/i.test(value.trim())) return false;
      throw fail('a boolean (true/false, 1/0)');
    case 'integer':
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      const range =
        spec.min !== undefined && spec.max !== undefined
          ? ` from ${spec.min} to ${spec.max}`
          : spec.min !== undefined
            ? ` of at least ${spec.min}`
            : spec.max !== undefined
              ? ` of at most ${spec.max}`
              : '';
      const allowed = `${spec.type === 'integer' ? 'an integer' : 'a number'}${range}`;
      if (!Number.isFinite(number) || (spec.type === 'integer' && !Number.isInteger(number))) throw fail(allowed);
      if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) throw fail(allowed);
      return number;
    }
  }
}

/**
 * A plugin's options read from the environment alone and checked against its schema: what a
 * plugin uses when it is created directly, without the registry (which passes the options of the
 * configuration file and the environment).
 */
export function pluginOptionsFromEnv(
  packageName: string,
  schema: PluginOptionsSchema,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  return checkPluginOptions(rawPluginOptions(packageName, schema, { env }), schema, packageName);
}
