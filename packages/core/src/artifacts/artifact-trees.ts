/**
 * Whole-file and whole-tree transfers between local disk and an artifact repository, written once
 * for every backend on top of `ArtifactStorePrimitives` (and the fast paths a backend offers).
 *
 * Node-only: it reads and writes local files (`node:fs`). The contract it serves
 * (`contracts/artifact-repository.ts`) is browser-safe; keep this file out of browser bundles.
 */
import type { Stats } from 'node:fs';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  ArtifactFileInfo,
  ArtifactKind,
  ArtifactRepository,
  ArtifactStorePrimitives,
  CreateMultipartUploadResult,
  MultipartUploadPart,
} from '../contracts/artifact-repository.js';
import { errors } from '../errors/orrery-error.js';
import { forEachBounded } from '../concurrency/for-each-bounded.js';
import { artifactDirname, joinArtifactPath, normalizeArtifactPath } from './artifact-path.js';
import { isInsideDirectory } from './local-real-path.js';
import { walkLocalTree } from './local-tree.js';

/** Files moved at once by a tree transfer when the backend names no `treeConcurrency`. */
export const DEFAULT_TREE_CONCURRENCY = 4;
/**
 * Write buffer of a downloaded file: room for many socket chunks, so they reach the disk in few
 * writes (writev) while the disk is busy.
 */
const DOWNLOAD_WRITE_BUFFER_BYTES = 1024 * 1024;

function concurrencyOf(store: ArtifactStorePrimitives): number {
  const limit = store.treeConcurrency;
  return limit !== undefined && Number.isInteger(limit) && limit >= 1 ? limit : DEFAULT_TREE_CONCURRENCY;
}

