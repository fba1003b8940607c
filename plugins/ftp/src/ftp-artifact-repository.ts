import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { inspect } from 'node:util';
import type { Client } from 'basic-ftp';
import { FileType } from 'basic-ftp';
import {
  ArtifactRepositoryBase,
  type ArtifactFileInfo,
  type ArtifactKind,
  type ArtifactRepository,
  type Logger,
  OrreryError,
  artifactDirname,
  errors,
  normalizeArtifactPath,
} from '@orrery/core';
import { FtpConnectionPool, type FtpLease } from './ftp-connection-pool.js';
import { isFtpReply, isFtpReplyCode, maskSecret, translateFtpError } from './ftp-errors.js';
import { type FtpLocation, parseFtpUri, remotePathOf } from './ftp-location.js';

/**
 * Large uploads go to a temporary name in the destination directory and are renamed into place
 * once complete; listings never show such names. A dropped connection leaves at most a temporary
 * file, which the failed upload removes once a connection works again.
 */
export const FTP_UPLOAD_TEMP_PREFIX = '.orrery-upload-';

/** Default of `renameThresholdBytes`. */
export const DEFAULT_RENAME_THRESHOLD_BYTES = 16 * 1024 * 1024;

/** Buffer between the FTP data connection and a reader of `readArtifactStream`. */
const READ_BUFFER_BYTES = 1024 * 1024;
/** Buffer between the FTP data connection and a local file being downloaded. */
const WRITE_BUFFER_BYTES = 1024 * 1024;
/**
 * Most bytes read at a time from a local file streamed to the server. With Node's default
 * (64 KiB) a large upload spends much of its time on reads and socket writes; 1 MiB gave about 1.4x
 * the throughput. A smaller file gets a buffer its own size, since a read stream allocates its
 * whole buffer for every read.
 */
const UPLOAD_READ_CHUNK_BYTES = 1024 * 1024;
const MIN_UPLOAD_READ_CHUNK_BYTES = 64 * 1024;
/**
 * Bodies under this size are held in memory whole, so they can be sent again after a dropped
 * connection: a stream body is read this far ahead to learn whether it is small, and a local file
 * this small is read in one go (no more file operations than a read stream takes). Bounded per
 * upload, so memory stays flat whatever the file size.
 */
const IN_MEMORY_UPLOAD_BYTES = 1024 * 1024;
/** Known-existing directories are remembered up to this many, then forgotten all at once. */
const MAX_REMEMBERED_DIRECTORIES = 10_000;

export interface FtpArtifactRepositoryOptions {
  /** Environment for credentials when the URI has none (`ORRERY_FTP_USER`, `ORRERY_FTP_PASSWORD`); default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Most connections open at once (and so files moved at once); default 4. */
  maxConnections?: number;
  /** Timeout of one connection step, in ms; default 30 000. */
  timeoutMs?: number;
  /** TLS options for `ftps://`, e.g. `{ ca }` for a server with a private certificate authority. */
  tls?: TlsConnectionOptions;
  /**
   * Files of at least this many bytes upload to a temporary name and are renamed into place;
   * smaller ones are stored under their name directly (two commands fewer per file, but a reader
   * may see one half-written). 0 sends every file through a temporary name. Default 16 MiB.
   */
  renameThresholdBytes?: number;
  logger?: Logger;
}

/** What an upload sends, opened afresh for each attempt. */
interface UploadBody {
  /** The body's bytes for one attempt. */
  open(): Readable;
  /** Whether an attempt that lost its connection may run again: the body can still be sent whole. */
  replayable(): boolean;
  /** Set once the body itself failed (not the transfer): the upload stops with this error. */
  readonly failure: { error: unknown } | undefined;
  /** Lets go of the caller's stream once the upload has settled. */
  release(): void;
}

type RemoteKind = 'file' | 'directory';

