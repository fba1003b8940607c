import type { Dirent, Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../errors/orrery-error.js';
import { joinArtifactPath } from './artifact-path.js';

/** A directory or regular file found by `walkLocalTree`. */
export interface LocalTreeEntry {
  kind: 'directory' | 'file';
  /** Where it is on disk, under the walked directory as reached (links in it are not resolved). */
  localPath: string;
  /** Its artifact path relative to the walked directory: `/`-separated, validated, never `''`. */
  path: string;
}

/**
 * Walks a local directory for an upload (`logArtifacts`), yielding its directories and regular
 * files depth first: the entries of each directory in name order (by UTF-16 code units, so the
 * order does not depend on the file system or the locale), each directory just before its
 * contents. The walked directory itself is not yielded; other kinds of entries (sockets, FIFOs,
 * devices) are left out.
 *
 * A linked directory that is one of its own ancestors (by real path) is left out, so a link cycle
 * ends the walk there instead of recursing forever; a directory linked twice elsewhere in the tree
 * is walked twice, as a copy would be.
 *
 * Every backend uploads the same tree: links are followed (a link to a file is a file, a link to a
 * directory is walked under the link's name), and a link that cannot be followed (dangling, a
 * loop of links, an unreadable target) is INVALID_PARAMETER_VALUE rather than silently left out.
 *
 * It is a generator so that a caller can act on each entry as it is found (make a directory before
 * walking into it); collect it when all of a tree is wanted first. A name that cannot be an
 * artifact path (a backslash, a control character) is INVALID_PARAMETER_VALUE when reached.
 */
export async function* walkLocalTree(localDir: string): AsyncGenerator<LocalTreeEntry> {
  const root = path.resolve(localDir);
  // Real paths of the directories from the root down to the one being read.
  const ancestors = new Set([await fs.realpath(root)]);

  async function* walk(dir: string, rel: string): AsyncGenerator<LocalTreeEntry> {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const localPath = path.join(dir, entry.name);
      const childRel = joinArtifactPath(rel, entry.name);
      const stats = await statFollowing(entry, localPath);
      if (stats.isDirectory()) {
        const real = await fs.realpath(localPath);
        if (ancestors.has(real)) continue;
        yield { kind: 'directory', localPath, path: childRel };
        ancestors.add(real);
        yield* walk(localPath, childRel);
        ancestors.delete(real);
      } else if (stats.isFile()) {
        yield { kind: 'file', localPath, path: childRel };
      }
    }
  }

  yield* walk(root, '');
}

/** What an entry is once links are followed. */
async function statFollowing(entry: Dirent, localPath: string): Promise<Dirent | Stats> {
  if (!entry.isSymbolicLink()) return entry;
  try {
    return await fs.stat(localPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw errors.invalidParameter(`Cannot upload '${localPath}': it is a symbolic link whose target cannot be read (${code}).`);
  }
}
