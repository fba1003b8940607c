import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ArtifactRepositoryBase,
  forEachBounded,
  type ArtifactFileInfo,
  type ArtifactKind,
  type ArtifactRepository,
  type Logger,
  OrreryError,
  artifactDirname,
  createLogger,
  errors,
  isOrreryError,
  normalizeArtifactPath,
} from '@orrery/core';
import { SftpConnectionManager, isConnectionError, sftpRequest, type SftpSession } from './sftp-connection.js';
import { parseSftpLocation, remotePathOf, type SftpLocation } from './sftp-location.js';
import { SftpPipelinedReader, SftpPipelinedWriter } from './sftp-streams.js';

/** Uploads land under this prefix next to their destination and are renamed into place; listings hide them. */
export const UPLOAD_TEMP_PREFIX = '.orrery-upload-';

/** Local files up to this size are uploaded in one write request rather than with fastPut. */
const SMALL_FILE_BYTES = 256 * 1024;

/** SFTP status codes (draft-ietf-secsh-filexfer-02) the repository tells apart. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

interface RemoteAttributes {
  mode: number;
  size: number;
}

export interface SftpArtifactRepositoryOptions {
  logger?: Logger;
  /** Where the settings' variables are read from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Files uploaded (and downloaded) at once by directory transfers; default 16. */
  concurrency?: number;
}

function typeOf(mode: number): 'dir' | 'file' | 'link' | 'other' {
  const type = mode & S_IFMT;
  if (type === S_IFDIR) return 'dir';
  if (type === S_IFREG) return 'file';
  if (type === S_IFLNK) return 'link';
  return 'other';
}

function sftpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Whether a remote entry's name is one an artifact path can name (a file name may hold `\` or control characters). */
function isAddressableName(name: string): boolean {
  try {
    return normalizeArtifactPath(name) === name;
  } catch {
    return false;
  }
}

/**
 * An artifact repository on an SFTP server, for `sftp://user@host:port/path` URIs (see
 * `parseSftpLocation` for authentication and host-key settings).
 *
 * - One SSH connection per repository, opened on first use and reopened after a drop; an
 *   idempotent operation that fails because the connection failed runs once more on a fresh one.
 * - Uploads go to a temporary name in the destination directory and are renamed over the
 *   destination with OpenSSH's posix-rename, so a reader (or a listing) sees the old file or the
 *   new one, never a part. Uploads of local files are retried after a dropped connection; a
 *   streamed body cannot be replayed, so it is retried only if the connection failed before any
 *   byte was read from it.
 * - Transfers stream with a bounded number of requests in flight; directory uploads and
 *   downloads move several files at once.
 * - Symbolic links on the server are followed: the server account's permissions bound access.
 */
export class SftpArtifactRepository extends ArtifactRepositoryBase implements ArtifactRepository {
  readonly rootUri: string;
  /** The root URI with credentials masked; what messages and logs show. */
  readonly displayUri: string;
  readonly location: SftpLocation;
  private readonly connections: SftpConnectionManager;
  private readonly logger: Logger;
  /** Files moved at once by directory uploads and downloads. */
  readonly treeConcurrency: number;
  /** Remote directories known to exist, so uploads of many files skip repeated checks. */
  private readonly knownDirectories = new Set<string>();

  constructor(rootUri: string, options: SftpArtifactRepositoryOptions = {}) {
    super();
    this.rootUri = rootUri;
    this.location = parseSftpLocation(rootUri, options.env);
    this.displayUri = this.location.displayUri;
    this.logger = (options.logger ?? createLogger({ name: 'orrery-sftp' })).child({ artifactRepository: this.displayUri });
    this.connections = new SftpConnectionManager(this.location, this.logger);
    this.treeConcurrency = options.concurrency ?? 16;
  }

  async listArtifacts(artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('list', rel, () => this.connections.retrying('list', (sftp) => this.list(sftp, rel)));
  }

  /** Fast path: a directory upload keeps empty directories; directories seen are remembered. */
  async makeArtifactDirectory(artifactPath: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('create directory', rel, () => this.ensureDirectory(rel));
  }

  /** Fast path: one stat (links followed). */
  async artifactKind(artifactPath: string): Promise<ArtifactKind | undefined> {
    const rel = normalizeArtifactPath(artifactPath);
    const attributes = await this.run('look up', rel, () =>
      this.connections.retrying('stat', (sftp) => this.stat(sftp, remotePathOf(this.location, rel))),
    );
    const type = attributes === undefined ? undefined : typeOf(attributes.mode);
    return type === 'dir' ? 'directory' : type === 'file' ? 'file' : undefined;
  }

