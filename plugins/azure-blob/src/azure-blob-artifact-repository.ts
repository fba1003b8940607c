import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BlobSASPermissions,
  SASProtocol,
  generateBlobSASQueryParameters,
  type BlobServiceClient,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import {
  ArtifactRepositoryBase,
  forEachBounded,
  type ArtifactFileInfo,
  type ArtifactKind,
  type ArtifactRepository,
  type CreateMultipartUploadResult,
  type MultipartUploadPart,
  type Logger,
  errors,
  joinArtifactPath,
  normalizeArtifactPath,
} from '@orrery/core';
import { isNotFound, isTransient, scrubSecrets, translateAzureError } from './azure-blob-errors.js';
import { formatWasbsUri, parseAzureBlobUri, type AzureBlobLocation } from './azure-blob-uri.js';
import { createBlobClient, type AzureBlobClientSetup, type AzureCredentialSource } from './azure-credentials.js';

const MiB = 1024 * 1024;
/** Write buffer of a downloaded file's stream. */
const WRITE_BUFFER_BYTES = MiB;
/** The service's limit on blocks per blob. */
const MAX_BLOCKS = 50_000;
/** How long the part URLs of a multipart upload stay valid. */
const MULTIPART_URL_LIFETIME_MS = 60 * 60 * 1000;
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Block ids must all have the same length within a blob: the upload id and a zero-padded part number. */
function blockId(uploadId: string, partNumber: number): string {
  return Buffer.from(`${uploadId}:${String(partNumber).padStart(5, '0')}`).toString('base64');
}

/** Tuning knobs; the defaults suit both Azure and Azurite. */
export interface AzureBlobArtifactRepositoryOptions {
  /** Environment to read credentials from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Logger for retries and warnings; never given secrets. */
  logger?: Logger;
  /** Block size of uploads, in bytes (default 8 MiB). Memory per streamed upload is about `blockSize * (streamConcurrency + 1)`. */
  blockSize?: number;
  /** Blocks in flight per streamed upload (default 4). */
  streamConcurrency?: number;
  /** Blocks in flight per local-file upload (default 8). */
  fileConcurrency?: number;
  /** Files in flight when uploading, downloading or deleting a directory (default 16). */
  treeConcurrency?: number;
  /** Tries per local file upload, the first included, when the service fails in a transient way (default 4). */
  fileAttempts?: number;
  /** First delay between file attempts, doubled each time (default 500 ms). */
  fileRetryDelayMs?: number;
  /** Tries per HTTP request inside the SDK (default 4). */
  requestTries?: number;
  /** A ready client instead of credentials from the environment (tests, embedding). */
  client?: BlobServiceClient;
}

/** A file of a tree walk: its blob name and the artifact path below the walked directory. */
interface TreeBlob {
  blobName: string;
  relative: string;
  size: number;
}

/**
 * An artifact repository on Azure Blob Storage, rooted at
 * `wasbs://<container>@<account>.blob.core.windows.net/<path>` or
 * `https://<account>.blob.core.windows.net/<container>/<path>`.
 *
 * - Directories are blob-name prefixes ending in `/` (a flat namespace with `/` as delimiter): a
 *   directory exists while a blob lives below it, and listing uses the service's hierarchical
 *   listing, so one call per 5000 entries.
 * - Uploads are block uploads: a streamed body is cut into blocks staged with bounded concurrency
 *   and committed at the end, so a failed upload never replaces the previous blob. A local file is
 *   uploaded again from the start when the service fails in a transient way (block uploads are
 *   idempotent: the commit names exactly the blocks of that attempt).
 * - Downloads stream, resuming from the last byte received when a connection drops.
 * - The container must exist; it is never created or deleted here.
 * - Account keys, SAS tokens and connection strings never reach messages or logs.
 */
