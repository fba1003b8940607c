/**
 * The basic-auth app's configuration: MLflow's ini file (`MLFLOW_AUTH_CONFIG_PATH`, section
 * `[mlflow]`) with MLflow's keys, plus Orrery's own keys in the same section. Without a file the
 * built-in values are MLflow's `basic_auth.ini`.
 */
import { readFileSync } from 'node:fs';
import type { Permission } from '../entities/auth.js';
import { OrreryError } from '../errors/orrery-error.js';
import { parsePermission, validatePassword, validateUsername } from './permission-rules.js';

/** MLflow's one accepted authorization function (HTTP Basic against the auth database). */
export const MLFLOW_BASIC_AUTH_FUNCTION = 'mlflow.server.auth:authenticate_request_basic_auth';
/** MLflow's built-in admin password; the server warns when it is still in use. */
export const MLFLOW_DEFAULT_ADMIN_PASSWORD = 'password';

export interface AuthConfig {
  /** Permission of a user on a resource they have no row for (`default_permission`). */
  defaultPermission: Permission;
  /** Where users, permissions, tokens and the audit log live (`database_uri`). */
  databaseUri: string;
  /** Created as an admin at start-up when missing (`admin_username`, `admin_password`). */
  adminUsername: string;
  adminPassword: string;
  /** Always MLflow's basic-auth function; any other value is refused. */
  authorizationFunction: string;
  /** Failed logins of one username allowed per window before 429 (`login_max_failures_per_user`). */
  loginMaxFailuresPerUser: number;
  /** Failed logins from one client address allowed per window (`login_max_failures_per_address`). */
  loginMaxFailuresPerAddress: number;
  /** The window failures are counted in, in seconds (`login_failure_window_seconds`). */
  loginFailureWindowSeconds: number;
  /** Lifetime of a new API token when its creator names none, in days; 0: no expiry (`token_default_lifetime_days`). */
  tokenDefaultLifetimeDays: number;
  /** Longest lifetime a token may be given, in days; 0: unlimited (`token_max_lifetime_days`). */
  tokenMaxLifetimeDays: number;
}

/** MLflow's `basic_auth.ini`, and Orrery's defaults for its own keys. */
export const DEFAULT_AUTH_CONFIG: Readonly<AuthConfig> = {
  defaultPermission: 'READ',
  databaseUri: 'sqlite:///basic_auth.db',
  adminUsername: 'admin',
  adminPassword: MLFLOW_DEFAULT_ADMIN_PASSWORD,
  authorizationFunction: MLFLOW_BASIC_AUTH_FUNCTION,
  loginMaxFailuresPerUser: 10,
  loginMaxFailuresPerAddress: 50,
  loginFailureWindowSeconds: 300,
  tokenDefaultLifetimeDays: 90,
  tokenMaxLifetimeDays: 365,
};

/** Parsed ini: section → key (lower case, as Python's configparser) → value. */
export type IniSections = Map<string, Map<string, string>>;

/**
 * Parses an ini file the way Python's configparser reads MLflow's: `[section]` headers, `key =
 * value` or `key: value`, keys case-insensitive, full-line `#` and `;` comments, indented lines
 * continuing the previous value, `%%` for a literal `%` and `%(key)s` for another key of the same
 * section or of `[DEFAULT]` (BasicInterpolation). Errors name the file and line.
 */
export function parseIni(text: string, source = 'the auth config'): IniSections {
  const raw: IniSections = new Map();
  let section: Map<string, string> | undefined;
  let lastKey: string | undefined;
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const where = `${source}, line ${index + 1}`;
    if (/^\s*([#;].*)?$/.test(line)) {
      lastKey = undefined;
      return;
    }
    if (/^\s/.test(line) && section !== undefined && lastKey !== undefined) {
      section.set(lastKey, `${section.get(lastKey)}\n${line.trim()}`);
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!;
      section = raw.get(name) ?? new Map();
      raw.set(name, section);
      lastKey = undefined;
      return;
    }
    const entry = /^\s*([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (!entry) throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid ${where}: expected "[section]" or "key = value", got ${JSON.stringify(line.slice(0, 80))}.`);
    if (section === undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid ${where}: "${entry[1]}" comes before any [section] header.`);
    lastKey = entry[1]!.toLowerCase();
    section.set(lastKey, entry[2]!.trim());
  });
  const defaults = raw.get('DEFAULT') ?? new Map<string, string>();
  const result: IniSections = new Map();
  for (const [name, entries] of raw) {
    const merged = new Map([...defaults, ...entries]);
    const interpolated = new Map<string, string>();
    for (const [key, value] of merged) interpolated.set(key, interpolate(value, merged, `${source} [${name}] ${key}`, 0));
    result.set(name, interpolated);
  }
  return result;
}

function interpolate(value: string, entries: Map<string, string>, where: string, depth: number): string {
  if (depth > 10) throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid ${where}: interpolation nested too deeply.`);
  return value.replace(/%(%|\(([^)]+)\)s|.?)/g, (whole, what: string, key: string | undefined) => {
    if (what === '%') return '%';
    if (key !== undefined) {
      const referenced = entries.get(key.toLowerCase());
      if (referenced === undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid ${where}: %(${key})s names no key of its section.`);
      return interpolate(referenced, entries, where, depth + 1);
    }
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid ${where}: '%' must be written '%%' (or '%(key)s'), found ${JSON.stringify(whole)}.`);
  });
}

function nonNegativeInteger(value: string, key: string, source: string): number {
  if (!/^\d+$/.test(value)) throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid ${key} = ${value} in ${source}: expected a whole number (0 or more).`);
  return Number(value);
}

