import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { OrreryError, errors, isOrreryError, type Logger } from '@orrery/core';
import {
  appendKnownHost,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypes,
  readKnownHosts,
  sha256Fingerprint,
  verifyHostKey,
} from './known-hosts.js';
import { DEFAULT_KEY_NAMES, type SftpLocation } from './sftp-location.js';

/** ssh2's SFTP session object, as ssh2-sftp-client hands it back from `connect`. */
export type SftpSession = Awaited<ReturnType<SftpClient['connect']>>;
type ConnectOptions = SftpClient.ConnectOptions;
/** One authentication attempt, in the shape ssh2's `authHandler` list takes. */
type AuthAttempt =
  | { type: 'publickey'; username: string; key: Buffer; passphrase?: string }
  | { type: 'agent'; username: string; agent: string }
  | { type: 'password'; username: string; password: string };

/** ssh2's default host-key algorithms, in its order; the ones known_hosts holds for a host move to the front. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

function algorithmsForKeyType(keyType: string): HostKeyAlgorithm[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return HOST_KEY_ALGORITHMS.filter((algorithm) => algorithm === keyType);
}

/** A live connection: the ssh2-sftp-client wrapper and its SFTP session. */
interface Connection {
  client: SftpClient;
  sftp: SftpSession;
  /** Set once the SSH connection ended, closed or failed; the next operation reconnects. */
  dropped: boolean;
}

/** The connection under an SFTP session ended; what was in flight was lost. */
export class SftpConnectionLostError extends Error {
  readonly code = 'ECONNRESET';
  constructor(message = 'the SFTP connection was lost') {
    super(message);
    this.name = 'SftpConnectionLostError';
  }
}

