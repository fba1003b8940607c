import { errors } from '../errors/orrery-error.js';

/**
 * Artifact paths: the one set of rules every ArtifactRepository (local, REST proxy, Azure Blob,
 * FTP, SFTP) applies to the relative paths it is given, so that no path can reach outside a
 * repository's root and every backend refuses exactly the same input with the same message.
 *
 * Percent-encoding. Repositories never percent-decode: a `%` in an artifact path is a literal
 * character of a file name (`a%20b.txt` is stored as `a%20b.txt`). The server decodes a URL path
 * once, before it calls a repository. Because some layer might decode again (a proxy, a storage
 * service, a careless plugin), a path is also refused when any number of percent-decoding rounds
 * would turn it into something refused: `%2e%2e/x`, `%252e%252e/x`, `a%2f..%2fb`, `%00` are all
 * invalid, while `100%.txt` and `a%20b.txt` are valid names.
 */

/** How many rounds of percent-decoding are checked before a path is refused as too deeply encoded. */
const MAX_DECODING_ROUNDS = 8;
/** How much of an offending path an error message shows. */
const MAX_SHOWN_LENGTH = 200;

// C0 controls, DEL and C1 controls: never part of a sensible file name, and some of them end a
// string early or rewrite a terminal in the places a path gets printed.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const WINDOWS_DRIVE = /^[A-Za-z]:/;
// %C0 and %C1 only start overlong UTF-8 encodings (`%c0%ae` is an old way of writing `.`), which
// strict decoders reject and lax ones turn into ASCII.
const OVERLONG_UTF8_LEAD = /%c[01]/i;
// Only ASCII is decoded: every character a rule looks at is ASCII, and a byte >= 0x80 cannot
// decode to ASCII in valid UTF-8.
const PERCENT_ENCODED_ASCII = /%([0-7][0-9a-fA-F])/g;

function show(path: string): string {
  const shown = path.length > MAX_SHOWN_LENGTH ? `${path.slice(0, MAX_SHOWN_LENGTH)}...` : path;
  return JSON.stringify(shown);
}

function decodeAsciiPercent(value: string): string {
  return value.replace(PERCENT_ENCODED_ASCII, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The first rule `value` breaks, or undefined. */
function brokenRule(value: string): string | undefined {
  if (value.includes('\u0000')) return 'artifact paths must not contain NUL bytes';
  if (CONTROL_CHARACTER.test(value)) return 'artifact paths must not contain control characters';
  if (value.includes('\\')) return "artifact paths are '/'-separated and must not contain backslashes";
  if (value.startsWith('/')) return "artifact paths must be relative (must not start with '/')";
  if (WINDOWS_DRIVE.test(value)) return 'artifact paths must be relative (must not start with a drive letter)';
  if (value.split('/').includes('..')) return "artifact paths must not contain '..' segments";
  return undefined;
}

function refuse(path: string, rule: string): never {
  throw errors.invalidParameter(`Invalid artifact path ${show(path)}: ${rule}.`);
}

/**
 * Validates a relative artifact path and returns it normalized: `/`-separated, without empty or
 * `.` segments and without leading or trailing `/` (`''` is the root, and so are `undefined`,
 * `'.'` and `'./'`).
 *
 * Throws INVALID_PARAMETER_VALUE, naming the path and the rule, for a non-string, an absolute path
 * (`/x`, `C:\x`, `C:x`, `\\server\x`), a `..` segment, a backslash, a NUL byte or another control
 * character; and for a path that any number of percent-decoding rounds would turn into one of
 * those (see the module comment). The result, joined under any root, stays under that root.
 */
export function normalizeArtifactPath(path: string | undefined): string {
  if (path === undefined) return '';
  if (typeof path !== 'string') {
    throw errors.invalidParameter(`Invalid artifact path ${String(path)}: an artifact path must be a string.`);
  }
  const rule = brokenRule(path);
  if (rule !== undefined) refuse(path, rule);
  if (OVERLONG_UTF8_LEAD.test(path)) refuse(path, 'artifact paths must not contain overlong UTF-8 encodings');

  refuseEncodedBreaks(path, path);

  const normalized = path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
  // Dropping `.` segments can bring something to the front that was harmless in the middle:
  // `./C:/x` becomes drive-absolute, `./%2f` starts with an encoded `/`. Check the result again.
  if (WINDOWS_DRIVE.test(normalized)) {
    refuse(path, 'artifact paths must be relative (must not start with a drive letter)');
  }
  refuseEncodedBreaks(normalized, path);
  return normalized;
}

/** Refuses `path` (shown as `shown`) when a round of percent-decoding would break a rule. */
function refuseEncodedBreaks(value: string, shown: string): void {
  let decoded = value;
  for (let round = 1; ; round += 1) {
    const next = decodeAsciiPercent(decoded);
    if (next === decoded) return;
    if (round > MAX_DECODING_ROUNDS) {
      refuse(shown, `artifact paths must not be percent-encoded more than ${MAX_DECODING_ROUNDS} times over`);
    }
    const decodedRule = brokenRule(next);
    if (decodedRule !== undefined) refuse(shown, `${decodedRule}, even percent-encoded`);
    decoded = next;
  }
}

/**
 * Whether one path segment is `.` or `..`, also after any number of percent-decoding rounds
 * (`%2e`, `%2E%2e`, `%252e%252e`). `normalizeArtifactPath` drops `.` segments; a location that
 * must be taken exactly as written (a client-chosen artifact root) refuses both.
 */
export function isDotSegment(segment: string): boolean {
  let decoded = segment;
  for (let round = 0; round <= MAX_DECODING_ROUNDS; round += 1) {
    if (decoded === '.' || decoded === '..') return true;
    const next = decodeAsciiPercent(decoded);
    if (next === decoded) return false;
    decoded = next;
  }
  return true;
}

/**
 * Joins artifact path parts with `/`, validating each (see `normalizeArtifactPath`); empty and
 * undefined parts are skipped. `joinArtifactPath('a/', undefined, 'b/c')` is `'a/b/c'`.
 */
export function joinArtifactPath(...parts: Array<string | undefined>): string {
  return parts
    .map((part) => normalizeArtifactPath(part))
    .filter((part) => part !== '')
    .join('/');
}

/** The last segment of an artifact path (`''` for the root). Validates the path. */
export function artifactBasename(path: string | undefined): string {
  const normalized = normalizeArtifactPath(path);
  const slash = normalized.lastIndexOf('/');
  return slash < 0 ? normalized : normalized.slice(slash + 1);
}

/** Everything before the last segment of an artifact path (`''` at the root). Validates the path. */
export function artifactDirname(path: string | undefined): string {
  const normalized = normalizeArtifactPath(path);
  const slash = normalized.lastIndexOf('/');
  return slash < 0 ? '' : normalized.slice(0, slash);
}
