import { readFileSync } from 'node:fs';
import { errors, redactUri } from '@orrery/core';

/**
 * Store URIs: `redis://[user[:password]@]host[:port][/db][?options]` and `rediss://` for TLS.
 *
 * Options (query parameters):
 * - `prefix`: key prefix (default `orrery`), so several Orrery instances can share one Redis;
 *   letters, digits, `_`, `-`, `.`, `:` only.
 * - `sentinel=<master name>`: host and port name a Sentinel; `sentinel_hosts=h2:26379,h3:26379`
 *   adds more Sentinels. The Sentinels' own password, if any, comes from the environment variable
 *   `ORRERY_REDIS_SENTINEL_PASSWORD` (never from the URI, so it stays out of logs).
 * - `cluster=true`: host and port name a Redis Cluster node; `cluster_nodes=h2:p,h3:p` adds more
 *   seed nodes. A cluster has no database numbers (db must be 0).
 * - `tls_ca`, `tls_cert`, `tls_key`: PEM file paths; `tls_reject_unauthorized=false` accepts any
 *   server certificate (tests only); `tls_servername` overrides SNI. Only with `rediss://`.
 * - `connect_timeout_ms` (default 5000) and `command_timeout_ms` (default none).
 * - `startup_timeout_ms` (default 10000): how long opening a store may take in all (connecting,
 *   logging in, the server checks) before it gives up with TEMPORARILY_UNAVAILABLE; a port that
 *   accepts connections but never answers would otherwise hold start-up forever.
 */
export interface RedisTarget {
  /** Standalone, behind Sentinel, or a cluster. */
  mode: 'standalone' | 'sentinel' | 'cluster';
  /** Host/port of the server, the Sentinels or the cluster seed nodes. */
  nodes: Array<{ host: string; port: number }>;
  db: number;
  username?: string;
  password?: string;
  /** The master name for Sentinel. */
  sentinelMaster?: string;
  sentinelPassword?: string;
  tls?: {
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
    rejectUnauthorized: boolean;
    servername?: string;
  };
  prefix: string;
  connectTimeoutMs: number;
  commandTimeoutMs?: number;
  /** How long opening a store may take in all before it fails (`startup_timeout_ms`). */
  startupTimeoutMs: number;
  /** The URI with its password masked, for messages and logs. */
  redacted: string;
}

const DEFAULT_PREFIX = 'orrery';
const PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const KNOWN_OPTIONS = [
  'prefix',
  'sentinel',
  'sentinel_hosts',
  'cluster',
  'cluster_nodes',
  'tls_ca',
  'tls_cert',
  'tls_key',
  'tls_reject_unauthorized',
  'tls_servername',
  'connect_timeout_ms',
  'command_timeout_ms',
  'startup_timeout_ms',
];

/** Default of `startup_timeout_ms`, PostgreSQL's connection timeout too. */
export const DEFAULT_REDIS_STARTUP_TIMEOUT_MS = 10_000;

function invalid(redacted: string, reason: string): never {
  throw errors.invalidParameter(`Invalid Redis store URI '${redacted}': ${reason}`);
}

function parseHostList(redacted: string, option: string, text: string, defaultPort: number) {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const match = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(part);
      if (!match) invalid(redacted, `'${option}' must list host:port pairs separated by commas, got '${part}'.`);
      return { host: match[1]!, port: match[2] ? Number(match[2]) : defaultPort };
    });
}

function parseBoolean(redacted: string, option: string, text: string): boolean {
  if (/^(1|true|yes)$/i.test(text)) return true;
  if (/^(0|false|no)$/i.test(text)) return false;
  invalid(redacted, `'${option}' must be true or false, got '${text}'.`);
}

function parsePositiveInteger(redacted: string, option: string, text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0) invalid(redacted, `'${option}' must be a positive integer, got '${text}'.`);
  return Number(text);
}

function readPem(redacted: string, option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    invalid(redacted, `cannot read the file '${file}' given as '${option}': ${(error as Error).message}`);
  }
}