  /** Fast path: fastPut for large files, one write for small ones, retried after a dropped connection. */
  async uploadLocalFile(localFile: string, artifactPath: string): Promise<void> {
    await this.uploadLocalFileTo(localFile, this.fileArtifactPath(artifactPath));
  }

  /** Fast path: fastGet, with many read requests in flight. */
  async downloadToLocalFile(artifactPath: string, localFile: string): Promise<void> {
    await this.downloadFile(normalizeArtifactPath(artifactPath), localFile);
  }

  async deleteArtifacts(artifactPath?: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.run('delete', rel, async () => {
      this.knownDirectories.clear();
      await this.connections.retrying('delete', async (sftp) => {
        const remote = remotePathOf(this.location, rel);
        const attributes = await this.lstat(sftp, remote);
        if (!attributes) return;
        if (typeOf(attributes.mode) !== 'dir') {
          await this.unlinkIfPresent(sftp, remote);
          return;
        }
        await this.removeTree(sftp, remote);
      });
    });
  }

  async readArtifactStream(artifactPath: string): Promise<Readable> {
    const rel = normalizeArtifactPath(artifactPath);
    return this.run('read', rel, () =>
      this.connections.retrying('open for reading', async (sftp) => {
        const remote = remotePathOf(this.location, rel);
        const attributes = await this.stat(sftp, remote);
        if (!attributes) throw this.missing(rel);
        if (typeOf(attributes.mode) === 'dir') {
          throw errors.invalidParameter(`Artifact '${rel}' is a directory: list or download it instead of reading it.`);
        }
        // Opening here makes a missing file reject this call rather than fail the stream later.
        const handle = await sftpRequest<Buffer>(sftp, (done) => sftp.open(remote, 'r', done));
        return new SftpPipelinedReader(sftp, handle, attributes.size);
      }),
    );
  }

