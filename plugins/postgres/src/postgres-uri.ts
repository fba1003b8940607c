import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { PoolConfig } from 'pg';
import { errors, redactUri } from '@orrery/core';

/**
 * Parses `postgresql://`, `postgres://` and `postgresql+<driver>://` store URIs (the driver part
 * is MLflow's SQLAlchemy dialect and is ignored here) into a `pg` pool configuration plus Orrery's
 * own settings. Settings travel as URI query parameters so one URI configures every server replica
 * the same way:
 *
 * | parameter | meaning | default |
 * |---|---|---|
 * | `pool_size` (alias `max_pool_size`) | connections per server process | 10 |
 * | `pool_idle_timeout` | ms before an idle connection is closed | 30000 |
 * | `connect_timeout` | seconds to wait for a new connection (libpq's name) | 10 |
 * | `statement_timeout` | ms a statement may run before PostgreSQL cancels it; 0 = none | 60000 |
 * | `migrate` | `true`: apply pending migrations at start; `false`: refuse to start on an old schema | true |
 * | `schema` | schema to use instead of `public` (created if missing) | (search_path default) |
 * | `application_name` | shown in `pg_stat_activity` | orrery |
 * | `sslmode` | disable, allow, prefer, require, verify-ca, verify-full (libpq's meanings, see below) | (no TLS) |
 * | `sslrootcert`, `sslcert`, `sslkey` | PEM files for TLS | |
 * | `host` | a host (or unix socket folder) overriding the authority part | |
 *
 * `sslmode`: `disable`, `allow` and `prefer` connect without TLS (node-postgres cannot fall back
 * from TLS to plain text, so the two "try" modes take the plain-text path); `require` encrypts
 * without checking the certificate, unless `sslrootcert` is given, which makes it `verify-ca` as in
 * libpq; `verify-ca` checks the chain; `verify-full` checks the chain and the host name.
 */
export interface PostgresSettings {
  poolSize: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Apply pending migrations when a store opens. */
  migrate: boolean;
  /** The schema the tables live in; undefined uses the server's search_path. */
  schema: string | undefined;
}

export interface ParsedPostgresUri {
  /** What to hand `new pg.Pool(...)` (contains the password: never log it). */
  poolConfig: PoolConfig;
  settings: PostgresSettings;
  /** The URI with its password masked, for messages and logs. */
  redacted: string;
}

const SCHEMES = new Set(['postgresql', 'postgres']);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const KNOWN_PARAMETERS = new Set([
  'pool_size',
  'max_pool_size',
  'pool_idle_timeout',
  'connect_timeout',
  'statement_timeout',
  'migrate',
  'schema',
  'application_name',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'host',
  'port',
  'user',
  'password',
  'dbname',
]);


function integerParameter(params: URLSearchParams, names: readonly string[], fallback: number, min: number, max: number, redacted: string): number {
  for (const name of names) {
    const raw = params.get(name);
    if (raw === null) continue;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw errors.invalidParameter(
        `Invalid value '${raw}' for '${name}' in the PostgreSQL URI ${redacted}: it must be an integer from ${min} to ${max}.`,
      );
    }
    return Number(raw);
  }
  return fallback;
}

function booleanParameter(params: URLSearchParams, name: string, fallback: boolean, redacted: string): boolean {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw errors.invalidParameter(`Invalid value '${raw}' for '${name}' in the PostgreSQL URI ${redacted}: it must be true or false.`);
}

function readPem(params: URLSearchParams, name: string, redacted: string): string | undefined {
  const file = params.get(name);
  if (file === null || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw errors.invalidParameter(`Cannot read '${name}' file '${file}' named in the PostgreSQL URI ${redacted}: ${(error as Error).message}`);
  }
}

function sslOptions(params: URLSearchParams, redacted: string): false | ConnectionOptions {
  const mode = (params.get('sslmode') ?? 'disable').toLowerCase();
  const ca = readPem(params, 'sslrootcert', redacted);
  const cert = readPem(params, 'sslcert', redacted);
  const key = readPem(params, 'sslkey', redacted);
  const files = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      // libpq: `require` with a root certificate verifies the chain like verify-ca.
      return ca ? { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { ...files, rejectUnauthorized: false };
    case 'verify-ca':
      return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...files, rejectUnauthorized: true };
    case 'no-verify':
      return { ...files, rejectUnauthorized: false };
    default:
      throw errors.invalidParameter(
        `Invalid sslmode '${mode}' in the PostgreSQL URI ${redacted}: use disable, allow, prefer, require, verify-ca or verify-full.`,
      );
  }
}