/**
 * An artifact repository on an FTP server: `ftp://user:password@host:port/path`, or `ftps://` for
 * explicit TLS. basic-ftp in passive mode, over a small pool of connections (see
 * `FtpConnectionPool`): a connection that breaks is dropped and an idempotent operation runs once
 * more on a fresh one.
 *
 * - Every artifact path goes through `normalizeArtifactPath`; names a server lists that no
 *   artifact path can address (`..`, a `/`, control characters) are left out of listings, so a
 *   hostile server cannot make a download write outside its destination.
 * - Files of `renameThresholdBytes` (16 MiB) or more stream to a temporary name and are renamed
 *   over the destination, so a reader sees the old file or the new one, and a failed upload never
 *   leaves a partial file under the artifact's name. Smaller files are stored under their name
 *   directly: the two rename commands would cost as much as the transfer itself. A direct upload
 *   that finally fails removes what it wrote. Uploads of local files are retried once after a
 *   dropped connection; so is a stream body that could be sent whole again (a small one, read
 *   ahead, or one of which nothing past the read-ahead had been asked for).
 * - Directories are created as needed and listed with MLSD where the server has it (sizes
 *   included), else LIST.
 * - Reads stream with bounded buffering; a read that loses its connection resumes where it stopped
 *   (REST), once.
 * - The password never appears in messages or logs: they show `shownUri` (masked).
 */
export class FtpArtifactRepository extends ArtifactRepositoryBase implements ArtifactRepository {
  readonly rootUri: string;
  /** Where the URI points, including credentials: do not log it (use `location.shownUri`). */
  readonly location: FtpLocation;
  private readonly pool: FtpConnectionPool;
  private readonly knownDirectories = new Set<string>();
  private readonly logger: Logger | undefined;
  private readonly renameThresholdBytes: number;