/** Parses a `redis://` or `rediss://` store URI; throws INVALID_PARAMETER_VALUE naming the problem. */
export function parseRedisUri(uri: string, env: Record<string, string | undefined> = process.env): RedisTarget {
  const redacted = redactUri(uri);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    invalid(redacted, 'it is not a URI; expected redis://[user[:password]@]host[:port][/db][?prefix=...]');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'redis' && scheme !== 'rediss') invalid(redacted, `the scheme must be redis or rediss, got '${scheme}'.`);
  if (!url.hostname) invalid(redacted, 'a host is required, e.g. redis://127.0.0.1:6379.');

  const options = url.searchParams;
  for (const name of options.keys()) {
    if (!KNOWN_OPTIONS.includes(name)) invalid(redacted, `unknown option '${name}'; known options are ${KNOWN_OPTIONS.join(', ')}.`);
  }
  const option = (name: string): string | undefined => {
    const values = options.getAll(name);
    if (values.length > 1) invalid(redacted, `the option '${name}' is given ${values.length} times.`);
    return values[0];
  };

  const path = decodeURIComponent(url.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  if (path !== '' && !/^\d{1,5}$/.test(path)) invalid(redacted, `the path must be a database number such as /0, got '/${path}'.`);
  const db = path === '' ? 0 : Number(path);

  const prefix = option('prefix') ?? DEFAULT_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) {
    invalid(redacted, `the prefix '${prefix}' must be 1 to 128 letters, digits, '_', '-', '.' or ':'.`);
  }

  const sentinel = option('sentinel');
  const cluster = option('cluster') !== undefined ? parseBoolean(redacted, 'cluster', option('cluster')!) : false;
  if (sentinel !== undefined && cluster) invalid(redacted, "'sentinel' and 'cluster' cannot be combined.");
  if (sentinel !== undefined && sentinel.trim() === '') invalid(redacted, "'sentinel' must name the master, e.g. sentinel=mymaster.");
  if (option('sentinel_hosts') !== undefined && sentinel === undefined) invalid(redacted, "'sentinel_hosts' needs 'sentinel=<master name>'.");
  if (option('cluster_nodes') !== undefined && !cluster) invalid(redacted, "'cluster_nodes' needs 'cluster=true'.");
  if (cluster && db !== 0) invalid(redacted, `a Redis Cluster has only database 0, got /${db}.`);

  const mode: RedisTarget['mode'] = cluster ? 'cluster' : sentinel !== undefined ? 'sentinel' : 'standalone';
  const defaultPort = mode === 'sentinel' ? 26379 : 6379;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const nodes = [{ host, port: url.port ? Number(url.port) : defaultPort }];
  if (mode === 'sentinel' && option('sentinel_hosts')) nodes.push(...parseHostList(redacted, 'sentinel_hosts', option('sentinel_hosts')!, 26379));
  if (mode === 'cluster' && option('cluster_nodes')) nodes.push(...parseHostList(redacted, 'cluster_nodes', option('cluster_nodes')!, 6379));

  const tlsOptions = ['tls_ca', 'tls_cert', 'tls_key', 'tls_reject_unauthorized', 'tls_servername'].filter((n) => option(n) !== undefined);
  if (scheme === 'redis' && tlsOptions.length > 0) invalid(redacted, `${tlsOptions.join(', ')} need the rediss:// scheme.`);

  const target: RedisTarget = {
    mode,
    nodes,
    db,
    prefix,
    connectTimeoutMs: option('connect_timeout_ms') ? parsePositiveInteger(redacted, 'connect_timeout_ms', option('connect_timeout_ms')!) : 5000,
    startupTimeoutMs: option('startup_timeout_ms')
      ? parsePositiveInteger(redacted, 'startup_timeout_ms', option('startup_timeout_ms')!)
      : DEFAULT_REDIS_STARTUP_TIMEOUT_MS,
    redacted,
  };
  const commandTimeout = option('command_timeout_ms');
  if (commandTimeout !== undefined) target.commandTimeoutMs = parsePositiveInteger(redacted, 'command_timeout_ms', commandTimeout);
  if (url.username) target.username = decodeURIComponent(url.username);
  if (url.password) target.password = decodeURIComponent(url.password);
  if (mode === 'sentinel') {
    target.sentinelMaster = sentinel!;
    const sentinelPassword = env.ORRERY_REDIS_SENTINEL_PASSWORD;
    if (sentinelPassword) target.sentinelPassword = sentinelPassword;
  }
  if (scheme === 'rediss') {
    const tls: NonNullable<RedisTarget['tls']> = {
      rejectUnauthorized:
        option('tls_reject_unauthorized') === undefined ? true : parseBoolean(redacted, 'tls_reject_unauthorized', option('tls_reject_unauthorized')!),
    };
    if (option('tls_ca')) tls.ca = readPem(redacted, 'tls_ca', option('tls_ca')!);
    if (option('tls_cert')) tls.cert = readPem(redacted, 'tls_cert', option('tls_cert')!);
    if (option('tls_key')) tls.key = readPem(redacted, 'tls_key', option('tls_key')!);
    if (option('tls_servername')) tls.servername = option('tls_servername')!;
    target.tls = tls;
  }
  return target;
}
