import type { Dirent, Stats } from 'node:fs';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ArtifactRepositoryBase,
  type ArtifactFileInfo,
  type ArtifactKind,
  type ArtifactRepository,
  OrreryError,
  artifactBasename,
  artifactDirname,
  errors,
  isInsideDirectory,
  isOrreryError,
  localPathFromArtifactUri,
  normalizeArtifactPath,
} from '@orrery/core';

import { DEFAULT_STALE_UPLOAD_MS, isUploadTempName, removeIfStaleUpload, sweepStaleUploads, uploadTempName } from './stale-uploads.js';

export interface LocalArtifactRepositoryOptions {
  /** Directory relative root paths are resolved from; default the working directory. */
  cwd?: string;
  /**
   * How long an upload's temporary file whose writer cannot be checked (another machine sharing
   * the folder) must be untouched before a listing or a sweep removes it; default one hour. One
   * whose writer was a process of this machine that has died is removed at once.
   */
  staleUploadAfterMs?: number;
}

/**
 * An artifact repository in a local directory, for `file://` URIs (`file:///abs`, `file:/abs`)
 * and plain paths.
 *
 * - Paths are checked by `normalizeArtifactPath`, and every path is resolved through symbolic
 *   links before anything is read, written or deleted: a link inside the root that points inside
 *   the root is followed; one that leads outside is refused with INVALID_PARAMETER_VALUE, and
 *   listings (and so directory downloads) leave such links, dangling links and names no artifact
 *   path can address out.
 * - Writes stream into a temporary file in the destination directory, flushed to disk and then
 *   renamed over the destination: a reader sees the old file or the new one, never half of one,
 *   and a failed upload leaves nothing behind.
 * - The root directory is created on the first write; a missing root lists as empty.
 *
 * A link swapped in by another process between the check and the use is not guarded against:
 * the root is assumed to be writable only by the processes that use this repository.
 */
export class LocalArtifactRepository extends ArtifactRepositoryBase implements ArtifactRepository {
  readonly rootUri: string;
  /** The absolute local directory the root URI names. */
  readonly rootDir: string;

  private readonly staleUploadAfterMs: number;

  constructor(rootUri: string, options: LocalArtifactRepositoryOptions = {}) {
    super();
    this.rootUri = rootUri;
    this.rootDir = localPathFromArtifactUri(rootUri, options.cwd);
    this.staleUploadAfterMs = options.staleUploadAfterMs ?? DEFAULT_STALE_UPLOAD_MS;
  }

  /**
   * Removes the temporary files of uploads that died with their process (kill -9) anywhere below
   * the root; returns how many. Uploads of live processes on this machine are never touched.
   */
  async sweepStaleUploads(): Promise<number> {
    return sweepStaleUploads(this.rootDir, this.staleUploadAfterMs);
  }

  async listArtifacts(artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('list', rel, async () => {
      const found = await this.resolveExisting(rel);
      if (!found || !found.stats.isDirectory()) return [];
      const entries = await fs.readdir(found.realPath, { withFileTypes: true });
      const infos = await Promise.all(entries.map((entry) => this.describeEntry(found.realRoot, found.realPath, rel, entry)));
      return infos
        .filter((info): info is ArtifactFileInfo => info !== undefined)
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    });
  }

  /** Fast path: a directory upload keeps empty directories. */
  async makeArtifactDirectory(artifactPath: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('create directory', rel, () => this.ensureDirectory(rel));
  }

