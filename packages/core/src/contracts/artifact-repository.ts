import type { Readable } from 'node:stream';

/** One entry of an artifact listing. `path` is relative to the repository root, `/`-separated. */
export interface ArtifactFileInfo {
  path: string;
  isDir: boolean;
  /** Bytes; absent for directories. */
  fileSize?: number;
}

/**
 * Where the client sends one part of a multipart upload: a URL it PUTs the part's bytes to
 * (typically pre-signed, straight to the storage service), with any headers it must send.
 */
export interface MultipartUploadCredential {
  /** 1-based. */
  partNumber: number;
  /** Carries a short-lived, narrowly scoped signature: hand it to the uploading client only, never log it. */
  url: string;
  headers: Record<string, string>;
}

/** What `createMultipartUpload` hands back. */
export interface CreateMultipartUploadResult {
  /** Identifies the upload in the complete and abort calls; absent when the storage needs none. */
  uploadId?: string;
  /** One per part, in part order. */
  credentials: MultipartUploadCredential[];
}

/** A part the client uploaded, as it reports it when completing. */
export interface MultipartUploadPart {
  partNumber: number;
  /** The ETag the storage answered the part's PUT with ('' when it answers none). */
  etag: string;
  /** The URL the part was sent to, as handed out. */
  url?: string;
}

/** What `artifactKind` reports for an artifact path. */
export type ArtifactKind = 'file' | 'directory';

/**
 * The primitives a storage backend implements to be an artifact repository: one file in, one file
 * out, a one-level listing, a recursive delete, close. Everything about whole trees (walking a
 * local directory, bounded concurrency, making directories, mapping artifact paths to local paths,
 * refusing names that would escape a download's destination) is written once in core
 * (`artifact-trees.ts`: `ArtifactRepositoryBase`, `artifactRepositoryFrom`) on top of these.
 *
 * Artifact paths are relative, `/`-separated, and never escape the root: an absolute path, a `..`
 * segment, a backslash or a NUL byte is refused with INVALID_PARAMETER_VALUE before anything is
 * read or written. Implementations never percent-decode paths (the server decodes a URL path once
 * before calling them); `normalizeArtifactPath` from core applies these rules and every
 * implementation uses it. Reads and writes stream: memory stays flat whatever the file size.
 * A missing artifact is RESOURCE_DOES_NOT_EXIST; an unreachable service is TEMPORARILY_UNAVAILABLE.
 *
 * The optional members are fast paths: a backend offers one when it does better than the generic
 * algorithm core runs without it (see each member).
 */
export interface ArtifactStorePrimitives {
  /** The URI this repository is rooted at, as given to its factory. */
  readonly rootUri: string;

  /**
   * Lists the direct children of `path` (the root when omitted), sorted by path (UTF-16 code
   * units); each entry's `path` is `<path>/<name>`. Empty for a missing directory or a file.
   * Leaves out names no artifact path can address (and a backend's own temporary upload names), so
   * a listing never leads outside the directory listed.
   */
  listArtifacts(path?: string): Promise<ArtifactFileInfo[]>;
  /**
   * Opens a read stream on one stored file. Rejects (before any byte is read) with
   * RESOURCE_DOES_NOT_EXIST for a missing file and INVALID_PARAMETER_VALUE for a directory or the
   * root.
   */
  readArtifactStream(artifactPath: string): Promise<Readable>;
  /**
   * Writes one file from a stream, replacing any existing file, creating the directories it needs;
   * resolves once it is durably stored. Atomic: readers see the old file or the new one whole,
   * never part of one (a backend that cannot promise this for every size says so in its TSDoc).
   * If the body fails, it rejects with the body's error and any previous file at that path is left
   * unchanged. INVALID_PARAMETER_VALUE for the root, and, where the storage has real directories,
   * for a path where a directory stands or one below a file.
   */
  writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * Deletes a file or a directory recursively; the whole root when `artifactPath` is omitted (the
   * repository can be written again afterwards). A missing path is a no-op. Not atomic: a failure
   * part way leaves part of a directory.
   */
  deleteArtifacts(artifactPath?: string): Promise<void>;
  /** Releases connections. Optional for repositories that hold none. */
  close?(): Promise<void>;