  constructor(rootUri: string, options: FtpArtifactRepositoryOptions = {}) {
    super();
    this.rootUri = rootUri;
    this.location = parseFtpUri(rootUri, options.env);
    this.logger = options.logger;
    const threshold = options.renameThresholdBytes ?? DEFAULT_RENAME_THRESHOLD_BYTES;
    if (!Number.isFinite(threshold) || threshold < 0) {
      throw errors.invalidParameter(`renameThresholdBytes must be a number of bytes, 0 or more, not ${String(threshold)}.`);
    }
    this.renameThresholdBytes = threshold;
    this.pool = new FtpConnectionPool(this.location, {
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  }

  /** The root URI with its password masked, for messages and logs. */
  override toString(): string {
    return this.location.shownUri;
  }

  /** What `JSON.stringify` (and so a structured logger) shows: the masked root URI. */
  toJSON(): { rootUri: string } {
    return { rootUri: this.location.shownUri };
  }

  /** What `console.log` and `util.inspect` show: the masked root URI. */
  [inspect.custom](): string {
    return `FtpArtifactRepository <${this.location.shownUri}>`;
  }

  async listArtifacts(artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('list', rel, async () => {
      const listed = await this.pool.use(({ client }) => this.listDirectory(client, rel), { retry: true });
      return listed ?? [];
    });
  }

  /** Files moved at once by directory transfers: one per pooled connection. */
  get treeConcurrency(): number {
    return this.pool.size;
  }

  /** Fast path: a local file is read whole when small, and sent again after a dropped connection. */
  async uploadLocalFile(localFile: string, artifactPath: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('upload', rel, () => this.uploadLocalFileTo(rel, localFile));
  }

  /** Fast path: a directory upload keeps empty directories, one MKD each, remembered afterwards. */
  async makeArtifactDirectory(artifactPath: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('create directory', rel, () => this.pool.use(({ client }) => this.ensureDirectory(client, rel), { retry: true }));
  }

  /** Fast path: a CWD (and a SIZE when that fails) rather than a listing of the parent. */
  async artifactKind(artifactPath: string): Promise<ArtifactKind | undefined> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('look up', rel, () => this.pool.use(({ client }) => this.kindOf(client, rel), { retry: true }));
  }

  /** Fast path: a download starts again on a fresh connection when its connection drops. */
  async downloadToLocalFile(artifactPath: string, localFile: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('download', rel, () => this.downloadFile(rel, localFile));
  }

  async deleteArtifacts(artifactPath?: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('delete', rel, async () => {
      this.knownDirectories.clear();
      try {
        await this.pool.use(
          async ({ client }) => {
            const remote = remotePathOf(this.location, rel);
            const kind = await this.kindOf(client, rel);
            if (kind === 'directory') await client.removeDir(remote);
            else if (kind === 'file') await ignoreMissing(client.remove(remote));
          },
          { retry: true },
        );
      } finally {
        this.knownDirectories.clear();
      }
    });
  }

  async readArtifactStream(artifactPath: string): Promise<Readable> {
    const rel = normalizeArtifactPath(artifactPath);
    if (rel === '') throw this.isDirectory(rel);
    const remote = remotePathOf(this.location, rel);
    const output = new PassThrough({ highWaterMark: READ_BUFFER_BYTES });
    let delivered = 0;
    let checked = false;
    let opened!: () => void;
    const ready = new Promise<void>((resolve) => (opened = resolve));

    const transfer = this.pool.use(
      async (lease) => {
        if (!checked) {
          await this.checkReadableFile(lease.client, rel);
          checked = true;
          opened();
        }
        const sink = forwardInto(output, (bytes) => (delivered += bytes));
        await transferOrDiscard(lease, () => lease.client.downloadTo(sink, remote, delivered));
      },
      // Resume (from `delivered`) only while someone is still reading.
      { retry: () => !output.destroyed },
    );
    const settled = transfer.then(
      () => {
        output.end();
      },
      (error: unknown) => {
        const translated = translateFtpError(error, this.location, 'read', rel);
        if (!checked) throw translated;
        output.destroy(translated instanceof Error ? translated : new Error(String(translated)));
      },
    );
    await Promise.race([ready, settled]);
    return output;
  }

  async writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    if (rel === '') {
      throw errors.invalidParameter('Invalid artifact path "": a file cannot be written at the repository root itself.');
    }
    await this.run('write', rel, () => this.uploadStream(rel, body));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Uploads a local file to `rel`: a small one from memory, read whole first; a larger one
   * streamed from the file, opened afresh for each attempt.
   */
  private async uploadLocalFileTo(rel: string, localPath: string): Promise<void> {
    const local = await readLocalFileIfSmall(localPath, Math.min(this.renameThresholdBytes, IN_MEMORY_UPLOAD_BYTES));
    if (local.bytes !== undefined) {
      await this.storeDirectly(rel, bufferedBody(local.bytes));
      return;
    }
    const highWaterMark = Math.min(Math.max(local.size, MIN_UPLOAD_READ_CHUNK_BYTES), UPLOAD_READ_CHUNK_BYTES);
    const body: UploadBody = {
      open: () => createReadStream(localPath, { highWaterMark }),
      replayable: () => true,
      failure: undefined,
      release: () => {},
    };
    if (local.size < this.renameThresholdBytes) await this.storeDirectly(rel, body);
    else await this.storeViaTemporaryName(rel, body);
  }

  /**
   * Uploads a stream body to `rel`. Its size is not known beforehand, so up to
   * `IN_MEMORY_UPLOAD_BYTES` are read first: a body that ends there (and is under the threshold)
   * is stored directly from memory; a longer one goes through a temporary name. Either way the
   * body has been read before anything is overwritten, or the old file stays until the rename.
   */
  private async uploadStream(rel: string, source: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let ended = false;
    const lookahead = Math.min(this.renameThresholdBytes, IN_MEMORY_UPLOAD_BYTES);
    while (headBytes < lookahead) {
      const step = await iterator.next();
      if (step.done) {
        ended = true;
        break;
      }
      const chunk = asBytes(step.value);
      head.push(chunk);
      headBytes += chunk.length;
    }
    if (ended && headBytes < this.renameThresholdBytes) {
      await this.storeDirectly(rel, bufferedBody(Buffer.concat(head, headBytes)));
      return;
    }
    await this.storeViaTemporaryName(rel, new StreamUploadBody(source, iterator, head, ended));
  }

  /**
   * Stores `body` under `rel` with one STOR, retried once on a fresh connection after a dropped
   * one. If it finally fails after the server started taking the data, what it wrote is removed.
   */
  private async storeDirectly(rel: string, body: UploadBody): Promise<void> {
    const target = remotePathOf(this.location, rel);
    // Set once the server accepted a STOR: from then on the file under `rel` may be partial.
    let wrote = false;
    try {
      await this.pool.use(
        async (lease) => {
          let started = false;
          const store = async (): Promise<void> => {
            await this.ensureDirectory(lease.client, artifactDirname(rel));
            const source = body.open();
            // basic-ftp starts reading the source (piping it) only once the server answered the
            // STOR with 150/125, that is once the file has been created or truncated.
            source.once('resume', () => (started = wrote = true));
            try {
              await transferOrDiscard(lease, () => lease.client.uploadFrom(source, target));
            } finally {
              // A source the transfer never read is still open (a local file's descriptor).
              source.destroy();
            }
          };
          try {
            await store();
          } catch (error) {
            if (started || lease.client.closed || !isFtpReplyCode(error, 550, 553)) throw error;
            // Refused before any data: a directory of that name, or a directory remembered from
            // earlier that someone else removed (then make it and go again).
            if ((await this.kindOf(lease.client, rel)) === 'directory') throw this.directoryInTheWay(rel);
            if (this.knownDirectories.size === 0) throw error;
            this.knownDirectories.clear();
            await store();
          }
        },
        { retry: () => body.failure === undefined && body.replayable() },
      );
    } catch (error) {
      if (wrote) await this.removeQuietly([target], 'the partial file of a failed FTP upload');
      throw body.failure !== undefined ? body.failure.error : error;
    } finally {
      body.release();
    }
  }

  /**
   * Uploads `body` to a temporary name in `rel`'s directory and renames it over `rel`, so readers
   * see the old file until the new one is whole.
   */
  private async storeViaTemporaryName(rel: string, body: UploadBody): Promise<void> {
    const target = remotePathOf(this.location, rel);
    const abandoned: string[] = [];
    try {
      await this.pool.use(
        async (lease) => {
          let started = false;
          const store = async (): Promise<string> => {
            const dir = await this.ensureDirectory(lease.client, artifactDirname(rel));
            const temp = `${dir === '/' ? '' : dir}/${FTP_UPLOAD_TEMP_PREFIX}${randomUUID()}.tmp`;
            try {
              const source = body.open();
              source.once('resume', () => (started = true));
              try {
                await transferOrDiscard(lease, () => lease.client.uploadFrom(source, temp));
              } finally {
                source.destroy();
              }
            } catch (error) {
              abandoned.push(temp);
              throw error;
            }
            return temp;
          };
          let temp: string;
          try {
            temp = await store();
          } catch (error) {
            // A directory remembered from earlier may have been removed by someone else: the
            // server refused the name before reading any of the body, so make it and go again.
            if (started || lease.client.closed || !isFtpReplyCode(error, 550, 553) || this.knownDirectories.size === 0) throw error;
            this.knownDirectories.clear();
            temp = await store();
          }
          try {
            await lease.client.rename(temp, target);
          } catch (error) {
            abandoned.push(temp);
            if (isFtpReply(error) && (await this.kindOf(lease.client, rel)) === 'directory') throw this.directoryInTheWay(rel);
            throw error;
          }
        },
        { retry: () => body.failure === undefined && body.replayable() },
      );
    } catch (error) {
      throw body.failure !== undefined ? body.failure.error : error;
    } finally {
      body.release();
      if (abandoned.length > 0) await this.removeQuietly(abandoned, 'the temporary file of a failed FTP upload');
    }
  }

  /**
   * Makes sure the directory `dirRel` exists (creating it and its parents as needed) and returns
   * its remote path. Directories seen to exist are remembered, so a tree of small files costs one
   * MKD per directory rather than a round trip per file.
   */
  private async ensureDirectory(client: Client, dirRel: string): Promise<string> {
    const remote = remotePathOf(this.location, dirRel);
    if (remote === '/' || this.knownDirectories.has(remote)) return remote;
    if ((await changeDirectory(client, remote)).ok) {
      this.rememberDirectory(remote);
      return remote;
    }
    let current = '';
    for (const segment of remote.split('/').filter((part) => part !== '')) {
      current = `${current}/${segment}`;
      if (this.knownDirectories.has(current)) continue;
      try {
        await client.send(`MKD ${current}`);
      } catch (error) {
        // Already there (made by another connection, or a file in the way): CWD below tells.
        if (!isFtpReply(error) || error.code < 500) throw error;
      }
    }
    const entered = await changeDirectory(client, remote);
    if (!entered.ok) throw await this.explainBlockedDirectory(client, dirRel, entered.refusal);
    this.rememberDirectory(remote);
    return remote;
  }

  private rememberDirectory(remote: string): void {
    if (this.knownDirectories.size >= MAX_REMEMBERED_DIRECTORIES) this.knownDirectories.clear();
    for (let current = remote; current !== '' && current !== '/'; current = current.slice(0, current.lastIndexOf('/'))) {
      this.knownDirectories.add(current);
    }
  }

  /** Why `dirRel` could not be made: a file on the way, or the server refused. */
  private async explainBlockedDirectory(client: Client, dirRel: string, cause: unknown): Promise<OrreryError> {
    const segments = dirRel === '' ? [] : dirRel.split('/');
    for (let i = 1; i <= segments.length; i += 1) {
      const prefix = segments.slice(0, i).join('/');
      if ((await this.kindOf(client, prefix)) === 'file') {
        return errors.invalidParameter(`Artifact '${prefix}' is a file, so nothing can be stored under '${dirRel}'.`);
      }
    }
    return new OrreryError(
      'PERMISSION_DENIED',
      `Cannot create directory '${dirRel}' in ${this.location.shownUri}: the FTP server refused to make it.`,
      { cause },
    );
  }

  /** The direct children of directory `rel`, sorted; undefined when `rel` is missing or a file. */
  private async listDirectory(client: Client, rel: string): Promise<ArtifactFileInfo[] | undefined> {
    // Listing the working directory, rather than naming the path in MLSD/LIST, keeps the server
    // from treating `*`, `[` or a leading `-` in a name as a pattern or an option.
    if (!(await changeDirectory(client, remotePathOf(this.location, rel))).ok) return undefined;
    const infos: ArtifactFileInfo[] = [];
    for (const entry of await client.list()) {
      if (!isAddressableName(entry.name) || entry.name.startsWith(FTP_UPLOAD_TEMP_PREFIX)) continue;
      const entryPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.type === FileType.Directory) infos.push({ path: entryPath, isDir: true });
      else if (entry.type === FileType.File || entry.type === FileType.SymbolicLink) {
        infos.push({ path: entryPath, isDir: false, fileSize: entry.size });
      }
    }
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Whether `rel` is a directory, a file, or missing. */
  private async kindOf(client: Client, rel: string): Promise<RemoteKind | undefined> {
    const remote = remotePathOf(this.location, rel);
    if ((await changeDirectory(client, remote)).ok) return 'directory';
    if (rel === '') return undefined;
    try {
      await client.size(remote);
      return 'file';
    } catch (error) {
      if (isFtpReplyCode(error, 550)) return undefined;
      throw error;
    }
  }

  /** Throws RESOURCE_DOES_NOT_EXIST or INVALID_PARAMETER_VALUE unless `rel` is a file. */
  private async checkReadableFile(client: Client, rel: string): Promise<void> {
    try {
      await client.size(remotePathOf(this.location, rel));
      return;
    } catch (error) {
      if (!isFtpReplyCode(error, 550)) throw error;
    }
    if ((await this.kindOf(client, rel)) === 'directory') throw this.isDirectory(rel);
    throw this.missing(rel);
  }

  /** Downloads one file to a local path; a dropped connection starts it again on a fresh one. */
  private async downloadFile(rel: string, localPath: string): Promise<void> {
    const remote = remotePathOf(this.location, rel);
    await this.pool.use(
      async (lease) => {
        // Room for many socket chunks, so they reach the disk in few writes (writev) and the data
        // connection is paused less often: about 1.6x the throughput of the default 16 KiB on loopback.
        const file = createWriteStream(localPath, { highWaterMark: WRITE_BUFFER_BYTES });
        await transferOrDiscard(lease, () => lease.client.downloadTo(file, remote));
      },
      { retry: true },
    );
  }

  /** Removes leftovers of failed uploads; failures here must not hide the upload's own error. */
  private async removeQuietly(remotePaths: string[], what: string): Promise<void> {
    try {
      await this.pool.use(
        async ({ client }) => {
          for (const remote of remotePaths) await ignoreMissing(client.remove(remote));
        },
        { retry: true },
      );
    } catch (error) {
      this.logger?.warn(
        { uri: this.location.shownUri, error: maskSecret(error instanceof Error ? error.message : String(error), this.location.password) },
        `could not remove ${what}`,
      );
    }
  }

  /** Runs one operation, turning FTP and network errors into OrreryErrors that name the artifact. */
  private async run<T>(operation: string, rel: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw translateFtpError(error, this.location, operation, rel);
    }
  }