  /** Fast path: one stat; a path leading outside the root through a link is refused. */
  async artifactKind(artifactPath: string): Promise<ArtifactKind | undefined> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('look up', rel, async () => {
      const found = await this.resolveExisting(rel);
      if (!found) return undefined;
      if (found.stats.isDirectory()) return 'directory';
      return found.stats.isFile() ? 'file' : undefined;
    });
  }

  async deleteArtifacts(artifactPath?: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('delete', rel, async () => {
      if (rel === '') {
        // On a root that is itself a link, this removes the link, not what it points to.
        await fs.rm(this.rootDir, { recursive: true, force: true });
        return;
      }
      const parent = await this.resolveExisting(artifactDirname(rel));
      if (!parent || !parent.stats.isDirectory()) return;
      // The parent is a real directory inside the root; `rm` does not follow a link it removes.
      await fs.rm(path.join(parent.realPath, artifactBasename(rel)), { recursive: true, force: true });
    });
  }

  async readArtifactStream(artifactPath: string): Promise<Readable> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('read', rel, async () => {
      const found = await this.resolveExisting(rel);
      if (!found) throw this.missing(rel);
      if (found.stats.isDirectory()) {
        throw errors.invalidParameter(`Artifact '${rel}' is a directory: list or download it instead of reading it.`);
      }
      // Opening here, not lazily in the stream, makes open errors reject this call.
      const handle = await fs.open(found.realPath, 'r');
      return handle.createReadStream();
    });
  }

  async writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    if (rel === '') {
      throw errors.invalidParameter('Invalid artifact path "": a file cannot be written at the repository root itself.');
    }
    await this.run('write', rel, async () => {
      const parentDir = await this.ensureDirectory(artifactDirname(rel));
      const target = path.join(parentDir, artifactBasename(rel));
      const existing = await lstatOrUndefined(target);
      if (existing?.isDirectory()) {
        throw errors.invalidParameter(`Artifact '${rel}' is a directory and cannot be overwritten by a file.`);
      }
      const temp = path.join(parentDir, uploadTempName());
      try {
        // `flush` syncs the data to disk before the file is closed, so the rename publishes
        // durable content; the pipeline settles only once the file is closed.
        await pipeline(body, createWriteStream(temp, { flags: 'wx', flush: true }));
        // Renaming over a link replaces the link itself, so this never writes outside the root.
        await fs.rename(temp, target);
      } catch (error) {
        await fs.rm(temp, { force: true });
        throw error;
      }
    });
  }

  /** Runs one operation, turning file-system errors into OrreryErrors that name the artifact. */
  private async run<T>(operation: string, rel: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw translateFsError(error, operation, rel);
    }
  }

  private missing(rel: string): OrreryError {
    return errors.notFound(`Artifact '${rel}' does not exist in the artifact repository at '${this.rootUri}'.`);
  }

  private localPath(rel: string): string {
    return rel === '' ? this.rootDir : path.join(this.rootDir, ...rel.split('/'));
  }

  /**
   * The real (link-free) path and stats of an existing artifact, or undefined when it (or the
   * root) does not exist. Refuses a path that leads outside the root through a link.
   */
  private async resolveExisting(
    rel: string,
  ): Promise<{ realRoot: string; realPath: string; stats: Stats } | undefined> {
    const realRoot = await realpathOrUndefined(this.rootDir);
    if (realRoot === undefined) return undefined;
    const realPath = await realpathOrUndefined(this.localPath(rel));
    if (realPath === undefined) return undefined;
    if (!isInsideDirectory(realRoot, realPath)) throw refuseEscape(rel);
    return { realRoot, realPath, stats: await fs.stat(realPath) };
  }

  /**
   * Creates the directory `rel` (and the root) where missing, one segment at a time so that no
   * directory is ever created through a link leading outside the root, and returns its real path.
   */
  private async ensureDirectory(rel: string): Promise<string> {
    await fs.mkdir(this.rootDir, { recursive: true });
    const realRoot = await fs.realpath(this.rootDir);
    let current = realRoot;
    const segments = rel === '' ? [] : rel.split('/');
    for (const [index, segment] of segments.entries()) {
      const next = path.join(current, segment);
      try {
        await fs.mkdir(next);
        current = next;
        continue;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const realNext = await fs.realpath(next);
      if (!isInsideDirectory(realRoot, realNext)) throw refuseEscape(rel);
      if (!(await fs.stat(realNext)).isDirectory()) {
        const file = segments.slice(0, index + 1).join('/');
        throw errors.invalidParameter(`Artifact '${file}' is a file, so nothing can be stored under '${rel}'.`);
      }
      current = realNext;
    }
    return current;
  }

  private async describeEntry(
    realRoot: string,
    realDir: string,
    dirRel: string,
    entry: Dirent,
  ): Promise<ArtifactFileInfo | undefined> {
    if (isUploadTempName(entry.name)) {
      // Listing is where leftovers are seen, so it is where a dead upload's file is cleared away.
      if (entry.isFile()) await removeIfStaleUpload(path.join(realDir, entry.name), entry.name, this.staleUploadAfterMs);
      return undefined;
    }
    if (!isAddressableName(entry.name)) return undefined;
    const entryPath = dirRel === '' ? entry.name : `${dirRel}/${entry.name}`;
    let stats: Stats;
    if (entry.isSymbolicLink()) {
      const target = await realpathOrUndefined(path.join(realDir, entry.name));
      if (target === undefined || !isInsideDirectory(realRoot, target)) return undefined;
      stats = await fs.stat(target);
    } else if (entry.isDirectory()) {
      return { path: entryPath, isDir: true };
    } else {
      stats = await fs.stat(path.join(realDir, entry.name));
    }
    if (stats.isDirectory()) return { path: entryPath, isDir: true };
    if (stats.isFile()) return { path: entryPath, isDir: false, fileSize: stats.size };
    return undefined;
  }

}

/** Whether a directory entry's name is one an artifact path can name (Linux allows `\` and controls). */
function isAddressableName(name: string): boolean {
  try {
    return normalizeArtifactPath(name) === name;
  } catch {
    return false;
  }
}

function refuseEscape(rel: string): OrreryError {
  return errors.invalidParameter(
    `Invalid artifact path ${JSON.stringify(rel)}: it leads outside the artifact repository root through a symbolic link.`,
  );
}

async function realpathOrUndefined(localPath: string): Promise<string | undefined> {
  try {
    return await fs.realpath(localPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

async function lstatOrUndefined(localPath: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(localPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Turns a Node file-system error into an OrreryError naming the artifact; OrreryErrors and
 * errors that are not system errors (e.g. from the caller's body stream) pass through unchanged.
 */
function translateFsError(error: unknown, operation: string, rel: string): unknown {
  if (isOrreryError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || (error as NodeJS.ErrnoException).syscall === undefined) return error;
  const subject = `Cannot ${operation} artifact '${rel}'`;
  switch (code) {
    case 'ENOENT':
      return new OrreryError('RESOURCE_DOES_NOT_EXIST', `${subject}: it does not exist.`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new OrreryError('PERMISSION_DENIED', `${subject}: permission denied (${code}).`, { cause: error });
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EEXIST':
      return new OrreryError('INVALID_PARAMETER_VALUE', `${subject}: a file stands where a directory is needed, or the other way round (${code}).`, {
        cause: error,
      });
    case 'ENAMETOOLONG':
      return new OrreryError('INVALID_PARAMETER_VALUE', `${subject}: a name is too long for the file system.`, { cause: error });
    default:
      return errors.internal(`${subject}: ${code}.`, error);
  }
}