export class AzureBlobArtifactRepository extends ArtifactRepositoryBase implements ArtifactRepository {
  readonly rootUri: string;
  readonly location: AzureBlobLocation;
  /** Which credential is in use (never the credential itself). */
  readonly credentialSource: AzureCredentialSource | 'client';
  private readonly setup: AzureBlobClientSetup;
  private readonly container: ContainerClient;
  private readonly logger: Logger | undefined;
  private readonly blockSize: number;
  private readonly streamConcurrency: number;
  private readonly fileConcurrency: number;
  /** Files in flight when uploading, downloading or deleting a directory. */
  readonly treeConcurrency: number;
  private readonly fileAttempts: number;
  private readonly fileRetryDelayMs: number;

  constructor(rootUri: string, options: AzureBlobArtifactRepositoryOptions = {}) {
    super();
    this.rootUri = rootUri;
    this.location = parseAzureBlobUri(rootUri);
    this.logger = options.logger;
    this.blockSize = options.blockSize ?? 8 * MiB;
    this.streamConcurrency = options.streamConcurrency ?? 4;
    this.fileConcurrency = options.fileConcurrency ?? 8;
    this.treeConcurrency = options.treeConcurrency ?? 16;
    this.fileAttempts = options.fileAttempts ?? 4;
    this.fileRetryDelayMs = options.fileRetryDelayMs ?? 500;
    const pipelineOptions: StoragePipelineOptions = {
      retryOptions: { maxTries: options.requestTries ?? 4, retryDelayInMs: 200, maxRetryDelayInMs: 5000 },
      keepAliveOptions: { enable: true },
    };
    if (options.client) {
      this.setup = { service: options.client, source: 'connection-string', secrets: [] };
      this.credentialSource = 'client';
    } else {
      this.setup = createBlobClient(this.location, options.env ?? process.env, pipelineOptions);
      this.credentialSource = this.setup.source;
    }
    this.container = this.setup.service.getContainerClient(this.location.container);
  }

  /** The root as a wasbs URI, for messages: it never holds a secret. */
  get displayUri(): string {
    return formatWasbsUri(this.location, this.location.prefix);
  }

  /** The blob name of an artifact path (already normalized). */
  blobName(relative: string): string {
    return this.location.prefix === '' ? relative : relative === '' ? this.location.prefix : `${this.location.prefix}/${relative}`;
  }

  /** The prefix every blob below a directory starts with (`''` for the container's root). */
  private directoryPrefix(relative: string): string {
    const name = this.blobName(relative);
    return name === '' ? '' : `${name}/`;
  }

