import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '@orrery/core';
import type { EntryPointSpec, ParameterSpec, ProjectSpec } from './mlproject.js';
import { shellQuote } from './shell-quote.js';

/** Script files a directory without a matching entry point may run (as MLflow does). */
const SCRIPT_RUNNERS: Record<string, (file: string) => string> = {
  '.py': (file) => `python ${shellQuote(file)}`,
  '.sh': (file) => `${process.env.SHELL ?? 'bash'} ${shellQuote(file)}`,
};

/** The entry point `name` of the project: a declared one, else a `.py` or `.sh` script of that name. */
export function findEntryPoint(spec: ProjectSpec, name: string): EntryPointSpec {
  const declared = spec.entryPoints.get(name);
  if (declared !== undefined) return declared;
  const extension = Object.keys(SCRIPT_RUNNERS).find((ext) => name.endsWith(ext));
  if (extension !== undefined && existsSync(join(spec.dir, name))) {
    return { name, command: SCRIPT_RUNNERS[extension]!(name).replaceAll('{', '{{').replaceAll('}', '}}'), parameters: [], outputs: [] };
  }
  const known = [...spec.entryPoints.keys(), ...spec.pipelines.keys()];
  throw errors.invalidParameter(
    `Could not find ${name} among entry points [${known.map((k) => `'${k}'`).join(', ')}] or interpret ${name} as a runnable script. Supported script file extensions: ['.py', '.sh']`,
  );
}

/** True for a value with a URI scheme other than a one-letter (Windows drive) one. */
function hasScheme(value: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(value);
}

function checkType(parameter: ParameterSpec, value: string, cwd: string): string {
  switch (parameter.type) {
    case 'int':
      if (!/^\s*[+-]?\d+\s*$/.test(value)) throw errors.invalidParameter(`Parameter '${parameter.name}' is an int, got '${value}'.`);
      return value;
    case 'float':
      if (!/^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)\s*$/i.test(value)) {
        throw errors.invalidParameter(`Parameter '${parameter.name}' is a float, got '${value}'.`);
      }
      return value;
    case 'uri':
      if (!hasScheme(value)) throw errors.invalidParameter(`Expected URI for parameter ${parameter.name} but got ${value}`);
      return value;
    case 'path': {
      if (hasScheme(value) && !value.startsWith('file:')) return value;
      const local = value.startsWith('file:') ? fileURLToPath(value) : value;
      const absolute = isAbsolute(local) ? local : resolvePath(cwd, local);
      if (!existsSync(absolute)) {
        throw errors.invalidParameter(`Got value ${value} for parameter ${parameter.name}, but no such file or directory was found.`);
      }
      return absolute;
    }
    default:
      return value;
  }
}

export interface ResolvedParameters {
  /** Declared parameters in declaration order (defaults filled in), then undeclared ones as given. */
  values: Record<string, string>;
  /** The names of the declared parameters. */
  declared: string[];
}

/**
 * Checks the user's `-P` values against the entry point before anything runs: every parameter
 * without a default must be given (MLflow's message), typed values must parse, local `path` values
 * must exist and become absolute (relative to `cwd`). Undeclared keys are kept, after the declared ones.
 */
export function resolveParameters(entryPoint: EntryPointSpec, given: Record<string, string>, cwd: string): ResolvedParameters {
  const missing = entryPoint.parameters.filter((p) => given[p.name] === undefined && p.default === undefined).map((p) => `'${p.name}'`);
  if (missing.length > 0) throw errors.invalidParameter(`No value given for missing parameters: ${missing.join(', ')}`);
  const values: Record<string, string> = {};
  for (const parameter of entryPoint.parameters) {
    values[parameter.name] = checkType(parameter, given[parameter.name] ?? parameter.default!, cwd);
  }
  for (const [key, value] of Object.entries(given)) {
    if (!(key in values)) values[key] = value;
  }
  return { values, declared: entryPoint.parameters.map((p) => p.name) };
}

/** Parameters as MLflow logs them: every value shell-quoted, as substituted into the command. */
export function loggedParameters(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, shellQuote(value)]));
}

/**
 * Python `str.format` substitution, which MLflow applies to the command: `{name}` takes the
 * (already quoted) value, `{{` and `}}` are literal braces.
 */
function formatCommand(template: string, values: Record<string, string>, entryPoint: string): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = (name ?? '').split(/[:!]/)[0]!;
    const value = values[key];
    if (value === undefined) {
      throw errors.invalidParameter(`The command of entry point '${entryPoint}' uses {${key}}, which is not one of its parameters.`);
    }
    return value;
  });
}

/**
 * The shell command of an entry point: declared parameters substituted, undeclared ones appended
 * as `--key value`, all values shell-quoted (MLflow's rules). `values` come from `resolveParameters`.
 */
export function entryPointCommand(entryPoint: EntryPointSpec, values: Record<string, string>): string {
  const declared = new Set(entryPoint.parameters.map((p) => p.name));
  const quoted = loggedParameters(values);
  const declaredValues = Object.fromEntries(Object.entries(quoted).filter(([key]) => declared.has(key)));
  const parts = [formatCommand(entryPoint.command, declaredValues, entryPoint.name)];
  for (const [key, value] of Object.entries(quoted)) {
    if (!declared.has(key)) parts.push(`--${key} ${value}`);
  }
  return parts.join(' ');
}