async function statLocal(localPath: string, what: 'file' | 'directory'): Promise<Stats> {
  try {
    return await fs.stat(localPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw errors.notFound(`Local ${what} '${localPath}' does not exist.`);
    throw error;
  }
}

/** Uploads one local regular file to `artifactPath`: the backend's fast path, else a stream. */
async function putLocalFile(store: ArtifactStorePrimitives, localFile: string, artifactPath: string): Promise<void> {
  if (store.uploadLocalFile) await store.uploadLocalFile(localFile, artifactPath);
  else await store.writeArtifactStream(artifactPath, createReadStream(localFile));
}

/**
 * `ArtifactRepository.logArtifact` on top of the primitives: uploads `localFile` to
 * `<artifactPath>/<basename>`. The artifact path is checked before the local file is looked at.
 */
export async function logArtifactFile(store: ArtifactStorePrimitives, localFile: string, artifactPath?: string): Promise<void> {
  const dir = normalizeArtifactPath(artifactPath);
  const stats = await statLocal(localFile, 'file');
  if (stats.isDirectory()) {
    throw errors.invalidParameter(`Local path '${localFile}' is a directory; use logArtifacts to upload a directory.`);
  }
  await putLocalFile(store, localFile, joinArtifactPath(dir, path.basename(localFile)));
}

/**
 * `ArtifactRepository.logArtifacts` on top of the primitives: walks the whole local tree first (so
 * a tree the walk refuses stores nothing), makes the directories in order when the backend has
 * real ones (parents first, empty ones kept), then uploads the files with bounded concurrency.
 * After the first failed file no new upload starts; the first failure is thrown.
 */
export async function logArtifactTree(store: ArtifactStorePrimitives, localDir: string, artifactPath?: string): Promise<void> {
  const base = normalizeArtifactPath(artifactPath);
  const stats = await statLocal(localDir, 'directory');
  if (!stats.isDirectory()) {
    throw errors.invalidParameter(`Local path '${localDir}' is not a directory; use logArtifact to upload a file.`);
  }
  const directories = [base];
  const files: Array<{ localPath: string; artifactPath: string }> = [];
  for await (const entry of walkLocalTree(localDir)) {
    const target = joinArtifactPath(base, entry.path);
    if (entry.kind === 'directory') directories.push(target);
    else files.push({ localPath: entry.localPath, artifactPath: target });
  }
  if (store.makeArtifactDirectory) {
    for (const dir of directories) await store.makeArtifactDirectory(dir);
  }
  await forEachBounded(files, concurrencyOf(store), (file) => putLocalFile(store, file.localPath, file.artifactPath));
}

/** What `rel` is: the backend's fast path, else found in its parent's listing (the root is a directory). */
async function kindOf(store: ArtifactStorePrimitives, rel: string): Promise<ArtifactKind | undefined> {
  if (store.artifactKind) return store.artifactKind(rel);
  if (rel === '') return 'directory';
  const entry = (await store.listArtifacts(artifactDirname(rel))).find((child) => child.path === rel);
  if (entry === undefined) return undefined;
  return entry.isDir ? 'directory' : 'file';
}

/**
 * The path of `entry` relative to the directory `dirRel`, when the listing that returned it keeps
 * the contract: a valid artifact path strictly below `dirRel`. A backend (or a server behind one)
 * that lists anything else is refused, so no listed name can lead a download outside its
 * destination.
 */
function relativeBelow(store: ArtifactStorePrimitives, dirRel: string, entry: ArtifactFileInfo, oneLevel: boolean): string {
  const prefix = dirRel === '' ? '' : `${dirRel}/`;
  let normalized: string | undefined;
  try {
    normalized = normalizeArtifactPath(entry.path);
  } catch {
    normalized = undefined;
  }
  const below = normalized === entry.path && entry.path.startsWith(prefix) ? entry.path.slice(prefix.length) : '';
  if (below === '' || (oneLevel && below.includes('/'))) {
    throw errors.internal(
      `The artifact repository at ${JSON.stringify(store.rootUri)} listed ${JSON.stringify(entry.path)} under '${dirRel}', which is not a path below it; refusing to download it.`,
    );
  }
  return below;
}

/**
 * Every directory and file below `rel` (paths relative to `rel`), directories parents first: one
 * bulk listing when the backend has it, else one listing per directory.
 */
async function listTree(store: ArtifactStorePrimitives, rel: string): Promise<{ directories: string[]; files: string[] }> {
  if (store.listArtifactTree) {
    const directories = new Set<string>();
    const files: string[] = [];
    for (const entry of await store.listArtifactTree(rel)) {
      const below = relativeBelow(store, rel, entry, false);
      if (entry.isDir) {
        directories.add(below);
        continue;
      }
      files.push(below);
      for (let dir = artifactDirname(below); dir !== ''; dir = artifactDirname(dir)) directories.add(dir);
    }
    return { directories: [...directories].sort((a, b) => a.split('/').length - b.split('/').length), files };
  }
  const directories: string[] = [];
  const files: string[] = [];
  const pending = [''];
  for (let dir = pending.shift(); dir !== undefined; dir = pending.shift()) {
    const dirRel = joinArtifactPath(rel, dir);
    for (const child of await store.listArtifacts(dirRel)) {
      const below = joinArtifactPath(dir, relativeBelow(store, dirRel, child, true));
      if (child.isDir) {
        directories.push(below);
        pending.push(below);
      } else {
        files.push(below);
      }
    }
  }
  return { directories, files };
}

/** Downloads one file to `localFile`; a failed download leaves no partial file behind. */
async function getLocalFile(store: ArtifactStorePrimitives, rel: string, localFile: string): Promise<void> {
  try {
    if (store.downloadToLocalFile) {
      await store.downloadToLocalFile(rel, localFile);
    } else {
      // Opened before the local file is created, so a missing artifact writes nothing.
      const body: Readable = await store.readArtifactStream(rel);
      await pipeline(body, createWriteStream(localFile, { highWaterMark: DOWNLOAD_WRITE_BUFFER_BYTES }));
    }
  } catch (error) {
    await fs.rm(localFile, { force: true });
    throw error;
  }
}

/** The local path of `rel` under `root`, checked to stay inside it (a second guard behind path validation). */
function localPathUnder(root: string, rel: string): string {
  const local = rel === '' ? root : path.resolve(root, ...rel.split('/'));
  if (!isInsideDirectory(root, local)) {
    throw errors.invalidParameter(`Invalid artifact path ${JSON.stringify(rel)}: it would be written outside the destination '${root}'.`);
  }
  return local;
}

/**
 * `ArtifactRepository.downloadArtifacts` on top of the primitives: downloads the file or the whole
 * directory `artifactPath` into `dstDir` and returns `<dstDir>/<artifactPath>`. A missing path is
 * RESOURCE_DOES_NOT_EXIST with nothing written; the tree is listed whole before the first file
 * moves, its directories are made, then its files are downloaded with bounded concurrency.
 */
export async function downloadArtifactTree(store: ArtifactStorePrimitives, artifactPath: string, dstDir: string): Promise<string> {
  const rel = normalizeArtifactPath(artifactPath);
  const root = path.resolve(dstDir);
  const destination = localPathUnder(root, rel);
  const kind = await kindOf(store, rel);
  if (kind === undefined) {
    throw errors.notFound(`Artifact '${rel}' does not exist in the artifact repository at ${JSON.stringify(store.rootUri)}.`);
  }
  if (kind === 'file') {
    await fs.mkdir(path.dirname(destination), { recursive: true });
    await getLocalFile(store, rel, destination);
    return destination;
  }
  const tree = await listTree(store, rel);
  await fs.mkdir(destination, { recursive: true });
  for (const dir of tree.directories) await fs.mkdir(localPathUnder(destination, dir), { recursive: true });
  await forEachBounded(tree.files, concurrencyOf(store), (file) =>
    getLocalFile(store, joinArtifactPath(rel, file), localPathUnder(destination, file)),
  );
  return destination;
}

/**
 * What a backend extends to be an `ArtifactRepository`: it implements the primitives (and any
 * fast paths, as methods or a `treeConcurrency` property of the same names), and inherits the
 * file and tree transfers written once here.
 */
export abstract class ArtifactRepositoryBase implements ArtifactRepository {
  abstract readonly rootUri: string;
  abstract listArtifacts(path?: string): Promise<ArtifactFileInfo[]>;
  abstract readArtifactStream(artifactPath: string): Promise<Readable>;
  abstract writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void>;
  abstract deleteArtifacts(artifactPath?: string): Promise<void>;

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    await logArtifactFile(this, localFile, artifactPath);
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    await logArtifactTree(this, localDir, artifactPath);
  }

  async downloadArtifacts(artifactPath: string, dstDir: string): Promise<string> {
    return downloadArtifactTree(this, artifactPath, dstDir);
  }
}

