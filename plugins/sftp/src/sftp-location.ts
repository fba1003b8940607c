import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { errors, redactUri } from '@orrery/core';

/**
 * Everything needed to reach one SFTP root, read from an `sftp://` URI and the environment.
 *
 * URI: `sftp://[user[:password]@]host[:port]/absolute/path[?parameters]`. The path is absolute on
 * the server (`sftp://h/data/mlruns` is `/data/mlruns`); without a path the root is the login
 * directory. Parameters (all optional):
 * - `key_path`: a private key file to authenticate with (instead of the default keys in ~/.ssh);
 * - `known_hosts`: the known_hosts file to check the host key against;
 * - `trust_on_first_use=1`: accept and record an unknown host's key (never a changed one).
 *
 * Environment (a URI parameter wins over its variable):
 * - `ORRERY_SFTP_KEY_PATH`, `ORRERY_SFTP_KEY_PASSPHRASE` (the passphrase of every key tried);
 * - `ORRERY_SFTP_PASSWORD` (when the URI carries no password);
 * - `ORRERY_SFTP_KNOWN_HOSTS` (default `~/.ssh/known_hosts`);
 * - `ORRERY_SFTP_TRUST_ON_FIRST_USE=1`;
 * - `SSH_AUTH_SOCK` (the SSH agent; `ORRERY_SFTP_USE_AGENT=0` turns it off).
 */
export interface SftpLocation {
  host: string;
  port: number;
  username: string;
  /** Absolute remote directory of the root, or `.` for the login directory. */
  rootPath: string;
  password?: string;
  /** A configured key file; when set, the default keys in ~/.ssh are not tried (as with ssh -i). */
  keyPath?: string;
  passphrase?: string;
  agentSocket?: string;
  knownHostsPath: string;
  trustOnFirstUse: boolean;
  /** The URI with credentials masked, for messages and logs. */
  displayUri: string;
}

/** The URI parameters this plugin reads; any other is refused, so a typo is not silently ignored. */
const KNOWN_PARAMETERS = new Set(['key_path', 'known_hosts', 'trust_on_first_use']);

/** The key files tried, in order, when no key path is configured (OpenSSH's default identities). */
export const DEFAULT_KEY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519_sk', 'id_rsa', 'id_dsa'];

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function decode(value: string, what: string, shown: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw errors.invalidParameter(`Invalid SFTP URI ${shown}: the ${what} is not valid percent-encoding.`);
  }
}

/** Parses an `sftp://` URI with the environment's defaults. Throws INVALID_PARAMETER_VALUE naming what is wrong. */
export function parseSftpLocation(uri: string, env: NodeJS.ProcessEnv = process.env): SftpLocation {
  const shown = redactUri(uri);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw errors.invalidParameter(`Invalid SFTP URI ${shown}: expected sftp://user@host:port/path.`);
  }
  if (url.protocol !== 'sftp:') {
    throw errors.invalidParameter(`Invalid SFTP URI ${shown}: the scheme must be sftp.`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw errors.invalidParameter(`Invalid SFTP URI ${shown}: it names no host.`);
  const port = url.port === '' ? 22 : Number(url.port);
  if (url.hash !== '') throw errors.invalidParameter(`Invalid SFTP URI ${shown}: a #fragment is not allowed.`);

  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_PARAMETERS.has(key)) {
      throw errors.invalidParameter(
        `Invalid SFTP URI ${shown}: unknown parameter '${key}'. Known parameters: ${[...KNOWN_PARAMETERS].join(', ')}.`,
      );
    }
    // Which copy wins would depend on the reader, and a suffix appended to the URI could be outvoted.
    if (seen.has(key)) throw errors.invalidParameter(`Invalid SFTP URI ${shown}: the parameter '${key}' is given more than once; give it once.`);
    seen.add(key);
  }

  const pathname = decode(url.pathname, 'path', shown);
  const rootPath = pathname === '' || pathname === '/' ? (pathname === '/' ? '/' : '.') : pathname.replace(/\/+$/, '');
  const username = url.username !== '' ? decode(url.username, 'user name', shown) : nonEmpty(env.USER) ?? userInfo().username;
  const password = url.password !== '' ? decode(url.password, 'password', shown) : nonEmpty(env.ORRERY_SFTP_PASSWORD);
  const keyPath = nonEmpty(url.searchParams.get('key_path') ?? undefined) ?? nonEmpty(env.ORRERY_SFTP_KEY_PATH);
  const passphrase = nonEmpty(env.ORRERY_SFTP_KEY_PASSPHRASE);
  const agentSocket = env.ORRERY_SFTP_USE_AGENT === '0' ? undefined : nonEmpty(env.SSH_AUTH_SOCK);
  const knownHostsPath =
    nonEmpty(url.searchParams.get('known_hosts') ?? undefined) ??
    nonEmpty(env.ORRERY_SFTP_KNOWN_HOSTS) ??
    join(homedir(), '.ssh', 'known_hosts');
  const tofuParameter = url.searchParams.get('trust_on_first_use');
  const trustOnFirstUse = tofuParameter !== null ? isTrue(tofuParameter) : isTrue(env.ORRERY_SFTP_TRUST_ON_FIRST_USE);

  return {
    host,
    port,
    username,
    rootPath,
    ...(password !== undefined ? { password } : {}),
    ...(keyPath !== undefined ? { keyPath } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(agentSocket !== undefined ? { agentSocket } : {}),
    knownHostsPath,
    trustOnFirstUse,
    displayUri: shown,
  };
}

/** The remote path of an artifact path (already normalized) under the root. */
export function remotePathOf(location: SftpLocation, rel: string): string {
  if (rel === '') return location.rootPath;
  if (location.rootPath === '.') return rel;
  return location.rootPath === '/' ? `/${rel}` : `${location.rootPath}/${rel}`;
}