  async listArtifacts(artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const relative = normalizeArtifactPath(artifactPath);
    const prefix = this.directoryPrefix(relative);
    const infos: ArtifactFileInfo[] = [];
    try {
      for await (const item of this.container.listBlobsByHierarchy('/', { prefix })) {
        const name = item.name.slice(prefix.length);
        if (item.kind === 'prefix') {
          const dirName = name.replace(/\/$/, '');
          if (isAddressableName(dirName)) infos.push({ path: joinRelative(relative, dirName), isDir: true });
        } else if (isAddressableName(name)) {
          infos.push({ path: joinRelative(relative, name), isDir: false, fileSize: item.properties.contentLength ?? 0 });
        }
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.translate(error, `listing '${relative}'`);
    }
    return infos.sort(byPath);
  }

  /** Fast path: one existence check, then at most one listing of one blob. */
  async artifactKind(artifactPath: string): Promise<ArtifactKind | undefined> {
    const relative = normalizeArtifactPath(artifactPath);
    // The container's root always exists, empty or not.
    if (relative === '') return 'directory';
    if (await this.blobExists(relative)) return 'file';
    try {
      const page = await this.container.listBlobsFlat({ prefix: this.directoryPrefix(relative) }).byPage({ maxPageSize: 1 }).next();
      return page.done === true || page.value.segment.blobItems.length === 0 ? undefined : 'directory';
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.translate(error, `looking up '${relative}'`);
    }
  }

  /** Fast path: the whole tree below a directory in one flat listing (5000 blobs a request). */
  async listArtifactTree(artifactPath: string): Promise<ArtifactFileInfo[]> {
    const relative = normalizeArtifactPath(artifactPath);
    return (await this.listTree(relative)).map((blob) => ({ path: joinArtifactPath(relative, blob.relative), isDir: false, fileSize: blob.size }));
  }

  /** Fast path: a local file is uploaded with parallel blocks, and again from the start after a transient failure. */
  async uploadLocalFile(localFile: string, artifactPath: string): Promise<void> {
    await this.uploadFile(localFile, normalizeArtifactPath(artifactPath));
  }

  /** Fast path: a download streams straight into the file through a large write buffer. */
  async downloadToLocalFile(artifactPath: string, localFile: string): Promise<void> {
    const relative = normalizeArtifactPath(artifactPath);
    await this.downloadBlobToFile(this.blobName(relative), localFile, relative);
  }

  async deleteArtifacts(artifactPath?: string): Promise<void> {
    const relative = normalizeArtifactPath(artifactPath);
    const blobs = await this.listTree(relative);
    const names = blobs.map((blob) => blob.blobName);
    // The path may also be a file (and, in a flat namespace, a file and a directory at once).
    if (relative !== '') names.push(this.blobName(relative));
    await forEachBounded(names, this.treeConcurrency, async (name) => {
      try {
        await this.container.deleteBlob(name, { deleteSnapshots: 'include' });
      } catch (error) {
        if (!isNotFound(error)) throw this.translate(error, `deleting '${relative}'`);
      }
    });
  }

  async readArtifactStream(artifactPath: string): Promise<Readable> {
    const relative = normalizeArtifactPath(artifactPath);
    if (relative === '') throw errors.invalidParameter('Invalid artifact path "": the repository root is a directory, not a file.');
    try {
      const response = await this.container.getBlobClient(this.blobName(relative)).download(0, undefined, { maxRetryRequests: 5 });
      const body = response.readableStreamBody;
      if (!body) throw errors.internal(`Azure Blob Storage returned no body for '${relative}'.`);
      return body instanceof Readable ? body : Readable.from(body as AsyncIterable<Uint8Array>);
    } catch (error) {
      if (isNotFound(error)) throw this.missing(relative);
      throw this.translate(error, `reading '${relative}'`);
    }
  }

  async writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    const relative = normalizeArtifactPath(artifactPath);
    if (relative === '') throw errors.invalidParameter('Invalid artifact path "": a file cannot be written at the repository root itself.');
    const iterator = asBuffers(body)[Symbol.asyncIterator]();
    const blob = this.container.getBlockBlobClient(this.blobName(relative));
    try {
      // A body that fits in one block goes up in one request (Put Blob); a longer one is cut into
      // blocks staged with bounded concurrency and committed at the end. Either way a body that
      // fails leaves the previous blob (or none) in place, and the SDK retries each request.
      const head: Buffer[] = [];
      let headBytes = 0;
      let ended = false;
      while (headBytes <= this.blockSize) {
        const next = await iterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        head.push(next.value);
        headBytes += next.value.length;
      }
      if (ended) {
        const whole = Buffer.concat(head, headBytes);
        await blob.upload(whole, whole.length);
        return;
      }
      async function* rest(): AsyncGenerator<Buffer> {
        yield* head.splice(0);
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      }
      await blob.uploadStream(Readable.from(rest(), { objectMode: false }), this.blockSize, this.streamConcurrency);
    } catch (error) {
      await iterator.return?.(undefined).catch(() => undefined);
      throw this.translate(error, `uploading '${relative}'`);
    }
  }

