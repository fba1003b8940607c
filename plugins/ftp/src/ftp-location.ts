import { errors, redactUri } from '@orrery/core';

/** The environment variables the FTP plugin reads. */
export const FTP_ENV = {
  /** User name when the URI names none. */
  user: 'ORRERY_FTP_USER',
  /** Password when the URI holds none: keeps the password out of stored artifact URIs. */
  password: 'ORRERY_FTP_PASSWORD',
  /** Most connections one repository opens at a time (default 4). */
  maxConnections: 'ORRERY_FTP_MAX_CONNECTIONS',
  /**
   * Files of at least this many MiB (default 16) upload to a temporary name and are renamed into
   * place; smaller ones are stored under their name directly. 0 sends every file through a
   * temporary name.
   */
  renameThresholdMb: 'ORRERY_FTP_RENAME_THRESHOLD_MB',
  /** A PEM file of certificate authorities to trust for `ftps://` (e.g. a self-signed server's certificate). */
  caFile: 'ORRERY_FTPS_CA_FILE',
} as const;

/** Where an `ftp://` or `ftps://` artifact URI points, with the credentials to log in. */
export interface FtpLocation {
  /** `ftps`: explicit TLS (AUTH TLS) on the control and data connections. */
  secure: boolean;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The absolute remote directory of the repository root: `/` or `/a/b`, no trailing slash. */
  rootPath: string;
  /** The URI with the password masked: the only form that goes into messages and logs. */
  shownUri: string;
}

// CR and LF end an FTP command, so they would let a name smuggle in a second command.
// eslint-disable-next-line no-control-regex
const COMMAND_BREAKING = /[\u0000\r\n]/;

/**
 * Parses `ftp://user:password@host:port/path` or `ftps://...`. Like MLflow, the path is absolute
 * on the server (`ftp://h/data` is `/data`, not relative to the login directory), the host
 * defaults to localhost, the port to 21, and user and password are percent-decoded. When the URI
 * holds no user or password, `ORRERY_FTP_USER` / `ORRERY_FTP_PASSWORD` from `env` fill them in
 * (then `anonymous`, with an empty password).
 *
 * Throws INVALID_PARAMETER_VALUE (showing the URI with its password masked) for another scheme,
 * a query or fragment, malformed percent-encoding, or a NUL, CR or LF anywhere.
 */
export function parseFtpUri(uri: string, env: Record<string, string | undefined> = process.env): FtpLocation {
  const shownUri = redactUri(uri);
  const refuse = (rule: string): never => {
    throw errors.invalidParameter(`Invalid FTP artifact URI '${shownUri}': ${rule}.`);
  };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return refuse('it is not a URI of the form ftp://user:password@host:port/path');
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'ftp' && scheme !== 'ftps') refuse(`the scheme must be ftp or ftps, not '${scheme}'`);
  if (url.search !== '' || url.hash !== '') {
    refuse("it must not have a query or fragment; encode '?' as %3F and '#' as %23 in the path");
  }
  const decode = (value: string, what: string): string => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      return refuse(`the ${what} has malformed percent-encoding`);
    }
    if (COMMAND_BREAKING.test(decoded)) refuse(`the ${what} must not contain NUL, CR or LF`);
    return decoded;
  };

  const segments = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decode(segment, 'path'));
  if (segments.some((segment) => segment.includes('/'))) refuse("the path must not contain an encoded '/' (%2F)");

  const user = url.username !== '' ? decode(url.username, 'user name') : (env[FTP_ENV.user] ?? 'anonymous');
  const password = url.password !== '' ? decode(url.password, 'password') : (env[FTP_ENV.password] ?? '');
  if (COMMAND_BREAKING.test(user) || COMMAND_BREAKING.test(password)) refuse('the credentials must not contain NUL, CR or LF');

  const location: FtpLocation = {
    secure: scheme === 'ftps',
    host: url.hostname === '' ? 'localhost' : url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 21 : Number(url.port),
    user,
    password: '',
    rootPath: `/${segments.join('/')}`,
    shownUri,
  };
  // Not enumerable: logging or serializing the location (JSON, util.inspect) leaves it out.
  Object.defineProperty(location, 'password', { value: password, enumerable: false });
  return location;
}

/** The absolute remote path of a normalized artifact path (`''` is the root itself). */
export function remotePathOf(location: Pick<FtpLocation, 'rootPath'>, relativePath: string): string {
  if (relativePath === '') return location.rootPath;
  return location.rootPath === '/' ? `/${relativePath}` : `${location.rootPath}/${relativePath}`;
}
