import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '../errors/orrery-error.js';

/**
 * The absolute local directory a `file` artifact URI names:
 * - `file:///abs/dir`, `file://localhost/abs/dir` and `file:/abs/dir` → `/abs/dir`
 *   (percent-decoded, as file URIs are: `file:///a%20b` → `/a b`);
 * - a plain absolute path → itself, normalized;
 * - a plain relative path (or `file:rel/dir`) → resolved from `cwd`.
 *
 * Throws INVALID_PARAMETER_VALUE for a file URI naming another host, one whose path cannot be a
 * local path (an encoded `/`), or a NUL byte.
 */
export function localPathFromArtifactUri(uri: string, cwd: string = process.cwd()): string {
  if (uri.includes('\u0000') || (/^file:/i.test(uri) && uri.includes('%00'))) {
    throw errors.invalidParameter(`Invalid artifact URI ${JSON.stringify(uri)}: it must not contain NUL bytes.`);
  }
  if (!/^file:/i.test(uri)) return path.resolve(cwd, uri);

  const rest = uri.slice('file:'.length);
  if (!rest.startsWith('/')) {
    return path.resolve(cwd, decodeUriPath(uri, rest));
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch (cause) {
    throw errors.invalidParameter(`Invalid artifact URI ${JSON.stringify(uri)}: ${(cause as Error).message}.`);
  }
  if (url.hostname !== '' && url.hostname !== 'localhost') {
    throw errors.invalidParameter(
      `Invalid artifact URI ${JSON.stringify(uri)}: file URIs must name a local path (host '' or 'localhost', not '${url.hostname}').`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw errors.invalidParameter(
      `Invalid artifact URI ${JSON.stringify(uri)}: a file URI must not have a query or fragment; encode '?' as %3F and '#' as %23.`,
    );
  }
  url.hostname = '';
  try {
    return path.resolve(fileURLToPath(url));
  } catch (cause) {
    throw errors.invalidParameter(`Invalid artifact URI ${JSON.stringify(uri)}: ${(cause as Error).message}.`);
  }
}

function decodeUriPath(uri: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw errors.invalidParameter(`Invalid artifact URI ${JSON.stringify(uri)}: malformed percent-encoding.`);
  }
}