  async writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    const rel = this.fileArtifactPath(artifactPath);
    await this.run('write', rel, async () => {
      let started = false;
      const attempt = async (sftp: SftpSession): Promise<void> => {
        await this.replaceFile(sftp, rel, async (temp) => {
          const handle = await sftpRequest<Buffer>(sftp, (done) => sftp.open(temp, 'w', done));
          started = true;
          try {
            await pipeline(body, new SftpPipelinedWriter(sftp, handle));
          } finally {
            await sftpRequest<void>(sftp, (done) => sftp.close(handle, done)).catch(() => undefined);
          }
        });
      };
      const sftp = await this.connections.session();
      try {
        await attempt(sftp);
      } catch (error) {
        // The body cannot be read twice: retry only if the connection failed before it was touched.
        if (started || !isConnectionError(error)) throw error;
        this.connections.discard(sftp);
        await attempt(await this.connections.session());
      }
    });
  }

  async close(): Promise<void> {
    await this.connections.close();
  }

  /** Uploads one local file, retried once on a fresh connection if the connection fails. */
  private async uploadLocalFileTo(localFile: string, rel: string): Promise<void> {
    const temps: string[] = [];
    await this.run('upload', rel, () =>
      this.connections.retrying('upload', async (sftp, attempt) => {
        if (attempt > 1) {
          this.knownDirectories.clear();
          // The dropped attempt's temporary file is invisible to listings, but should not stay behind.
          for (const temp of temps.splice(0)) await this.unlinkIfPresent(sftp, temp).catch(() => undefined);
        }
        await this.replaceFile(sftp, rel, async (temp) => {
          temps.push(temp);
          const size = (await fs.stat(localFile)).size;
          if (size > SMALL_FILE_BYTES) {
            // fastPut keeps many write requests in flight, reading the local file as it goes.
            await sftpRequest<void>(sftp, (done) => sftp.fastPut(localFile, temp, done));
            return;
          }
          // A small file is read whole, and its write and close are sent together (the server
          // answers them in order), saving round trips when a directory holds thousands of them.
          const content = await fs.readFile(localFile);
          const handle = await sftpRequest<Buffer>(sftp, (done) => sftp.open(temp, 'w', done));
          const written =
            content.length === 0 ? Promise.resolve() : sftpRequest<void>(sftp, (done) => sftp.write(handle, content, 0, content.length, 0, done));
          const closed = sftpRequest<void>(sftp, (done) => sftp.close(handle, done));
          const [write, close] = await Promise.allSettled([written, closed]);
          if (write.status === 'rejected') throw write.reason;
          if (close.status === 'rejected') throw close.reason;
        });
      }),
    );
  }

  private async downloadFile(rel: string, localFile: string): Promise<void> {
    await this.run('download', rel, () =>
      this.connections.retrying('download', async (sftp) => {
        await sftpRequest<void>(sftp, (done) => sftp.fastGet(remotePathOf(this.location, rel), localFile, done));
      }),
    );
  }

  /**
   * Writes a file at `rel` through a temporary name: makes the parent directories, lets `write`
   * create and fill the temporary file, and renames it over the destination. On failure the
   * temporary file is removed (when the connection still allows it) and the destination is untouched.
   */
  private async replaceFile(sftp: SftpSession, rel: string, write: (temp: string) => Promise<void>): Promise<void> {
    const parentRel = artifactDirname(rel);
    await this.ensureDirectory(parentRel, sftp);
    const parent = remotePathOf(this.location, parentRel);
    const target = remotePathOf(this.location, rel);
    const temp = `${parent === '.' ? '' : `${parent === '/' ? '' : parent}/`}${UPLOAD_TEMP_PREFIX}${randomUUID()}.tmp`;
    try {
      await write(temp);
      await this.renameOver(sftp, temp, target, rel);
    } catch (error) {
      if (!isConnectionError(error)) await this.unlinkIfPresent(sftp, temp).catch(() => undefined);
      throw error;
    }
  }

  private async renameOver(sftp: SftpSession, temp: string, target: string, rel: string): Promise<void> {
    try {
      await sftpRequest<void>(sftp, (done) => sftp.ext_openssh_rename(temp, target, done));
    } catch (error) {
      if (isConnectionError(error)) throw error;
      const existing = await this.lstat(sftp, target);
      if (existing && typeOf(existing.mode) === 'dir') {
        throw errors.invalidParameter(`Artifact '${rel}' is a directory and cannot be overwritten by a file.`);
      }
      throw error;
    }
  }

  /** Makes the directory `rel` (and the root, and every parent) exist; refuses a file in the way. */
  private async ensureDirectory(rel: string, given?: SftpSession): Promise<void> {
    const remote = remotePathOf(this.location, rel);
    if (this.knownDirectories.has(remote)) return;
    const sftp = given ?? (await this.connections.session());
    const existing = await this.stat(sftp, remote);
    if (existing && typeOf(existing.mode) === 'dir') {
      this.knownDirectories.add(remote);
      return;
    }
    if (existing) throw this.fileInTheWay(rel, rel);
    // Walk down from the first segment of the remote path, making what is missing.
    const absolute = remote.startsWith('/');
    const segments = remote.split('/').filter((segment) => segment !== '' && segment !== '.');
    let current = absolute ? '' : '.';
    for (const segment of segments) {
      current = current === '' ? `/${segment}` : `${current}/${segment}`;
      if (this.knownDirectories.has(current)) continue;
      try {
        await sftpRequest<void>(sftp, (done) => sftp.mkdir(current, done));
      } catch (error) {
        if (isConnectionError(error)) throw error;
        const attributes = await this.stat(sftp, current);
        if (!attributes) throw error;
        if (typeOf(attributes.mode) !== 'dir') throw this.fileInTheWay(this.relOf(current) ?? rel, rel);
      }
      this.knownDirectories.add(current);
    }
  }

  private async list(sftp: SftpSession, rel: string): Promise<ArtifactFileInfo[]> {
    const remote = remotePathOf(this.location, rel);
    let entries: Array<{ filename: string; attrs: RemoteAttributes }>;
    try {
      entries = await sftpRequest(sftp, (done) => sftp.readdir(remote, done));
    } catch (error) {
      if (isConnectionError(error)) throw error;
      // Missing, or a file: OpenSSH answers "no such file" or a generic failure.
      const attributes = await this.stat(sftp, remote);
      if (!attributes || typeOf(attributes.mode) !== 'dir') return [];
      throw error;
    }
    const infos: ArtifactFileInfo[] = [];
    const links: Array<{ entryPath: string; remote: string }> = [];
    for (const entry of entries) {
      const name = entry.filename;
      if (name === '.' || name === '..' || name.startsWith(UPLOAD_TEMP_PREFIX) || !isAddressableName(name)) continue;
      const entryPath = rel === '' ? name : `${rel}/${name}`;
      const type = typeOf(entry.attrs.mode);
      if (type === 'dir') infos.push({ path: entryPath, isDir: true });
      else if (type === 'file') infos.push({ path: entryPath, isDir: false, fileSize: entry.attrs.size });
      else if (type === 'link') links.push({ entryPath, remote: remote === '.' ? name : `${remote}/${name}` });
    }
    for (const link of links) {
      const target = await this.stat(sftp, link.remote);
      if (!target) continue;
      if (typeOf(target.mode) === 'dir') infos.push({ path: link.entryPath, isDir: true });
      else if (typeOf(target.mode) === 'file') infos.push({ path: link.entryPath, isDir: false, fileSize: target.size });
    }
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private async removeTree(sftp: SftpSession, remote: string): Promise<void> {
    const entries = await sftpRequest<Array<{ filename: string; attrs: RemoteAttributes }>>(sftp, (done) => sftp.readdir(remote, done)).catch(
      (error: unknown) => {
        if (sftpCode(error) === SFTP_NO_SUCH_FILE) return [];
        throw error;
      },
    );
    const children = entries.filter((entry) => entry.filename !== '.' && entry.filename !== '..');
    const directories = children.filter((entry) => typeOf(entry.attrs.mode) === 'dir');
    const files = children.filter((entry) => typeOf(entry.attrs.mode) !== 'dir');
    const join = (name: string): string => (remote === '.' ? name : remote === '/' ? `/${name}` : `${remote}/${name}`);
    await forEachBounded(files, 32, (entry) => this.unlinkIfPresent(sftp, join(entry.filename)));
    for (const entry of directories) await this.removeTree(sftp, join(entry.filename));
    // The login directory and `/` are emptied, never removed.
    if (remote === '.' || remote === '/') return;
    await sftpRequest<void>(sftp, (done) => sftp.rmdir(remote, done)).catch((error: unknown) => {
      if (sftpCode(error) !== SFTP_NO_SUCH_FILE) throw error;
    });
  }

  private async unlinkIfPresent(sftp: SftpSession, remote: string): Promise<void> {
    await sftpRequest<void>(sftp, (done) => sftp.unlink(remote, done)).catch((error: unknown) => {
      if (sftpCode(error) !== SFTP_NO_SUCH_FILE) throw error;
    });
  }

  private async stat(sftp: SftpSession, remote: string): Promise<RemoteAttributes | undefined> {
    return this.attributes(sftp, remote, 'stat');
  }

  private async lstat(sftp: SftpSession, remote: string): Promise<RemoteAttributes | undefined> {
    return this.attributes(sftp, remote, 'lstat');
  }

  private async attributes(sftp: SftpSession, remote: string, call: 'stat' | 'lstat'): Promise<RemoteAttributes | undefined> {
    try {
      return await sftpRequest<RemoteAttributes>(sftp, (done) => sftp[call](remote, done));
    } catch (error) {
      if (sftpCode(error) === SFTP_NO_SUCH_FILE) return undefined;
      throw error;
    }
  }

  private fileArtifactPath(artifactPath: string): string {
    const rel = normalizeArtifactPath(artifactPath);
    if (rel === '') {
      throw errors.invalidParameter('Invalid artifact path "": a file cannot be written at the repository root itself.');
    }
    return rel;
  }

  private relOf(remote: string): string | undefined {
    const root = this.location.rootPath;
    if (root === '.') return remote.replace(/^\.\//, '');
    if (remote === root) return '';
    const prefix = root === '/' ? '/' : `${root}/`;
    return remote.startsWith(prefix) ? remote.slice(prefix.length) : undefined;
  }

  private fileInTheWay(file: string, rel: string): OrreryError {
    return errors.invalidParameter(`Artifact '${file}' is a file, so nothing can be stored under '${rel}'.`);
  }

  private missing(rel: string): OrreryError {
    return errors.notFound(`Artifact '${rel}' does not exist in the artifact repository at ${this.displayUri}.`);
  }

  /** Runs one operation, turning SFTP and connection errors into OrreryErrors that name the artifact. */
  private async run<T>(operation: string, rel: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw this.translate(error, operation, rel);
    }
  }

  private translate(error: unknown, operation: string, rel: string): unknown {
    if (isOrreryError(error)) return error;
    const subject = `Cannot ${operation} artifact '${rel}' at ${this.displayUri}`;
    const reason = error instanceof Error ? error.message : String(error);
    const code = sftpCode(error);
    if (code === SFTP_NO_SUCH_FILE) return new OrreryError('RESOURCE_DOES_NOT_EXIST', `${subject}: it does not exist.`, { cause: error });
    if (code === SFTP_PERMISSION_DENIED) return new OrreryError('PERMISSION_DENIED', `${subject}: permission denied.`, { cause: error });
    if (code !== undefined) return errors.internal(`${subject}: the server answered "${reason}" (SFTP status ${code}).`, error);
    // Errors of the caller's own body stream (e.g. a failed upload source) pass through unchanged.
    if ((error as { syscall?: unknown } | undefined)?.syscall !== undefined || !(error instanceof Error)) return error;
    if (/No response from server|connection|ECONNRESET|not connected|channel|timed out/i.test(reason)) {
      return errors.unavailable(`${subject}: the SFTP connection failed (${reason}).`, error);
    }
    return error;
  }
}
