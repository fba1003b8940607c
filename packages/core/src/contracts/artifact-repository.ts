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

/**
 * Stores a run's (or a model's) files under one root URI. Artifact paths are relative,
 * `/`-separated, and never escape the root: an absolute path, a `..` segment, a backslash or a NUL
 * byte is refused with INVALID_PARAMETER_VALUE before anything is read or written.
 * Repositories never percent-decode paths (the server decodes a URL path once before calling
 * them); `normalizeArtifactPath` from core applies these rules and every implementation uses it.
 * Reads and writes stream: memory stays flat whatever the file size.
 * A missing artifact is RESOURCE_DOES_NOT_EXIST; an unreachable service is TEMPORARILY_UNAVAILABLE.
 */
export interface ArtifactRepository {
  /** The URI this repository is rooted at, as given to its factory. */
  readonly rootUri: string;

  /** Uploads one local file to `<artifactPath>/<basename>` (or `<basename>` at the root). Overwrites. */
  logArtifact(localFile: string, artifactPath?: string): Promise<void>;
  /** Uploads a local directory's contents, recursively, under `artifactPath` (or the root). Overwrites. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void>;
  /** Lists the direct children of `path` (the root when omitted), sorted by path; empty for a missing directory or a file. */
  listArtifacts(path?: string): Promise<ArtifactFileInfo[]>;
  /**
   * Downloads a file or a whole directory (recursively) into the local directory `dstDir` and
   * returns the local path of what was downloaded: `<dstDir>/<artifactPath>` (`dstDir` itself for
   * the root). A missing path is RESOURCE_DOES_NOT_EXIST.
   */
  downloadArtifacts(artifactPath: string, dstDir: string): Promise<string>;
  /** Deletes a file or a directory recursively; the whole root when `artifactPath` is omitted. A missing path is a no-op. */
  deleteArtifacts(artifactPath?: string): Promise<void>;
  /** Opens a stream on one stored file. */
  readArtifactStream(artifactPath: string): Promise<Readable>;
  /**
   * Writes one file from a stream, replacing any existing file; resolves once it is durably stored.
   * If the stream fails, it rejects and any previous file at that path is left unchanged.
   */
  writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void>;
  /** Releases connections. Optional for repositories that hold none. */
  close?(): Promise<void>;

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
