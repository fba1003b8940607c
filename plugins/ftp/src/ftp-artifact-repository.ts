import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { inspect } from 'node:util';
import type { Client } from 'basic-ftp';
import { FileType } from 'basic-ftp';
import {
  forEachBounded,
  type ArtifactFileInfo,
  type ArtifactRepository,
  type Logger,
  OrreryError,
  artifactDirname,
  errors,
  joinArtifactPath,
  normalizeArtifactPath,
} from '@orrery/core';
import { FtpConnectionPool, type FtpLease } from './ftp-connection-pool.js';
import { isFtpReply, isFtpReplyCode, maskSecret, translateFtpError } from './ftp-errors.js';
import { type FtpLocation, parseFtpUri, remotePathOf } from './ftp-location.js';

/**
 * Uploads go to a temporary name in the destination directory and are renamed into place once
 * complete; listings never show such names. A dropped connection leaves at most a temporary file,
 * which the failed upload removes once a connection works again.
 */
export const FTP_UPLOAD_TEMP_PREFIX = '.orrery-upload-';

/** Buffer between the FTP data connection and a reader of `readArtifactStream`. */
const READ_BUFFER_BYTES = 1024 * 1024;
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
  logger?: Logger;
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
 * - Uploads stream to a temporary name and are renamed over the destination, so a reader sees
 *   the old file or the new one and a failed or dropped upload never leaves a partial file under
 *   the artifact's name. Uploads of local files are retried once after a dropped connection;
 *   a stream body only when none of it had been read yet.
 * - Directories are created as needed and listed with MLSD where the server has it (sizes
 *   included), else LIST.
 * - Reads stream with bounded buffering; a read that loses its connection resumes where it stopped
 *   (REST), once.
 * - The password never appears in messages or logs: they show `shownUri` (masked).
 */