  private missing(rel: string): OrreryError {
    return errors.notFound(`Artifact '${rel}' does not exist in the artifact repository at ${this.location.shownUri}.`);
  }

  private directoryInTheWay(rel: string): OrreryError {
    return errors.invalidParameter(`Artifact '${rel}' is a directory and cannot be overwritten by a file.`);
  }

  private isDirectory(rel: string): OrreryError {
    return errors.invalidParameter(`Artifact '${rel}' is a directory: list or download it instead of reading it.`);
  }
}

/**
 * CWD into `remote`; `ok` is false, with the server's reply, when it refused (550: missing, or not
 * a directory). A refusal is followed by a CWD to `/`: pure-ftpd delays each refused CWD by 100 ms
 * more than the one before until a CWD or MKD succeeds, and ends the session after 50 in a row
 * (against directory scanning), so a pooled connection probing paths would otherwise slow down
 * by 100 ms per probe and then drop.
 */
async function changeDirectory(client: Client, remote: string): Promise<{ ok: true } | { ok: false; refusal: unknown }> {
  try {
    await client.cd(remote);
    return { ok: true };
  } catch (error) {
    if (!isFtpReplyCode(error, 550)) throw error;
    try {
      await client.cd('/');
    } catch (resetError) {
      if (!isFtpReply(resetError)) throw resetError;
    }
    return { ok: false, refusal: error };
  }
}