/**
 * Adapts a primitives object (a plain object or an instance of any class) into a full
 * `ArtifactRepository`: the primitives, fast paths and multipart methods it has are called on it,
 * and the file and tree transfers come from core.
 */
export function artifactRepositoryFrom(store: ArtifactStorePrimitives): ArtifactRepository {
  const repository: ArtifactRepository = {
    rootUri: store.rootUri,
    listArtifacts: (artifactPath) => store.listArtifacts(artifactPath),
    readArtifactStream: (artifactPath) => store.readArtifactStream(artifactPath),
    writeArtifactStream: (artifactPath, body) => store.writeArtifactStream(artifactPath, body),
    deleteArtifacts: (artifactPath) => store.deleteArtifacts(artifactPath),
    logArtifact: (localFile, artifactPath) => logArtifactFile(store, localFile, artifactPath),
    logArtifacts: (localDir, artifactPath) => logArtifactTree(store, localDir, artifactPath),
    downloadArtifacts: (artifactPath, dstDir) => downloadArtifactTree(store, artifactPath, dstDir),
  };
  const { close, createMultipartUpload, completeMultipartUpload, abortMultipartUpload } = store;
  if (close) repository.close = () => close.call(store);
  if (createMultipartUpload) {
    repository.createMultipartUpload = (artifactPath: string, numParts: number): Promise<CreateMultipartUploadResult> =>
      createMultipartUpload.call(store, artifactPath, numParts);
  }
  if (completeMultipartUpload) {
    repository.completeMultipartUpload = (artifactPath: string, uploadId: string | undefined, parts: MultipartUploadPart[]) =>
      completeMultipartUpload.call(store, artifactPath, uploadId, parts);
  }
  if (abortMultipartUpload) {
    repository.abortMultipartUpload = (artifactPath: string, uploadId: string | undefined) => abortMultipartUpload.call(store, artifactPath, uploadId);
  }
  return repository;
}
