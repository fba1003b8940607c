import { setTimeout as delay } from 'node:timers/promises';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Client } from 'basic-ftp';
import { type Logger, errors } from '@orrery/core';
import { isConnectionFailure, maskSecret } from './ftp-errors.js';
import type { FtpLocation } from './ftp-location.js';

/** Pause before reconnecting after a connection could not be opened. */
const RECONNECT_DELAY_MS = 200;
/** How often opening a connection is tried for an operation that may be retried. */
const RECONNECT_ATTEMPTS = 4;

export interface FtpConnectionPoolOptions {
  /** Most connections open at once; default 4. */
  maxConnections?: number;
  /** Timeout of one control or data connection step, in ms; default 30 000. */
  timeoutMs?: number;
  /** Extra TLS options for `ftps` (e.g. `ca`). */
  tls?: TlsConnectionOptions;
  logger?: Logger;
  /** A connection idle longer than this is checked with NOOP before it is reused; default 10 000 ms. */
  staleAfterMs?: number;
}

/** One pooled connection, lent to one operation at a time. */
export interface FtpLease {
  readonly client: Client;
  /**
   * Marks the connection unusable (e.g. after an aborted transfer left a reply in flight), so it is
   * closed instead of going back to the pool.
   */
  discard(): void;
}

interface PooledConnection {
  client: Client;
  lastUsed: number;
  broken: boolean;
}

/** How `use` treats a failure. */
export interface UseOptions {
  /**
   * Whether the operation may run again on a fresh connection after the first one failed at the
   * connection level (true for idempotent operations). It runs at most twice.
   */
  retry: boolean | (() => boolean);
}

/**
 * A small pool of logged-in FTP control connections, in passive mode. FTP runs one command at a
 * time per connection, so concurrency comes from several connections.
 *
 * A connection that failed at the connection level (dropped, timed out, a 421 or 4xx transfer
 * reply) is closed and never reused; an idempotent operation is then run once more on a fresh
 * connection. An FTP error reply on a healthy connection (e.g. 550) leaves it in the pool.
 */
export class FtpConnectionPool {
  private readonly idle: PooledConnection[] = [];
  private readonly waiters: Array<(connection: PooledConnection | undefined) => void> = [];
  private open = 0;
  private closed = false;
  private readonly maxConnections: number;
  private readonly timeoutMs: number;
  private readonly staleAfterMs: number;

  constructor(
    private readonly location: FtpLocation,
    private readonly options: FtpConnectionPoolOptions = {},
  ) {
    this.maxConnections = Math.max(1, options.maxConnections ?? 4);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
  }

  /** Most connections open at once. */
  get size(): number {
    return this.maxConnections;
  }

  /**
   * Runs `operation` on a pooled connection and returns the connection afterwards. See the class
   * comment for when the operation runs a second time.
   */
  async use<T>(operation: (lease: FtpLease) => Promise<T>, options: UseOptions): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const retry = (): boolean => attempt < 2 && (typeof options.retry === 'function' ? options.retry() : options.retry);
      const connection = await this.acquireWithReconnect(options);
      const lease: FtpLease = {
        client: connection.client,
        discard: () => {
          connection.broken = true;
        },
      };
      try {
        const result = await operation(lease);
        this.release(connection);
        return result;
      } catch (error) {
        const connectionFailed = connection.client.closed || isConnectionFailure(error);
        if (connectionFailed) connection.broken = true;
        this.release(connection);
        if (!connectionFailed || !retry()) throw error;
        this.options.logger?.warn(
          { uri: this.location.shownUri, error: maskSecret(error instanceof Error ? error.message : String(error), this.location.password) },
          'FTP connection failed; retrying the operation once on a fresh connection',
        );
      }
    }
  }

  /** Closes every connection; operations in flight finish on theirs, which are closed on release. */
  async close(): Promise<void> {
    this.closed = true;
    for (const connection of this.idle.splice(0)) {
      this.open -= 1;
      connection.client.close();
    }
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /**
   * Acquires a connection; when opening one fails at the connection level and the operation may be
   * retried, tries again a few times, since the server may be restarting.
   */
  private async acquireWithReconnect(options: UseOptions): Promise<PooledConnection> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.acquire();
      } catch (error) {
        const retry = typeof options.retry === 'function' ? options.retry() : options.retry;
        if (!isConnectionFailure(error) || !retry || attempt >= RECONNECT_ATTEMPTS) throw error;
        await delay(RECONNECT_DELAY_MS * attempt);
      }
    }
  }

  private async acquire(): Promise<PooledConnection> {
    for (;;) {
      if (this.closed) throw errors.invalidState(`The FTP artifact repository at ${this.location.shownUri} is closed.`);
      const candidate = this.idle.pop();
      if (candidate !== undefined) {
        if (await this.isAlive(candidate)) return candidate;
        this.open -= 1;
        candidate.client.close();
        continue;
      }
      if (this.open < this.maxConnections) {
        this.open += 1;
        try {
          return { client: await this.connect(), lastUsed: Date.now(), broken: false };
        } catch (error) {
          this.open -= 1;
          this.wakeNextWaiter();
          throw error;
        }
      }
      const handed = await new Promise<PooledConnection | undefined>((resolve) => this.waiters.push(resolve));
      if (handed !== undefined) return handed;
    }
  }

  private release(connection: PooledConnection): void {
    connection.lastUsed = Date.now();
    if (connection.broken || connection.client.closed || this.closed) {
      this.open -= 1;
      connection.client.close();
      this.wakeNextWaiter();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(connection);
    else this.idle.push(connection);
  }

  /** Lets a waiter try again (to open a connection) once a slot was freed. */
  private wakeNextWaiter(): void {
    this.waiters.shift()?.(undefined);
  }

  /** A connection idle for a while may have been closed by the server's idle timeout. */
  private async isAlive(connection: PooledConnection): Promise<boolean> {
    if (connection.client.closed) return false;
    if (Date.now() - connection.lastUsed < this.staleAfterMs) return true;
    try {
      await connection.client.send('NOOP');
      return true;
    } catch {
      return false;
    }
  }

  private async connect(): Promise<Client> {
    const client = new Client(this.timeoutMs);
    try {
      await client.access({
        host: this.location.host,
        port: this.location.port,
        user: this.location.user,
        password: this.location.password,
        secure: this.location.secure,
        ...(this.options.tls ? { secureOptions: this.options.tls } : {}),
      });
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }
}