/** Runs a transfer; if it fails, its connection may hold a reply still in flight, so it is dropped. */
async function transferOrDiscard<T>(lease: FtpLease, transfer: () => Promise<T>): Promise<T> {
  try {
    return await transfer();
  } catch (error) {
    lease.discard();
    throw error;
  }
}

/**
 * A Writable that passes chunks on to `output` without ending it, waiting while `output` is full
 * (so memory stays flat) and failing once `output` has been destroyed by its reader.
 */
function forwardInto(output: PassThrough, onDelivered: (bytes: number) => void): Writable {
  return new Writable({
    highWaterMark: READ_BUFFER_BYTES,
    write(chunk: Buffer, _encoding, callback) {
      if (output.destroyed) {
        callback(new Error('The reader closed the artifact stream before the end.'));
        return;
      }
      onDelivered(chunk.length);
      if (output.write(chunk)) {
        callback();
        return;
      }
      const onDrain = (): void => {
        output.off('close', onClose);
        callback();
      };
      const onClose = (): void => {
        output.off('drain', onDrain);
        callback(new Error('The reader closed the artifact stream before the end.'));
      };
      output.once('drain', onDrain);
      output.once('close', onClose);
    },
  });
}

/**
 * A stream body that can be read only once. The chunks read ahead (`head`) are kept, so an attempt
 * that lost its connection can run again as long as nothing past them had been asked for.
 */