export class FtpArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  /** Where the URI points, including credentials: do not log it (use `location.shownUri`). */
  readonly location: FtpLocation;
  private readonly pool: FtpConnectionPool;
  private readonly knownDirectories = new Set<string>();
  private readonly logger: Logger | undefined;

  constructor(rootUri: string, options: FtpArtifactRepositoryOptions = {}) {
    this.rootUri = rootUri;
    this.location = parseFtpUri(rootUri, options.env);
    this.logger = options.logger;
    this.pool = new FtpConnectionPool(this.location, {
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  }

  /** The root URI with its password masked, for messages and logs. */
  toString(): string {
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

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const dir = normalizeArtifactPath(artifactPath);
    const stats = await statLocal(localFile, 'file');
    if (stats.isDirectory()) {
      throw errors.invalidParameter(`Local path '${localFile}' is a directory; use logArtifacts to upload a directory.`);
    }
    const destination = joinArtifactPath(dir, path.basename(localFile));
    await this.run('upload', destination, () => this.upload(destination, () => createReadStream(localFile), true));
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    const base = normalizeArtifactPath(artifactPath);
    const stats = await statLocal(localDir, 'directory');
    if (!stats.isDirectory()) {
      throw errors.invalidParameter(`Local path '${localDir}' is not a directory; use logArtifact to upload a file.`);
    }
    const tree = await walkLocalTree(path.resolve(localDir), base);
    await this.run('upload directory to', base, async () => {
      // Parents first, so each directory is made with one MKD once its parent exists.
      for (const dir of tree.directories) {
        await this.pool.use(({ client }) => this.ensureDirectory(client, dir), { retry: true });
      }
      await forEachBounded(tree.files, this.pool.size, (file) =>
        this.upload(file.artifactPath, () => createReadStream(file.localPath), true),
      );
    });
  }

  async listArtifacts(artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('list', rel, async () => {
      const listed = await this.pool.use(({ client }) => this.listDirectory(client, rel), { retry: true });
      return listed ?? [];
    });
  }

  async downloadArtifacts(artifactPath: string, dstDir: string): Promise<string> {
    const rel = normalizeArtifactPath(artifactPath);
    const destination = rel === '' ? path.resolve(dstDir) : path.resolve(dstDir, ...rel.split('/'));
    return this.run('download', rel, async () => {
      const kind = await this.pool.use(({ client }) => this.kindOf(client, rel), { retry: true });
      if (kind === undefined) throw this.missing(rel);
      if (kind === 'file') {
        await fs.mkdir(path.dirname(destination), { recursive: true });
        await this.downloadFile(rel, destination);
        return destination;
      }
      const files: Array<{ rel: string; local: string }> = [];
      const pending = [{ rel, local: destination }];
      for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
        await fs.mkdir(dir.local, { recursive: true });
        const current = dir;
        const children = await this.pool.use(({ client }) => this.listDirectory(client, current.rel), { retry: true });
        for (const child of children ?? []) {
          const local = path.join(current.local, child.path.slice(child.path.lastIndexOf('/') + 1));
          if (child.isDir) pending.push({ rel: child.path, local });
          else files.push({ rel: child.path, local });
        }
      }
      await forEachBounded(files, this.pool.size, (file) => this.downloadFile(file.rel, file.local));
      return destination;
    });
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
    await this.run('write', rel, () => this.upload(rel, () => body, false));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Uploads one file to a temporary name and renames it over `rel`. `openBody` is called once per
   * attempt; with `replayable` false the same body is reused, so the upload is retried on a fresh
   * connection only when none of it had been read.
   */
  private async upload(rel: string, openBody: () => Readable | AsyncIterable<Uint8Array>, replayable: boolean): Promise<void> {
    const target = remotePathOf(this.location, rel);
    let consumed = false;
    let bodyError: { error: unknown } | undefined;
    const abandoned: string[] = [];
    // Errors of the body itself are told apart from errors the transfer injects into this
    // generator (Readable.from passes a destroy error in through `throw` at the `yield`).
    const track = async function* (source: Readable | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
      try {
        for (;;) {
          let step: IteratorResult<Uint8Array | string>;
          try {
            step = await iterator.next();
          } catch (error) {
            bodyError = { error };
            throw error;
          }
          if (step.done) return;
          consumed = true;
          yield typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
        }
      } finally {
        await iterator.return?.();
      }
    };
    try {
      await this.pool.use(
        async (lease) => {
          const store = async (): Promise<string> => {
            const dir = await this.ensureDirectory(lease.client, artifactDirname(rel));
            const temp = `${dir === '/' ? '' : dir}/${FTP_UPLOAD_TEMP_PREFIX}${randomUUID()}.tmp`;
            try {
              // A replayable body (a local file) is handed over as it is: it is opened afresh per
              // attempt, so nothing needs tracking, and it saves a hop per chunk.
              const body = openBody();
              const source = replayable && body instanceof Readable ? body : Readable.from(track(body));
              await transferOrDiscard(lease, () => lease.client.uploadFrom(source, temp));
            } catch (error) {
              abandoned.push(temp);
              throw bodyError !== undefined ? bodyError.error : error;
            }
            return temp;
          };
          let temp: string;
          try {
            temp = await store();
          } catch (error) {
            // A directory remembered from earlier may have been removed by someone else: the
            // server refused the name before reading any of the body, so make it and go again.
            if (consumed || lease.client.closed || !isFtpReplyCode(error, 550, 553) || this.knownDirectories.size === 0) throw error;
            this.knownDirectories.clear();
            temp = await store();
          }
          try {
            await lease.client.rename(temp, target);
          } catch (error) {
            abandoned.push(temp);
            if (isFtpReply(error) && (await this.kindOf(lease.client, rel)) === 'directory') {
              throw errors.invalidParameter(`Artifact '${rel}' is a directory and cannot be overwritten by a file.`);
            }
            throw error;
          }
        },
        { retry: () => bodyError === undefined && (replayable || !consumed) },
      );
    } finally {
      if (abandoned.length > 0) await this.removeQuietly(abandoned);
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
    try {
      await client.cd(remote);
      this.rememberDirectory(remote);
      return remote;
    } catch (error) {
      if (!isFtpReplyCode(error, 550)) throw error;
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
    try {
      await client.cd(remote);
    } catch (error) {
      if (!isFtpReplyCode(error, 550)) throw error;
      throw await this.explainBlockedDirectory(client, dirRel, error);
    }
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
    try {
      // Listing the working directory, rather than naming the path in MLSD/LIST, keeps the server
      // from treating `*`, `[` or a leading `-` in a name as a pattern or an option.
      await client.cd(remotePathOf(this.location, rel));
    } catch (error) {
      if (isFtpReplyCode(error, 550)) return undefined;
      throw error;
    }
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
    try {
      await client.cd(remote);
      return 'directory';
    } catch (error) {
      if (!isFtpReplyCode(error, 550)) throw error;
    }
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
        const file = createWriteStream(localPath);
        await transferOrDiscard(lease, () => lease.client.downloadTo(file, remote));
      },
      { retry: true },
    );
  }

  /** Removes leftovers of failed uploads; failures here must not hide the upload's own error. */
  private async removeQuietly(remotePaths: string[]): Promise<void> {
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
        'could not remove the temporary file of a failed FTP upload',
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

  private isDirectory(rel: string): OrreryError {
    return errors.invalidParameter(`Artifact '${rel}' is a directory: list or download it instead of reading it.`);
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

interface LocalTree {
  /** Artifact paths of directories, parents before children (the base included). */
  directories: string[];
  files: Array<{ localPath: string; artifactPath: string }>;
}

/** Walks a local directory (following links, skipping link cycles) into directories and files. */
async function walkLocalTree(localDir: string, base: string): Promise<LocalTree> {
  const tree: LocalTree = { directories: [base], files: [] };
  const walk = async (dir: string, rel: string, visited: Set<string>): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const local = path.join(dir, entry.name);
      const childRel = joinArtifactPath(rel, entry.name);
      const stats = entry.isSymbolicLink() ? await fs.stat(local) : entry;
      if (stats.isDirectory()) {
        const real = await fs.realpath(local);
        if (visited.has(real)) continue;
        tree.directories.push(childRel);
        await walk(local, childRel, new Set([...visited, real]));
      } else if (stats.isFile()) {
        tree.files.push({ localPath: local, artifactPath: childRel });
      }
    }
  };
  await walk(localDir, base, new Set([await fs.realpath(localDir)]));
  return tree;
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
