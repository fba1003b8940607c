import path from 'node:path';
import { errors } from '@orrery/core';

/** Where a `sqlite:` URI points. */
export type SqliteLocation = { kind: 'memory' } | { kind: 'file'; path: string };

/**
 * Parses SQLAlchemy-style SQLite URIs:
 * - `sqlite:///relative/path.db`: three slashes, a path relative to `cwd`;
 * - `sqlite:////absolute/path.db`: four slashes, an absolute path;
 * - `sqlite://`, `sqlite://:memory:`, `sqlite:///:memory:`: a private in-memory database.
 * A `?query` part is not supported and is rejected rather than silently ignored.
 */
export function parseSqliteUri(uri: string, cwd: string = process.cwd()): SqliteLocation {
  const match = /^sqlite:\/\/(.*)$/i.exec(uri);
  if (!match) {
    throw errors.invalidParameter(
      `Invalid SQLite URI '${uri}': expected 'sqlite:///relative/path.db', 'sqlite:////absolute/path.db' or 'sqlite:///:memory:'.`,
    );
  }
  const rest = match[1]!;
  if (rest.includes('?')) {
    throw errors.invalidParameter(`Invalid SQLite URI '${uri}': query parameters are not supported.`);
  }
  if (rest === '' || rest === ':memory:' || rest === '/:memory:') return { kind: 'memory' };
  if (!rest.startsWith('/')) {
    throw errors.invalidParameter(
      `Invalid SQLite URI '${uri}': a host is not allowed; use three slashes for a relative path ('sqlite:///data/orrery.db') or four for an absolute one ('sqlite:////var/data/orrery.db').`,
    );
  }
  const filePath = rest.slice(1);
  if (filePath === '' || filePath.endsWith('/')) {
    throw errors.invalidParameter(`Invalid SQLite URI '${uri}': it names no database file.`);
  }
  return { kind: 'file', path: path.isAbsolute(filePath) ? path.normalize(filePath) : path.resolve(cwd, filePath) };
}