class StreamUploadBody implements UploadBody {
  failure: { error: unknown } | undefined;
  /** Whether the caller's stream was asked for more than `head`: then the body cannot be sent again. */
  private pulled = false;

  constructor(
    private readonly source: Readable | AsyncIterable<Uint8Array>,
    private readonly rest: AsyncIterator<Uint8Array | string>,
    private readonly head: Uint8Array[],
    private ended: boolean,
  ) {}

  open(): Readable {
    return Readable.from(this.chunks());
  }

  replayable(): boolean {
    return !this.pulled;
  }

  release(): void {
    if (this.ended) return;
    // The upload gave up before the end: stop the caller's stream. A Readable is destroyed
    // outright, as `return` would wait for a read still pending on a stalled body.
    if (this.source instanceof Readable) this.source.destroy();
    else this.rest.return?.().catch(() => {});
  }

  private async *chunks(): AsyncGenerator<Uint8Array> {
    // A plain loop, not `yield*`: an error Readable.from throws in at a yield must come out as
    // itself, and an array iterator has no `throw` to forward it to.
    for (const chunk of this.head) yield chunk;
    while (!this.ended) {
      // Marked before the read settles: a second attempt must not read alongside a pending one.
      this.pulled = true;
      let step: IteratorResult<Uint8Array | string>;
      try {
        step = await this.rest.next();
      } catch (error) {
        // Told apart from errors the transfer injects into this generator (Readable.from passes
        // a destroy error in through `throw` at the `yield`).
        this.failure = { error };
        this.ended = true;
        throw error;
      }
      if (step.done) {
        this.ended = true;
        return;
      }
      yield asBytes(step.value);
    }
  }
}