/** Parses a PostgreSQL store URI; throws INVALID_PARAMETER_VALUE naming the offending part. */
export function parsePostgresUri(uri: string): ParsedPostgresUri {
  const redacted = redactUri(uri);
  const match = /^([A-Za-z][A-Za-z0-9.-]*)(\+[A-Za-z0-9_.-]+)?:\/\//.exec(uri);
  const scheme = match?.[1]?.toLowerCase();
  if (!match || scheme === undefined || !SCHEMES.has(scheme)) {
    throw errors.invalidParameter(
      `Invalid PostgreSQL URI ${redacted}: it must start with postgresql://, postgres:// or postgresql+<driver>://.`,
    );
  }
  let url: URL;
  try {
    // Parse with a neutral scheme: WHATWG URL treats unknown schemes' authority uniformly.
    url = new URL(`postgres://${uri.slice(match[0].length)}`);
  } catch {
    throw errors.invalidParameter(`Invalid PostgreSQL URI ${redacted}: it is not a well-formed URI.`);
  }
  const params = url.searchParams;
  for (const name of params.keys()) {
    if (!KNOWN_PARAMETERS.has(name)) {
      throw errors.invalidParameter(
        `Unknown parameter '${name}' in the PostgreSQL URI ${redacted}. Known parameters: ${[...KNOWN_PARAMETERS].sort().join(', ')}.`,
      );
    }
  }
  const decode = (value: string): string => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw errors.invalidParameter(`Invalid PostgreSQL URI ${redacted}: bad percent-encoding.`);
    }
  };
  const database = params.get('dbname') ?? (url.pathname.length > 1 ? decode(url.pathname.slice(1)) : undefined);
  const host = params.get('host') ?? (url.hostname ? decode(url.hostname).replace(/^\[|\]$/g, '') : undefined);
  const user = params.get('user') ?? (url.username ? decode(url.username) : undefined);
  const password = params.get('password') ?? (url.password ? decode(url.password) : undefined);
  const port = integerParameter(params, ['port'], url.port ? Number(url.port) : 5432, 1, 65535, redacted);

  const schema = params.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw errors.invalidParameter(
      `Invalid schema '${schema}' in the PostgreSQL URI ${redacted}: use lowercase letters, digits and '_', starting with a letter or '_', at most 63 characters.`,
    );
  }
  const settings: PostgresSettings = {
    poolSize: integerParameter(params, ['pool_size', 'max_pool_size'], 10, 1, 1000, redacted),
    idleTimeoutMs: integerParameter(params, ['pool_idle_timeout'], 30_000, 0, 86_400_000, redacted),
    connectTimeoutMs: integerParameter(params, ['connect_timeout'], 10, 1, 3600, redacted) * 1000,
    statementTimeoutMs: integerParameter(params, ['statement_timeout'], 60_000, 0, 86_400_000, redacted),
    migrate: booleanParameter(params, 'migrate', true, redacted),
    schema,
  };
  const poolConfig: PoolConfig = {
    ...(host !== undefined ? { host } : {}),
    port,
    ...(database !== undefined ? { database } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ssl: sslOptions(params, redacted),
    max: settings.poolSize,
    idleTimeoutMillis: settings.idleTimeoutMs,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    application_name: params.get('application_name') ?? 'orrery',
    keepAlive: true,
    ...(settings.statementTimeoutMs > 0
      ? {
          statement_timeout: settings.statementTimeoutMs,
          // The client-side bound, so a query on a connection that silently died cannot hang forever.
          query_timeout: settings.statementTimeoutMs + 5_000,
        }
      : {}),
    // extra_float_digits >= 1 makes PostgreSQL print doubles in their shortest exact form (as text
    // and inside JSON), whatever the server's default: with 0, reads would round metric values.
    // jit=off: every statement here is a short indexed lookup, but some are costed high when
    // their values are unknown at planning time (a page of a long history, a list of runs), and
    // compiling them took 235-250 ms of statements that then ran in 30-80 ms.
    options: `-c extra_float_digits=3 -c jit=off${schema !== undefined ? ` -c search_path=${schema}` : ''}`,
  };
  return { poolConfig, settings, redacted };
}