const CONNECTION_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether an error came from the connection failing rather than from the server's answer (SFTP
 * status errors carry a numeric code) or from local files: a lost session, ssh2's `No response
 * from server` for requests pending when the channel closed, socket resets and timeouts. Such an
 * operation is worth one retry on a fresh connection.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof SftpConnectionLostError) return true;
  if (isOrreryError(error) || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return /No response from server|Not connected|Timed out while waiting for handshake/i.test(error.message);
}

/** Sessions whose connection is gone, and the requests waiting on live ones. */
const lostSessions = new WeakSet<SftpSession>();
const pendingRequests = new WeakMap<SftpSession, Set<(error: Error) => void>>();

function markSessionLost(sftp: SftpSession): void {
  if (lostSessions.has(sftp)) return;
  lostSessions.add(sftp);
  const pending = pendingRequests.get(sftp);
  pendingRequests.delete(sftp);
  for (const fail of pending ?? []) fail(new SftpConnectionLostError());
}

/** Whether the session's connection is known to be gone. */
export function isSessionLost(sftp: SftpSession): boolean {
  return lostSessions.has(sftp);
}

/**
 * Runs one SFTP request as a promise. ssh2 silently drops requests sent after its channel closed
 * (their callbacks never run), so a request on a lost session fails at once, and one in flight
 * fails when the session is lost.
 */
export function sftpRequest<T>(sftp: SftpSession, run: (callback: (error: Error | null | undefined, result?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (lostSessions.has(sftp)) return reject(new SftpConnectionLostError());
    let pending = pendingRequests.get(sftp);
    if (!pending) pendingRequests.set(sftp, (pending = new Set()));
    const waiting = pending;
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      waiting.delete(fail);
      reject(error);
    };
    waiting.add(fail);
    run((error, result) => {
      if (settled) return;
      settled = true;
      waiting.delete(fail);
      if (error) reject(error);
      else resolve(result as T);
    });
  });
}

/**
 * One SSH connection per repository, opened on first use and reopened when it drops. Host keys
 * are checked against known_hosts in ssh2's `hostVerifier`; authentication tries, in order, the
 * configured key (or the default keys in ~/.ssh), the agent, and a password.
 */
export class SftpConnectionManager {
  private current: Promise<Connection> | undefined;
  private closed = false;
  /** A host-key refusal found during the handshake; ssh2 itself only reports a generic failure. */
  private hostKeyError: OrreryError | undefined;

  constructor(
    readonly location: SftpLocation,
    private readonly logger: Logger,
  ) {}

  /** The open session, connecting (or reconnecting after a drop) first when needed. */
  async session(): Promise<SftpSession> {
    if (this.closed) throw errors.invalidState(`The SFTP artifact repository at ${this.location.displayUri} is closed.`);
    for (let current = this.current; current !== undefined; current = this.current) {
      const connection = await current.catch(() => undefined);
      // Another caller replaced the connection while this one waited: look again.
      if (this.current !== current) continue;
      if (connection && !connection.dropped && !isSessionLost(connection.sftp)) return connection.sftp;
      if (connection) void connection.client.end().catch(() => undefined);
      this.current = undefined;
    }
    const opening = this.connect();
    this.current = opening;
    try {
      return (await opening).sftp;
    } catch (error) {
      if (this.current === opening) this.current = undefined;
      throw error;
    }
  }

  /** Forgets `session`'s connection (if it is still the current one) so the next call opens a fresh one. */
  discard(session: SftpSession): void {
    const current = this.current;
    if (!current) return;
    void current
      .then((connection) => {
        if (connection.sftp !== session) return;
        connection.dropped = true;
        markSessionLost(session);
        if (this.current === current) this.current = undefined;
        void connection.client.end().catch(() => undefined);
      })
      .catch(() => undefined);
  }

  /**
   * Runs `operation` on the session; if it fails because the connection failed (not because the
   * server refused it), runs it once more on a fresh connection. Only for idempotent operations.
   */
  async retrying<T>(description: string, operation: (sftp: SftpSession, attempt: number) => Promise<T>): Promise<T> {
    const first = await this.session();
    try {
      return await operation(first, 1);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.logger.warn(
        { uri: this.location.displayUri, operation: description, reason: (error as Error).message },
        'SFTP connection failed; retrying once on a fresh connection',
      );
      this.discard(first);
      return operation(await this.session(), 2);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const current = this.current;
    this.current = undefined;
    const connection = await current?.catch(() => undefined);
    if (connection) await connection.client.end().catch(() => undefined);
  }

  private async connect(): Promise<Connection> {
    const { location } = this;
    const knownHosts = await readKnownHosts(location.knownHostsPath);
    const preferred = knownKeyTypes(knownHosts, location.host, location.port).flatMap(algorithmsForKeyType);
    const serverHostKey = [...new Set<HostKeyAlgorithm>([...preferred, ...HOST_KEY_ALGORITHMS])];
    this.hostKeyError = undefined;

    let connection: Connection | undefined;
    const markDropped = () => {
      if (!connection) return;
      connection.dropped = true;
      markSessionLost(connection.sftp);
    };
    // ssh2-sftp-client's default callbacks print to the console; these only mark the connection
    // dropped, so the next operation reconnects.
    const client = new SftpClient('orrery-sftp', { error: markDropped, end: markDropped, close: markDropped });
    // SFTP is request/answer: with Nagle's algorithm on, each small request waits for the delayed
    // ACK of the previous one (~40 ms). ssh2 leaves it on, so it is turned off once the socket connects.
    const ssh = (client as unknown as { client: { setNoDelay(noDelay: boolean): void } }).client;
    client.on('connect', () => ssh.setNoDelay(true));
    const options: ConnectOptions = {
      host: location.host,
      port: location.port,
      username: location.username,
      // @types/ssh2 types these attempts as a base type without their fields.
      authHandler: (await this.authMethods()) as unknown as ConnectOptions['authHandler'],
      algorithms: { serverHostKey },
      readyTimeout: 20_000,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        this.checkHostKey(key).then(
          () => verify(true),
          (error: unknown) => {
            this.hostKeyError = isOrreryError(error) ? error : errors.unavailable(`Cannot check the host key of ${this.hostName()}.`, error);
            verify(false);
          },
        );
      },
    };
    try {
      const sftp = await client.connect(options);
      connection = { client, sftp, dropped: false };
      sftp.once('close', markDropped);
      this.logger.debug({ uri: location.displayUri }, 'SFTP connection opened');
      return connection;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (this.hostKeyError) throw this.hostKeyError;
      throw this.connectError(error);
    }
  }

  private hostName(): string {
    return knownHostsName(this.location.host, this.location.port);
  }

  private async checkHostKey(key: Buffer): Promise<void> {
    const { location } = this;
    const name = this.hostName();
    const fingerprint = sha256Fingerprint(key);
    const type = keyTypeOfBlob(key);
    const verdict = verifyHostKey(await readKnownHosts(location.knownHostsPath), location.host, location.port, key);
    switch (verdict.status) {
      case 'trusted':
        return;
      case 'revoked':
        throw new OrreryError(
          'PERMISSION_DENIED',
          `The ${type} host key of ${name} (${fingerprint}) is marked @revoked in ${location.knownHostsPath} (line ${verdict.line}); refusing to connect.`,
        );
      case 'changed':
        throw new OrreryError(
          'PERMISSION_DENIED',
          `The host key of ${name} has changed: the server offered ${type} ${fingerprint}, which does not match ` +
            `${location.knownHostsPath} (line${verdict.knownLines.length > 1 ? 's' : ''} ${verdict.knownLines.join(', ')}). ` +
            'Someone could be intercepting the connection, or the host key was replaced. Refusing to connect. ' +
            `If the change is expected, remove the old entry (ssh-keygen -R '${name}' -f ${location.knownHostsPath}) and connect again.`,
        );
      case 'unknown':
        if (location.trustOnFirstUse) {
          await appendKnownHost(location.knownHostsPath, location.host, location.port, key);
          this.logger.warn(
            { host: name, fingerprint, knownHosts: location.knownHostsPath },
            'SFTP host was unknown; trusted on first use and added to known_hosts',
          );
          return;
        }
        throw new OrreryError(
          'PERMISSION_DENIED',
          `The SFTP host ${name} is not in ${location.knownHostsPath}: its ${type} host key has fingerprint ${fingerprint}. ` +
            `Check the fingerprint with the server's administrator, then trust it with ` +
            `\`ssh-keyscan -p ${location.port} ${location.host} >> ${location.knownHostsPath}\` (or by connecting once with ssh), ` +
            'or set ORRERY_SFTP_TRUST_ON_FIRST_USE=1 (or add ?trust_on_first_use=1 to the URI) to record it on first connection.',
        );
    }
  }

  /** The authentication attempts, in order; the key files are read now, the passphrase is never shown. */
  private async authMethods(): Promise<AuthAttempt[]> {
    const { location } = this;
    const username = location.username;
    const methods: AuthAttempt[] = [];
    const passphrase = location.passphrase !== undefined ? { passphrase: location.passphrase } : {};
    if (location.keyPath !== undefined) {
      let key: Buffer;
      try {
        key = await readFile(location.keyPath);
      } catch (error) {
        throw errors.invalidParameter(
          `Cannot read the SFTP key file '${location.keyPath}' (from key_path or ORRERY_SFTP_KEY_PATH): ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
        );
      }
      methods.push({ type: 'publickey', username, key, ...passphrase });
    }
    if (location.agentSocket !== undefined) methods.push({ type: 'agent', username, agent: location.agentSocket });
    if (location.keyPath === undefined) {
      for (const name of DEFAULT_KEY_NAMES) {
        const key = await readFile(join(homedir(), '.ssh', name)).catch(() => undefined);
        if (key) methods.push({ type: 'publickey', username, key, ...passphrase });
      }
    }
    if (location.password !== undefined) methods.push({ type: 'password', username, password: location.password });
    return methods;
  }

  private connectError(error: unknown): OrreryError {
    const { location } = this;
    const message = error instanceof Error ? error.message : String(error);
    const where = `${location.username}@${this.hostName()}`;
    if (/authentication methods failed/i.test(message)) {
      return new OrreryError(
        'UNAUTHENTICATED',
        `SFTP authentication failed for ${where}: tried ${this.describeAuth()}. ` +
          'Configure a key (ORRERY_SFTP_KEY_PATH or ?key_path=), an SSH agent (SSH_AUTH_SOCK) or a password (in the URI or ORRERY_SFTP_PASSWORD).',
      );
    }
    // ssh2's messages name the host and the failing step, never the credentials.
    return errors.unavailable(`Cannot connect to the SFTP server ${where} (${location.displayUri}): ${message}`, error);
  }

  private describeAuth(): string {
    const { location } = this;
    const tried: string[] = [];
    if (location.keyPath !== undefined) tried.push(`the key ${location.keyPath}`);
    if (location.agentSocket !== undefined) tried.push('the SSH agent');
    if (location.keyPath === undefined) tried.push('the default keys in ~/.ssh');
    if (location.password !== undefined) tried.push('a password');
    return tried.join(', ');
  }
}
