import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { OrreryError, errors, isOrreryError, type Logger } from '@orrery/core';
import { RedisKeys } from './redis-keys.js';
import { parseRedisUri, type RedisTarget } from './redis-uri.js';

export type RedisClient = Redis | Cluster;
type Arg = string | number | Buffer;

/** Redis error replies that mean "not now" rather than "never": the caller may retry. */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF)\b/;

/** Eviction policies that may drop keys without a TTL, which is every key of the stores. */
const EVICTING_POLICIES = new Set(['allkeys-lru', 'allkeys-lfu', 'allkeys-random']);

export interface OpenRedisOptions {
  logger?: Logger | undefined;
  env?: Record<string, string | undefined>;
}

/**
 * Turns what ioredis throws into Orrery's taxonomy. Lost or refused connections, timeouts and the
 * transient replies above become TEMPORARILY_UNAVAILABLE (the server answers 503 and clients may
 * retry); any other reply is a bug or a misconfiguration and becomes INTERNAL_ERROR.
 */
export function translateRedisError(error: unknown, target: Pick<RedisTarget, 'redacted'>): OrreryError {
  if (isOrreryError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (isReply && /^(WRONGPASS|NOAUTH)\b/.test(message)) {
    return new OrreryError('UNAUTHENTICATED', `Redis at ${target.redacted} refused the credentials: ${message}`, { cause: error });
  }
  if (isReply && /^NOPERM\b/.test(message)) {
    return new OrreryError('PERMISSION_DENIED', `Redis at ${target.redacted} does not allow this user a command the store needs: ${message}`, {
      cause: error,
    });
  }
  if (!isReply || TRANSIENT_REPLIES.test(message)) {
    return errors.unavailable(`Redis at ${target.redacted} is not available: ${message}. Retry once it is back.`, error);
  }
  return errors.internal(`Redis at ${target.redacted} refused a command: ${message}`, error);
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function tlsOptions(target: RedisTarget): RedisOptions['tls'] {
  if (!target.tls) return undefined;
  const { ca, cert, key, rejectUnauthorized, servername } = target.tls;
  return {
    rejectUnauthorized,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(servername ? { servername } : {}),
  };
}

/**
 * Commands fail fast while Redis is unreachable (no offline queue, no retries, nothing resent
 * after a reconnect: a resent script could apply twice), and the client keeps reconnecting in the
 * background, so the stores answer TEMPORARILY_UNAVAILABLE during an outage and recover by
 * themselves.
 */
function commonOptions(target: RedisTarget): RedisOptions {
  const tls = tlsOptions(target);
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    connectTimeout: target.connectTimeoutMs,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    ...(target.commandTimeoutMs !== undefined ? { commandTimeout: target.commandTimeoutMs } : {}),
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(tls ? { tls } : {}),
  };
}

function createClient(target: RedisTarget): RedisClient {
  const options = commonOptions(target);
  switch (target.mode) {
    case 'standalone':
      return new Redis({ ...options, host: target.nodes[0]!.host, port: target.nodes[0]!.port, db: target.db });
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: target.nodes,
        name: target.sentinelMaster!,
        db: target.db,
        ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
        ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: tlsOptions(target) ?? {} } : {}),
      });
    case 'cluster': {
      const { retryStrategy: _unused, enableOfflineQueue: _queue, lazyConnect: _lazy, ...redisOptions } = options;
      void _unused;
      void _queue;
      void _lazy;
      return new Cluster(target.nodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times: number) => Math.min(50 * times, 1000),
        redisOptions,
      });
    }
  }
}

/** `call` returns HGETALL as a flat list; the stores want field → value objects. */
function shapeReply(name: string, reply: unknown): unknown {
  if (Array.isArray(reply) && name.toUpperCase() === 'HGETALL') {
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
    return hash;
  }
  return reply;
}

/** Reads one field of an INFO section. */
function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

/**
 * One connection to the Redis (or Sentinel-managed master, or cluster) of a store URI, with the
 * key builder of its prefix and the helpers the stores use: scripts (EVALSHA, loading the script
 * on NOSCRIPT) and pipelines, both translating errors.
 */
export class RedisConnection {
  private readonly shas = new Map<string, string>();

  private constructor(
    readonly client: RedisClient,
    readonly target: RedisTarget,
    readonly keys: RedisKeys,
  ) {}

