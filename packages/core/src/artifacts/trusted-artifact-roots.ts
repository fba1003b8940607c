/**
 * The artifact locations a server acts on with its own identity (credentials from its URI, its
 * environment, its SSH keys): the roots it was configured with, and paths below them. A location
 * a client chose (an experiment's `artifact_location`) is trusted only when it matches one of
 * them; the URI the server then opens is built from the matching root, so the authority and the
 * query options (known_hosts files, key paths, certificate files, checks turned off) always come
 * from server configuration and only the relative path comes from the client.
 */
import path from 'node:path';
import { errors } from '../errors/orrery-error.js';
import { localPathFromArtifactUri } from './local-artifact-uri.js';
import { isDotSegment, normalizeArtifactPath } from './artifact-path.js';
import { isInsideDirectory, realpathOfExistingPrefix } from './local-real-path.js';

/** Ports a scheme implies when a URI names none, so `ftp://h/x` and `ftp://h:21/x` are one place. */
const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  ftp: '21',
  ftps: '21',
  sftp: '22',
  ssh: '22',
  http: '80',
  https: '443',
  wasbs: '443',
  s3: '443',
  gs: '443',
};

// `scheme://authority/path?query#fragment`; the authority runs to the first `/`, `?` or `#`.
const HIERARCHICAL_URI = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/;
// C0 controls, DEL and C1 controls never belong in a location.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** A remote location split into what the matching rule compares. */
interface RemoteLocation {
  scheme: string;
  /** `scheme://authority` exactly as written (the form the server opens). */
  prefix: string;
  user: string;
  host: string;
  port: string;
  /** The path's segments, percent-decoded, without empty ones (for comparing). */
  decodedSegments: string[];
  /** The same segments as written (for building the URI to open). */
  rawSegments: string[];
  /** `?query` as written, or ''. */
  query: string;
}

/** One configured root. */
type TrustedRoot = { kind: 'remote'; uri: string; location: RemoteLocation } | { kind: 'local'; uri: string; dir: string };

function decodeComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function isLocalUri(uri: string): boolean {
  return /^file:/i.test(uri) || !/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri);
}

/** Splits a hierarchical URI; undefined when it has another shape or undecodable parts. */
function parseRemote(uri: string): RemoteLocation | undefined {
  const match = HIERARCHICAL_URI.exec(uri);
  if (match === null || match[5] !== undefined) return undefined;
  const [, schemeText = '', authority = '', pathText = '', query = ''] = match;
  const scheme = schemeText.toLowerCase();
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hostPort = at < 0 ? authority : authority.slice(at + 1);
  const hostPortMatch = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(hostPort);
  if (hostPortMatch === null) return undefined;
  const user = decodeComponent(userinfo.split(':')[0] ?? '');
  const host = decodeComponent(hostPortMatch[1] ?? '');
  if (user === undefined || host === undefined) return undefined;
  const port = hostPortMatch[2] === undefined || hostPortMatch[2] === '' ? (DEFAULT_PORTS[scheme] ?? '') : String(Number(hostPortMatch[2]));
  const rawSegments = pathText.split('/').filter((segment) => segment !== '');
  const decodedSegments: string[] = [];
  for (const segment of rawSegments) {
    const decoded = decodeComponent(segment);
    if (decoded === undefined) return undefined;
    decodedSegments.push(decoded);
  }
  return {
    scheme,
    prefix: `${schemeText}://${authority}`,
    user,
    host: host.toLowerCase(),
    port,
    decodedSegments,
    rawSegments,
    query,
  };
}

/**
 * Whether a client-chosen location can never be trusted, whatever the roots: control characters,
 * a backslash, a query or fragment, a `.` or `..` segment (also percent-encoded), or a segment
 * that is no valid artifact path (an encoded `/` or NUL). Checked on the text as written, before
 * any parser could fold `..` away.
 */
function isUnsafeLocation(uri: string): boolean {
  if (CONTROL_CHARACTER.test(uri) || uri.includes('\\') || uri.includes('?') || uri.includes('#')) return true;
  const pathPart = isLocalUri(uri) ? uri.replace(/^file:(\/\/[^/]*)?/i, '') : (HIERARCHICAL_URI.exec(uri)?.[3] ?? '');
  return pathPart
    .split('/')
    .filter((segment) => segment !== '')
    .some((segment) => {
      if (isDotSegment(segment)) return true;
      try {
        normalizeArtifactPath(segment);
        return false;
      } catch {
        return true;
      }
    });
}

/** Whether `location` lies at or below `root`; returns the client's relative raw segments when it does. */
function relativeBelow(root: RemoteLocation, location: RemoteLocation): string[] | undefined {
  if (root.scheme !== location.scheme || root.host !== location.host || root.port !== location.port || root.user !== location.user) return undefined;
  if (location.decodedSegments.length < root.decodedSegments.length) return undefined;
  for (const [index, segment] of root.decodedSegments.entries()) {
    if (location.decodedSegments[index] !== segment) return undefined;
  }
  return location.rawSegments.slice(root.decodedSegments.length);
}

/**
 * The set of trusted artifact roots of one server. Built once from configuration (invalid roots
 * are refused then, naming the option); `resolve` is asked for every client-chosen location.
 */