  /**
   * Fast path: uploads a local file (known to exist and to be a regular file) to the file
   * `artifactPath`, with the guarantees of `writeArtifactStream`. Offer it when a local file can be
   * sent better than a stream can: sent again after a dropped connection, read in parallel pieces.
   * Without it core streams the file through `writeArtifactStream`.
   */
  uploadLocalFile?(localFile: string, artifactPath: string): Promise<void>;
  /**
   * Fast path: downloads the file `artifactPath` to the local file `localFile` (whose directory
   * exists), replacing it. May leave a partial `localFile` on failure: core removes it. Without it
   * core pipes `readArtifactStream` into the file.
   */
  downloadToLocalFile?(artifactPath: string, localFile: string): Promise<void>;
  /**
   * Fast path: makes the directory `artifactPath` (and its parents) exist; INVALID_PARAMETER_VALUE
   * when a file is in the way. Offered by backends with real directories: a directory upload then
   * keeps empty directories, parents made before children. Without it directories exist only while
   * files live below them (blob storage, the REST proxy).
   */
  makeArtifactDirectory?(artifactPath: string): Promise<void>;
  /**
   * Fast path: whether `artifactPath` is a file, a directory, or missing (undefined), in one
   * request. Without it core lists the parent directory (and takes the root as a directory).
   */
  artifactKind?(artifactPath: string): Promise<ArtifactKind | undefined>;
  /**
   * Fast path: every file below the directory `artifactPath`, recursively, in one bulk listing
   * (paths from the repository root, as in `listArtifacts`); empty when it is missing. Without it
   * core lists the tree one directory at a time.
   */
  listArtifactTree?(artifactPath: string): Promise<ArtifactFileInfo[]>;
  /** How many files core moves at once in a directory upload or download; default 4. */
  readonly treeConcurrency?: number;

  /**
   * Optional capability: multipart uploads, for the artifact proxy's `mpu/*` routes (absent: those
   * routes answer NOT_IMPLEMENTED and clients upload in one PUT). Starts an upload of
   * `numParts` (>= 1) parts to the file `artifactPath` and returns where each part goes. Nothing
   * is visible at `artifactPath` until `completeMultipartUpload`. Path rules as everywhere.
   */
  createMultipartUpload?(artifactPath: string, numParts: number): Promise<CreateMultipartUploadResult>;
  /**
   * Publishes the file from the uploaded `parts`, in part-number order, replacing any file at
   * `artifactPath` atomically. An unknown upload or a missing part is INVALID_PARAMETER_VALUE.
   */
  completeMultipartUpload?(artifactPath: string, uploadId: string | undefined, parts: MultipartUploadPart[]): Promise<void>;
  /** Abandons an upload; the file at `artifactPath`, if any, is unchanged. Aborting an unknown upload is a no-op. */
  abortMultipartUpload?(artifactPath: string, uploadId: string | undefined): Promise<void>;
}

/**
 * Stores a run's (or a model's) files under one root URI: the primitives plus whole-file and
 * whole-tree transfers to and from local disk. Backends do not write the tree methods: they extend
 * `ArtifactRepositoryBase` (or wrap a primitives object with `artifactRepositoryFrom`), which
 * provides them once for every backend on top of the primitives and fast paths.
 */
export interface ArtifactRepository extends ArtifactStorePrimitives {
  /**
   * Uploads one local file to `<artifactPath>/<basename>` (or `<basename>` at the root).
   * Overwrites. RESOURCE_DOES_NOT_EXIST for a missing local file, INVALID_PARAMETER_VALUE for a
   * local directory.
   */
  logArtifact(localFile: string, artifactPath?: string): Promise<void>;
  /**
   * Uploads a local directory's contents, recursively, under `artifactPath` (or the root).
   * Overwrites files; files already stored and absent locally stay. The whole local tree is walked
   * before the first upload (links followed, cycles cut: see `walkLocalTree`), so a tree the walk
   * refuses (a dangling link: INVALID_PARAMETER_VALUE) stores nothing. Not atomic: when an upload
   * fails, no new one starts, the running ones finish, and the first failure is thrown.
   */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void>;
  /**
   * Downloads a file or a whole directory (recursively) into the local directory `dstDir` and
   * returns the local path of what was downloaded: `<dstDir>/<artifactPath>` (`dstDir` itself for
   * the root). A missing path is RESOURCE_DOES_NOT_EXIST, with nothing written. A listed name that
   * would land outside the destination is refused. A file whose download fails is removed.
   */
  downloadArtifacts(artifactPath: string, dstDir: string): Promise<string>;
}