  /**
   * Connects, then checks the server: it refuses a Redis whose eviction policy could drop keys and
   * warns when only RDB snapshots persist data. Throws TEMPORARILY_UNAVAILABLE when Redis cannot
   * be reached and INVALID_STATE for an evicting server.
   */
  static async open(uri: string, options: OpenRedisOptions = {}): Promise<RedisConnection> {
    const target = parseRedisUri(uri, options.env);
    const client = createClient(target);
    // Connecting and the checks below wait for replies; a port that accepts connections but never
    // answers (not a Redis, a hung one) would hold them forever: bound the whole opening.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          errors.unavailable(
            `Cannot connect to Redis at ${target.redacted}: no answer within ${target.startupTimeoutMs} ms (startup_timeout_ms). ` +
              'Check that the host and port name a running Redis server that is not overloaded, or raise startup_timeout_ms in the store URI.',
          ),
        );
      }, target.startupTimeoutMs);
    });
    const opening = RedisConnection.connectAndCheck(client, target, options);
    try {
      return await Promise.race([opening, timeout]);
    } catch (error) {
      client.disconnect();
      // The abandoned attempt settles later, against a disconnected client: nothing to report.
      opening.catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private static async connectAndCheck(client: RedisClient, target: RedisTarget, options: OpenRedisOptions): Promise<RedisConnection> {
    // Reconnection attempts log nothing by themselves; unhandled 'error' events would crash. The
    // last one is kept: a refused login rejects connect() with a bare "Connection is closed".
    let lastError: unknown;
    client.on('error', (error: unknown) => {
      lastError = error;
    });
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      const cause = lastError instanceof Error ? lastError : error;
      const translated = translateRedisError(cause, target);
      if (translated.code !== 'TEMPORARILY_UNAVAILABLE' && translated.code !== 'INTERNAL_ERROR') throw translated;
      throw errors.unavailable(`Cannot connect to Redis at ${target.redacted}: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
    }
    const connection = new RedisConnection(client, target, new RedisKeys(target.prefix));
    try {
      await connection.checkServer(options.logger);
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return connection;
  }

  private async checkServer(logger: Logger | undefined): Promise<void> {
    const nodes: Redis[] = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      let info: string;
      try {
        info = await node.info();
      } catch (error) {
        throw translateRedisError(error, this.target);
      }
      const policy = infoField(info, 'maxmemory_policy') ?? 'noeviction';
      if (EVICTING_POLICIES.has(policy)) {
        throw new OrreryError(
          'INVALID_STATE',
          `Refusing to use Redis at ${this.target.redacted}: its maxmemory-policy is '${policy}', which evicts keys when ` +
            `memory runs out. Eviction would silently lose runs, params and metrics. Set maxmemory-policy to noeviction ` +
            `(CONFIG SET maxmemory-policy noeviction, and in redis.conf); writes then fail visibly when memory is full.`,
        );
      }
      if (infoField(info, 'aof_enabled') !== '1') {
        logger?.warn(
          { redis: this.target.redacted },
          'Redis runs without the append-only file: RDB snapshots alone lose every write since the last snapshot on a crash. ' +
            'Set appendonly yes with appendfsync everysec (or always) for a durable Orrery store.',
        );
      }
    }
  }

  /** Runs a Lua script (EVALSHA, falling back to EVAL once when the server does not know it yet). */
  async script(lua: string, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    let sha = this.shas.get(lua);
    if (!sha) {
      sha = sha1(lua);
      this.shas.set(lua, sha);
    }
    try {
      return await this.client.call('EVALSHA', sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        try {
          return await this.client.call('EVAL', lua, keys.length, ...keys, ...args);
        } catch (again) {
          throw translateRedisError(again, this.target);
        }
      }
      throw translateRedisError(error, this.target);
    }
  }

  /** Sends commands in one pipeline and returns their replies; the first error is thrown (translated). */
  async batch(commands: ReadonlyArray<readonly [string, ...Arg[]]>): Promise<unknown[]> {
    if (commands.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const [name, ...args] of commands) pipeline.call(name, ...args);
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      throw translateRedisError(error, this.target);
    }
    if (!replies) throw errors.unavailable(`Redis at ${this.target.redacted} dropped a pipeline. Retry once it is back.`);
    return replies.map(([error, reply], i) => {
      if (error) throw translateRedisError(error, this.target);
      return shapeReply(commands[i]![0], reply);
    });
  }

  /** Like `batch`, with binary replies (Buffers), for packed metric histories. */
  async batchBuffers(commands: ReadonlyArray<readonly [string, ...Arg[]]>): Promise<unknown[]> {
    if (commands.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const [name, ...args] of commands) pipeline.callBuffer(name, ...args);
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      throw translateRedisError(error, this.target);
    }
    if (!replies) throw errors.unavailable(`Redis at ${this.target.redacted} dropped a pipeline. Retry once it is back.`);
    return replies.map(([error, reply]) => {
      if (error) throw translateRedisError(error, this.target);
      return reply;
    });
  }

  /** One command, errors translated. */
  async command(name: string, ...args: Arg[]): Promise<unknown> {
    try {
      return shapeReply(name, await this.client.call(name, ...args));
    } catch (error) {
      throw translateRedisError(error, this.target);
    }
  }

  /** Deletes every key of this connection's prefix (tests and tools; never called by the stores). */
  async deleteAllKeys(): Promise<number> {
    const nodes: Redis[] = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    let deleted = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, found] = (await node.scan(cursor, 'MATCH', this.keys.scanPattern(), 'COUNT', 1000)) as [string, string[]];
        cursor = next;
        if (found.length > 0) deleted += await node.unlink(...found);
      } while (cursor !== '0');
    }
    return deleted;
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