export class TrustedArtifactRoots {
  private readonly roots: TrustedRoot[];

  private constructor(roots: TrustedRoot[]) {
    this.roots = roots;
  }

  /**
   * Reads the configured roots. `roots` pairs each URI with the option it came from (for
   * messages). A `mlflow-artifacts:` root (the proxy's own scheme) is skipped: proxied runs are
   * served from the proxy's destination, which is listed separately. Local roots (plain paths,
   * `file:` URIs) are resolved from `cwd`.
   *
   * Throws INVALID_PARAMETER_VALUE naming the option for a root that is neither a local path nor
   * a `scheme://host/path` URI, or that carries a fragment.
   */
  static fromConfiguration(roots: ReadonlyArray<{ uri: string; option: string }>, cwd: string = process.cwd()): TrustedArtifactRoots {
    const parsed: TrustedRoot[] = [];
    for (const { uri, option } of roots) {
      if (/^mlflow-artifacts:/i.test(uri)) continue;
      if (isLocalUri(uri)) {
        parsed.push({ kind: 'local', uri, dir: localPathFromArtifactUri(uri, cwd) });
        continue;
      }
      const location = parseRemote(uri);
      if (location === undefined) {
        throw errors.invalidParameter(
          `Invalid ${option}: expected a local path or a URI of the form scheme://[user@]host[:port]/path[?options], got a URI of scheme '${uri.split(':')[0] ?? ''}'.`,
        );
      }
      parsed.push({ kind: 'remote', uri, location });
    }
    return new TrustedArtifactRoots(parsed);
  }

  /** How many roots are trusted (for the start-up log). */
  get size(): number {
    return this.roots.length;
  }

  /**
   * The URI the server may open for a client-chosen location, or undefined when the location is
   * not below a trusted root. For a remote root the result is the root's own URI (authority and
   * query exactly as configured) with the client's relative path appended; for a local root it is
   * the root joined with the relative path, after checking that the location, resolved through
   * symbolic links as far as it exists, stays inside the root's real path.
   *
   * Never contacts the location and never throws for an untrusted one: the caller answers with one
   * message whatever the location was.
   */
  async resolve(clientUri: string): Promise<string | undefined> {
    const located = await this.locate(clientUri);
    if (located === undefined) return undefined;
    if (located.root.kind === 'local') return located.path === '' ? located.root.dir : path.join(located.root.dir, located.path);
    const { location } = located.root;
    const base = [...location.rawSegments, ...located.rawRelative].join('/');
    return `${location.prefix}${base === '' ? '' : `/${base}`}${location.query}`;
  }

  /**
   * The trusted root a client-chosen location lies in, and the location's path below it (`/`
   * separated, decoded; '' for the root itself); undefined when it is not trusted, under the same
   * checks as `resolve`. `rootUri` is the URI the server opens for the whole root: the root's
   * authority, path and query exactly as configured (a local root's absolute directory). Opening
   * the root once and reading below it lets the server keep one connection per root; the client
   * only ever picks the path.
   */
  async locateRoot(clientUri: string): Promise<{ rootUri: string; path: string } | undefined> {
    const located = await this.locate(clientUri);
    if (located === undefined) return undefined;
    if (located.root.kind === 'local') return { rootUri: located.root.dir, path: located.path };
    const { location } = located.root;
    const base = location.rawSegments.join('/');
    return { rootUri: `${location.prefix}${base === '' ? '' : `/${base}`}${location.query}`, path: located.path };
  }

  private async locate(clientUri: string): Promise<{ root: TrustedRoot; path: string; rawRelative: string[] } | undefined> {
    if (isUnsafeLocation(clientUri)) return undefined;
    if (isLocalUri(clientUri)) return this.locateLocal(clientUri);
    const location = parseRemote(clientUri);
    if (location === undefined) return undefined;
    for (const root of this.roots) {
      if (root.kind !== 'remote') continue;
      const relative = relativeBelow(root.location, location);
      if (relative === undefined) continue;
      return { root, path: location.decodedSegments.slice(root.location.decodedSegments.length).join('/'), rawRelative: relative };
    }
    return undefined;
  }

  private async locateLocal(clientUri: string): Promise<{ root: TrustedRoot; path: string; rawRelative: string[] } | undefined> {
    let target: string;
    try {
      // A relative client path means nothing stable on the server: only absolute ones are matched.
      if (!/^file:/i.test(clientUri) && !path.isAbsolute(clientUri)) return undefined;
      target = localPathFromArtifactUri(clientUri);
    } catch {
      return undefined;
    }
    for (const root of this.roots) {
      if (root.kind !== 'local' || !isInsideDirectory(root.dir, target)) continue;
      const [realRoot, realTarget] = await Promise.all([realpathOfExistingPrefix(root.dir), realpathOfExistingPrefix(target)]);
      if (!isInsideDirectory(realRoot, realTarget)) continue;
      const relative = path.relative(root.dir, target).split(path.sep).filter((segment) => segment !== '');
      return { root, path: relative.join('/'), rawRelative: relative };
    }
    return undefined;
  }
}