  /**
   * Multipart upload as staged blocks: each part is a block the client PUTs straight to the blob
   * service, at a URL signed for writing that one blob for an hour (with the account key, or a
   * user delegation key under DefaultAzureCredential). Nothing is visible until the commit.
   */
  async createMultipartUpload(artifactPath: string, numParts: number): Promise<CreateMultipartUploadResult> {
    const relative = this.fileArtifactPath(artifactPath);
    if (!Number.isInteger(numParts) || numParts < 1 || numParts > MAX_BLOCKS) {
      throw errors.invalidParameter(`Invalid num_parts ${numParts}: a multipart upload to Azure Blob Storage has 1 to ${MAX_BLOCKS} parts.`);
    }
    const blobName = this.blobName(relative);
    const blob = this.container.getBlockBlobClient(blobName);
    const sas = await this.writeSas(blobName, relative);
    const uploadId = randomUUID();
    const credentials = Array.from({ length: numParts }, (_, i) => ({
      partNumber: i + 1,
      url: `${blob.url}${blob.url.includes('?') ? '&' : '?'}comp=block&blockid=${encodeURIComponent(blockId(uploadId, i + 1))}&${sas}`,
      headers: {},
    }));
    return { uploadId, credentials };
  }

  /** Commits the staged blocks of `parts`, in part-number order: the blob is replaced atomically. */
  async completeMultipartUpload(artifactPath: string, uploadId: string | undefined, parts: MultipartUploadPart[]): Promise<void> {
    const relative = this.fileArtifactPath(artifactPath);
    if (uploadId === undefined || !UPLOAD_ID.test(uploadId)) {
      throw errors.invalidParameter(`Invalid upload_id ${JSON.stringify(uploadId ?? null)}: expected the id createMultipartUpload returned.`);
    }
    if (parts.length === 0) throw errors.invalidParameter('Invalid parts: a multipart upload needs at least one part.');
    const numbers = parts.map((part) => part.partNumber).sort((a, b) => a - b);
    numbers.forEach((partNumber, i) => {
      if (partNumber !== i + 1) {
        throw errors.invalidParameter(`Invalid parts: part numbers must run from 1 to ${parts.length} without gaps or repeats (found ${partNumber} at position ${i + 1}).`);
      }
    });
    try {
      await this.container.getBlockBlobClient(this.blobName(relative)).commitBlockList(numbers.map((n) => blockId(uploadId, n)));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 400) {
        throw errors.invalidParameter(`Cannot complete the multipart upload of '${relative}': a part was not uploaded (${this.translate(error, 'commit').message})`);
      }
      throw this.translate(error, `completing the multipart upload of '${relative}'`);
    }
  }

  /**
   * Nothing to undo: uncommitted blocks cannot be deleted one by one, and the blob service drops
   * them after a week; the blob at `artifactPath` is untouched.
   */
  async abortMultipartUpload(artifactPath: string, _uploadId: string | undefined): Promise<void> {
    this.fileArtifactPath(artifactPath);
  }

  private fileArtifactPath(artifactPath: string): string {
    const relative = normalizeArtifactPath(artifactPath);
    if (relative === '') throw errors.invalidParameter('Invalid artifact path "": a multipart upload needs a file path.');
    return relative;
  }

  /** A SAS query string allowing writes to one blob for an hour. */
  private async writeSas(blobName: string, relative: string): Promise<string> {
    const startsOn = new Date(Date.now() - 5 * 60 * 1000);
    const expiresOn = new Date(Date.now() + MULTIPART_URL_LIFETIME_MS);
    const values = {
      containerName: this.location.container,
      blobName,
      permissions: BlobSASPermissions.parse('w'),
      startsOn,
      expiresOn,
      protocol: this.container.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    };
    if (this.setup.sharedKey) return generateBlobSASQueryParameters(values, this.setup.sharedKey).toString();
    try {
      const key = await this.setup.service.getUserDelegationKey(startsOn, expiresOn);
      return generateBlobSASQueryParameters(values, key, this.setup.service.accountName).toString();
    } catch (error) {
      throw this.translate(error, `signing the multipart upload URLs of '${relative}'`);
    }
  }

  /** Nothing to release: the SDK's HTTP agent keeps no state that outlives its requests. */
  async close(): Promise<void> {}

  /** Uploads one local file with block concurrency, trying the whole file again on transient failures. */
  private async uploadFile(localFile: string, relative: string): Promise<void> {
    const client = this.container.getBlockBlobClient(this.blobName(relative));
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.uploadFile(localFile, {
          blockSize: this.blockSize,
          concurrency: this.fileConcurrency,
          maxSingleShotSize: this.blockSize,
        });
        return;
      } catch (error) {
        if (!isTransient(error) || attempt >= this.fileAttempts) throw this.translate(error, `uploading '${relative}'`);
        const delay = this.fileRetryDelayMs * 2 ** (attempt - 1);
        this.logger?.warn(
          { artifact: relative, root: this.displayUri, attempt, attempts: this.fileAttempts, delayMs: delay, reason: this.translate(error, 'upload').message },
          'Azure Blob upload failed; uploading the file again',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async downloadBlobToFile(blobName: string, target: string, relative: string): Promise<void> {
    try {
      const response = await this.container.getBlobClient(blobName).download(0, undefined, { maxRetryRequests: 5 });
      if (!response.readableStreamBody) throw errors.internal(`Azure Blob Storage returned no body for '${relative}'.`);
      // A 1 MiB write buffer lets the file stream gather the socket's 64 KiB chunks into one
      // writev while the disk is busy: fewer system calls per GiB, on the CPU that the storage
      // endpoint (or the emulator) shares with us.
      await pipeline(response.readableStreamBody, createWriteStream(target, { highWaterMark: WRITE_BUFFER_BYTES }));
    } catch (error) {
      await fs.rm(target, { force: true });
      if (isNotFound(error)) throw this.missing(relative);
      throw this.translate(error, `downloading '${relative}'`);
    }
  }

  private async blobExists(relative: string): Promise<boolean> {
    try {
      return await this.container.getBlobClient(this.blobName(relative)).exists();
    } catch (error) {
      throw this.translate(error, `looking up '${relative}'`);
    }
  }

  /** Every blob below a directory (recursively), with its path relative to that directory. */
  private async listTree(relative: string): Promise<TreeBlob[]> {
    const prefix = this.directoryPrefix(relative);
    const blobs: TreeBlob[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        const below = blob.name.slice(prefix.length);
        if (isAddressablePath(below)) blobs.push({ blobName: blob.name, relative: below, size: blob.properties.contentLength ?? 0 });
        else if (below !== '') this.logger?.warn({ blob: blob.name, root: this.displayUri }, 'Skipping a blob whose name is not a valid artifact path');
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.translate(error, `listing '${relative}'`);
    }
    return blobs;
  }

  private missing(relative: string): Error {
    return errors.notFound(`Artifact '${relative}' does not exist in the artifact repository at '${this.displayUri}'.`);
  }

  private translate(error: unknown, what: string): Error {
    return translateAzureError(error, `${what} in ${this.displayUri}`, this.setup.secrets);
  }

  /** Secrets in play, for callers that format their own messages (the multipart helper). */
  protected scrub(text: string): string {
    return scrubSecrets(text, this.setup.secrets);
  }
}

/** A single name segment an artifact path could address (blobs written by other tools may not be). */
function isAddressableName(name: string): boolean {
  return name !== '' && !name.includes('/') && isAddressablePath(name);
}

function isAddressablePath(relative: string): boolean {
  if (relative === '') return false;
  try {
    return normalizeArtifactPath(relative) === relative;
  } catch {
    return false;
  }
}

function joinRelative(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

function byPath(a: ArtifactFileInfo, b: ArtifactFileInfo): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Chunks as Buffers: the SDK's block scheduler expects Buffers, and bodies may yield any Uint8Array. */
async function* asBuffers(body: AsyncIterable<Uint8Array | string> | Readable): AsyncGenerator<Buffer> {
  for await (const chunk of body) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}