/** A body held whole in memory: it can be sent any number of times. */
function bufferedBody(bytes: Buffer): UploadBody {
  return { open: () => Readable.from([bytes]), replayable: () => true, failure: undefined, release: () => {} };
}

/**
 * Reads a local file whole if it is smaller than `limit` bytes; otherwise only tells its size.
 * Open, fstat, read and close: no more file operations than streaming a small file takes.
 */
async function readLocalFileIfSmall(localPath: string, limit: number): Promise<{ bytes: Buffer; size?: undefined } | { bytes?: undefined; size: number }> {
  const handle = await fs.open(localPath, 'r');
  try {
    const { size } = await handle.stat();
    if (size >= limit) return { size };
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      // The file shrank since fstat: what is there now is the file.
      if (bytesRead === 0) return { bytes: bytes.subarray(0, filled) };
      filled += bytesRead;
    }
    return { bytes };
  } finally {
    await handle.close();
  }
}

function asBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function ignoreMissing(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!isFtpReplyCode(error, 550)) throw error;
  }
}

/** Whether a listed name is one an artifact path can name (and so cannot lead out of a directory). */
function isAddressableName(name: string): boolean {
  if (name === '' || name.includes('/')) return false;
  try {
    return normalizeArtifactPath(name) === name;
  } catch {
    return false;
  }
}
