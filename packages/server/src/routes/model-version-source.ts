/**
 * The server's check of a new model version's `source`, as MLflow's server does it for security:
 * a version's files are later served from its source, so a client must not be able to point one at
 * an arbitrary folder of the server's disk, nor climb out of a location with `..`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors, isInsideDirectory, realpathOfExistingPrefix, uriScheme, type TrackingStore } from '@orrery/core';

/** Decodes percent-escapes (and `+` as space) until nothing changes, as an attacker may nest them. */
function fullyDecoded(value: string): string {
  let current = value;
  for (let i = 0; i < 10; i += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current.replace(/\+/g, ' '));
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** The path part of a URI (or the whole string for a plain path), without query or fragment. */
function pathOf(uri: string): string {
  let rest = uri;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(rest);
  if (scheme && scheme[0].length > 2) rest = rest.slice(scheme[0].length);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return rest.replace(/[?#].*$/, '');
}

/** A file URI on this machine, or a plain path: what the server itself could read. */
function isLocalSource(source: string): boolean {
  if (uriScheme(source) !== 'file') return false;
  if (!/^file:/i.test(source)) return true;
  const host = /^file:\/\/([^/]*)/i.exec(source)?.[1] ?? '';
  return host === '' || host.toLowerCase() === 'localhost';
}

/** The absolute local path of a local source; undefined when a `file:` URI cannot be a path (e.g. an encoded `/`). */
function localPath(uri: string): string | undefined {
  try {
    return path.resolve(/^file:/i.test(uri) ? fileURLToPath(uri) : uri);
  } catch {
    return undefined;
  }
}

/** Whether a source's path (decoded as far as it goes) has a `.` or `..` segment, or a NUL byte. */
function hasRelativeReference(source: string): boolean {
  const sourcePath = pathOf(fullyDecoded(source));
  return sourcePath.includes('\0') || sourcePath.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

/**
 * Refuses a source that would let the registry serve files it should not:
 * - any source whose path has `.` or `..` segments or a NUL byte, even percent-encoded (for a plain
 *   local path too, where `%2e%2e` is a literal name: no legitimate source needs one);
 * - a local path (plain or `file:`) unless `runId` names a run whose local artifact folder holds it,
 *   both resolved through symbolic links (a link in the run's folder cannot lead out of it);
 * - a `file:` URI naming another host.
 */
export async function checkModelVersionSource(source: string, runId: string | undefined, trackingStore: TrackingStore | undefined): Promise<void> {
  if (hasRelativeReference(source)) {
    throw errors.invalidParameter(
      `Invalid model version source: '${source}'. A source URI must be given as an absolute path without relative path references ('.' or '..').`,
    );
  }
  if (isLocalSource(source)) {
    if (runId && trackingStore !== undefined) {
      const run = await trackingStore.getRun(runId);
      const root = run.info.artifactUri;
      if (isLocalSource(root)) {
        const rootPath = localPath(root);
        const sourcePath = localPath(source);
        if (rootPath !== undefined && sourcePath !== undefined) {
          const [realRoot, realSource] = await Promise.all([realpathOfExistingPrefix(rootPath), realpathOfExistingPrefix(sourcePath)]);
          if (isInsideDirectory(rootPath, sourcePath) && isInsideDirectory(realRoot, realSource)) return;
        }
      }
    }
    throw errors.invalidParameter(
      `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request ` +
        'parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.',
    );
  }
  if (/^file:/i.test(source)) {
    throw errors.invalidParameter(`Invalid model version source: '${source}'. A file URI naming another host cannot be a model version source.`);
  }
}