/** The config from ini text; keys absent from `[mlflow]` keep the built-in values. */
export function authConfigFromIni(text: string, source = 'the auth config'): AuthConfig {
  const section = parseIni(text, source).get('mlflow');
  if (section === undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', `${source} has no [mlflow] section; the basic-auth app reads its keys from there.`);
  const config: AuthConfig = { ...DEFAULT_AUTH_CONFIG };
  const get = (key: string): string | undefined => section.get(key);
  const permission = get('default_permission');
  if (permission !== undefined) {
    try {
      config.defaultPermission = parsePermission(permission);
    } catch (error) {
      throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid default_permission in ${source}: ${(error as Error).message}`);
    }
  }
  const databaseUri = get('database_uri');
  if (databaseUri !== undefined) {
    if (databaseUri === '') throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid database_uri in ${source}: it is empty; name the auth store, e.g. sqlite:///basic_auth.db.`);
    config.databaseUri = databaseUri;
  }
  const adminUsername = get('admin_username');
  if (adminUsername !== undefined) {
    validateUsername(adminUsername);
    config.adminUsername = adminUsername;
  }
  const adminPassword = get('admin_password');
  if (adminPassword !== undefined) {
    validatePassword(adminPassword);
    config.adminPassword = adminPassword;
  }
  const authorizationFunction = get('authorization_function');
  if (authorizationFunction !== undefined && authorizationFunction !== MLFLOW_BASIC_AUTH_FUNCTION) {
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      `Unsupported authorization_function = ${authorizationFunction} in ${source}: Orrery cannot run Python functions; ` +
        `it authenticates with HTTP Basic credentials and API tokens, as ${MLFLOW_BASIC_AUTH_FUNCTION} (the only accepted value; or leave the key out).`,
    );
  }
  const integer = (key: string): number | undefined => {
    const value = get(key);
    return value === undefined ? undefined : nonNegativeInteger(value, key, source);
  };
  config.loginMaxFailuresPerUser = integer('login_max_failures_per_user') ?? config.loginMaxFailuresPerUser;
  config.loginMaxFailuresPerAddress = integer('login_max_failures_per_address') ?? config.loginMaxFailuresPerAddress;
  config.loginFailureWindowSeconds = integer('login_failure_window_seconds') ?? config.loginFailureWindowSeconds;
  config.tokenDefaultLifetimeDays = integer('token_default_lifetime_days') ?? config.tokenDefaultLifetimeDays;
  config.tokenMaxLifetimeDays = integer('token_max_lifetime_days') ?? config.tokenMaxLifetimeDays;
  if (config.loginFailureWindowSeconds === 0 && (config.loginMaxFailuresPerUser > 0 || config.loginMaxFailuresPerAddress > 0)) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid login_failure_window_seconds = 0 in ${source}: failures are counted in a window of 1 second or more.`);
  }
  if (config.tokenMaxLifetimeDays > 0 && (config.tokenDefaultLifetimeDays === 0 || config.tokenDefaultLifetimeDays > config.tokenMaxLifetimeDays)) {
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      `Invalid token_default_lifetime_days = ${config.tokenDefaultLifetimeDays} in ${source}: it must be from 1 to token_max_lifetime_days (${config.tokenMaxLifetimeDays}).`,
    );
  }
  return config;
}

/**
 * Reads the config as MLflow does: the file named by `MLFLOW_AUTH_CONFIG_PATH`, else the built-in
 * values. Unlike MLflow (which then fails with a bare KeyError), a path naming no readable file is
 * refused with its name.
 */
export function readAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const path = env.MLFLOW_AUTH_CONFIG_PATH;
  if (path === undefined || path.trim() === '') return { ...DEFAULT_AUTH_CONFIG };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `MLFLOW_AUTH_CONFIG_PATH=${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  return authConfigFromIni(text, path);
}
