import { randomUUID } from 'node:crypto';
import type {
  ApiToken,
  AuditEntry,
  AuthStore,
  AuthUser,
  CreateApiTokenInput,
  ExperimentPermission,
  ListAuditInput,
  Permission,
  RegisteredModelPermission,
  StoredAuditEntry,
} from '@orrery/core';
import { auditPageSize, authStoreErrors, compareCodePoints, compareExperimentIds, compareTokensNewestFirst, errors } from '@orrery/core';
import { WriteSet, writeWithRetry } from './guarded-writes.js';
import { APPEND_AUDIT, DELETE_AUTH_USER, MOVE_MODEL_PERMISSIONS, RECORD_LOGIN_FAILURE } from './lua/auth-scripts.js';
import type { RedisConnection } from './redis-connection.js';
import { LEX_SEPARATOR, lexMember, type RedisKeys } from './redis-keys.js';

type Hash = Record<string, string>;

/** A token as kept in the tokens hash (its revocation is kept apart, set once). */
interface StoredToken {
  userId: number;
  name: string;
  secretHash: string;
  createdAt: number;
  expiresAt?: number;
}

function toUser(id: number, hash: Hash): AuthUser | undefined {
  if (hash.username === undefined) return undefined;
  return { id, username: hash.username, passwordHash: hash.password_hash ?? '', isAdmin: hash.is_admin === '1' };
}

function toToken(id: string, json: string, revokedAt: string | null): ApiToken {
  const stored = JSON.parse(json) as StoredToken;
  return {
    id,
    userId: stored.userId,
    name: stored.name,
    secretHash: stored.secretHash,
    createdAt: stored.createdAt,
    ...(stored.expiresAt !== undefined ? { expiresAt: stored.expiresAt } : {}),
    ...(revokedAt !== null ? { revokedAt: Number(revokedAt) } : {}),
  };
}

/** An audit member is `seq:JSON`; the JSON holds the entry without its seq. */
function toAuditEntry(member: string): StoredAuditEntry {
  const colon = member.indexOf(':');
  return { seq: Number(member.slice(0, colon)), ...(JSON.parse(member.slice(colon + 1)) as AuditEntry) };
}

/**
 * The two kinds of permission rows: a per-user hash of resource → permission each; model rows are
 * also listed in the model index, so a rename or delete of a model finds every user's row.
 */
interface PermissionKind {
  key: (keys: RedisKeys, userId: number) => string;
  indexed: boolean;
  notFound: (resource: string, username: string) => Error;
  alreadyExists: (resource: string, username: string) => Error;
}

const EXPERIMENT: PermissionKind = {
  key: (keys, userId) => keys.authExperimentPermissions(userId),
  indexed: false,
  notFound: authStoreErrors.experimentPermissionNotFound,
  alreadyExists: authStoreErrors.experimentPermissionExists,
};

const REGISTERED_MODEL: PermissionKind = {
  key: (keys, userId) => keys.authModelPermissions(userId),
  indexed: true,
  notFound: authStoreErrors.registeredModelPermissionNotFound,
  alreadyExists: authStoreErrors.registeredModelPermissionExists,
};

/**
 * The AuthStore on Redis, under the URI's key prefix in its own `auth:` key family (redis-keys.ts),
 * so one Redis and even one prefix can hold tracking data and auth data side by side.
 *
 * Writes are atomic: a write reads the user's id, then applies guarded writes (guarded-writes.ts)
 * that hold only if the username still maps to that id (ids are never reused), retrying when
 * another client got there first; writes whose extent is only known inside Redis (deleting a
 * user, moving a model's rows) are Lua scripts. Login failures are a sorted set per key that
 * expires a window after its last failure; the audit log is a sorted set scored by a sequence
 * counter, with a second one per user, so paging by sequence and filtering by user are range reads.
 */
export class RedisAuthStore implements AuthStore {
  private closed = false;

  constructor(private readonly connection: RedisConnection) {}

  /** The connection, refused once the store is closed (the same INVALID_STATE as the SQL stores). */
  private get redis(): RedisConnection {
    if (this.closed) throw authStoreErrors.closed();
    return this.connection;
  }

  private get keys(): RedisKeys {
    return this.redis.keys;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  private async userId(username: string): Promise<number | undefined> {
    const id = (await this.redis.command('HGET', this.keys.authUserIds(), username)) as string | null;
    return id === null ? undefined : Number(id);
  }

  /** A write set that holds only while `username` still maps to `userId`. */
  private forUser(username: string, userId: number): WriteSet {
    return new WriteSet().unchanged(this.keys.authUserIds(), username, String(userId));
  }

  // ---- users ----

  async createUser(username: string, passwordHash: string, isAdmin: boolean): Promise<AuthUser> {
    const keys = this.keys;
    // Taken before the check: a refused create burns an id, which only leaves a gap.
    const id = Number(await this.redis.command('INCR', keys.authUserSequence()));
    const writes = new WriteSet()
      .guard({ kind: 'habsent', key: keys.authUserIds(), field: username })
      .run('HSET', keys.authUserIds(), username, id)
      .run('HSET', keys.authUser(id), 'username', username, 'password_hash', passwordHash, 'is_admin', isAdmin ? '1' : '0');
    return writeWithRetry(this.redis, async () => ({
      writes,
      result: { id, username, passwordHash, isAdmin },
      onGuard: () => authStoreErrors.userExists(username),
    }));
  }

  async findUser(username: string): Promise<AuthUser | undefined> {
    const id = await this.userId(username);
    return id === undefined ? undefined : this.findUserById(id);
  }

  async findUserById(id: number): Promise<AuthUser | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return toUser(id, (await this.redis.command('HGETALL', this.keys.authUser(id))) as Hash);
  }

  async listUsers(): Promise<AuthUser[]> {
    const ids = Object.values((await this.redis.command('HGETALL', this.keys.authUserIds())) as Hash).map(Number);
    const hashes = (await this.redis.batch(ids.map((id) => ['HGETALL', this.keys.authUser(id)] as const))) as Hash[];
    return ids
      .flatMap((id, i) => toUser(id, hashes[i]!) ?? [])
      .sort((a, b) => compareCodePoints(a.username, b.username));
  }

  updatePassword(username: string, passwordHash: string): Promise<void> {
    return this.updateUserField(username, 'password_hash', passwordHash);
  }

  updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    return this.updateUserField(username, 'is_admin', isAdmin ? '1' : '0');
  }

  private updateUserField(username: string, field: string, value: string): Promise<void> {
    return writeWithRetry(this.redis, async () => {
      const id = await this.userId(username);
      if (id === undefined) throw authStoreErrors.userNotFound(username);
      return { writes: this.forUser(username, id).run('HSET', this.keys.authUser(id), field, value), result: undefined };
    });
  }

  async deleteUser(username: string): Promise<void> {
    // Another attempt is needed only when the user was deleted (and created again) in between.
    for (let attempt = 0; attempt < 100; attempt++) {
      const id = await this.userId(username);
      if (id === undefined) throw authStoreErrors.userNotFound(username);
      const keys = this.keys;
      const outcome = await this.redis.script(
        DELETE_AUTH_USER,
        [
          keys.authUserIds(),
          keys.authUser(id),
          keys.authExperimentPermissions(id),
          keys.authModelPermissions(id),
          keys.authUserTokens(id),
          keys.authModelPermissionIndex(),
          keys.authTokens(),
          keys.authTokenRevocations(),
        ],
        [username, id, LEX_SEPARATOR],
      );
      // 'moved': deleted (and maybe created again) since we read its id; read again.
      if (outcome === 'ok') return;
    }
    throw errors.unavailable(`Gave up deleting user ${username}: other clients kept deleting and creating it. Retry later.`);
  }

  // ---- permissions ----

  async createExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission> {
    const userId = await this.createPermission(EXPERIMENT, experimentId, username, permission);
    return { experimentId, userId, permission };
  }

  async findExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission | undefined> {
    const found = await this.findPermission(EXPERIMENT, experimentId, username);
    return found && { experimentId, ...found };
  }

  async listExperimentPermissions(username: string): Promise<ExperimentPermission[]> {
    const { userId, rows } = await this.listPermissions(EXPERIMENT, username);
    return rows
      .map(([experimentId, permission]) => ({ experimentId, userId, permission }))
      .sort((a, b) => compareExperimentIds(a.experimentId, b.experimentId));
  }

  async updateExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission> {
    const userId = await this.changePermission(EXPERIMENT, experimentId, username, permission);
    return { experimentId, userId, permission };
  }

  async deleteExperimentPermission(experimentId: string, username: string): Promise<void> {
    await this.changePermission(EXPERIMENT, experimentId, username, undefined);
  }

  async createRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission> {
    const userId = await this.createPermission(REGISTERED_MODEL, name, username, permission);
    return { name, userId, permission };
  }

  async findRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission | undefined> {
    const found = await this.findPermission(REGISTERED_MODEL, name, username);
    return found && { name, ...found };
  }

  async listRegisteredModelPermissions(username: string): Promise<RegisteredModelPermission[]> {
    const { userId, rows } = await this.listPermissions(REGISTERED_MODEL, username);
    return rows.map(([name, permission]) => ({ name, userId, permission })).sort((a, b) => compareCodePoints(a.name, b.name));
  }

  async updateRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission> {
    const userId = await this.changePermission(REGISTERED_MODEL, name, username, permission);
    return { name, userId, permission };
  }

  async deleteRegisteredModelPermission(name: string, username: string): Promise<void> {
    await this.changePermission(REGISTERED_MODEL, name, username, undefined);
  }

  async renameRegisteredModelPermissions(oldName: string, newName: string): Promise<void> {
    if (oldName === newName) return;
    await this.moveModelPermissions(oldName, newName, 'rename');
  }

  async deleteRegisteredModelPermissions(name: string): Promise<void> {
    await this.moveModelPermissions(name, '', 'delete');
  }

  private async moveModelPermissions(name: string, newName: string, mode: 'rename' | 'delete'): Promise<void> {
    const [before, after] = this.keys.authModelPermissionsAround();
    await this.redis.script(MOVE_MODEL_PERMISSIONS, [this.keys.authModelPermissionIndex()], [name, newName, mode, LEX_SEPARATOR, before, after]);
  }

  private createPermission(kind: PermissionKind, resource: string, username: string, permission: Permission): Promise<number> {
    return writeWithRetry(this.redis, async () => {
      const userId = await this.userId(username);
      if (userId === undefined) throw authStoreErrors.userNotFound(username);
      const writes = this.forUser(username, userId)
        .guard({ kind: 'habsent', key: kind.key(this.keys, userId), field: resource })
        .run('HSET', kind.key(this.keys, userId), resource, permission);
      if (kind.indexed) writes.run('ZADD', this.keys.authModelPermissionIndex(), 0, lexMember(resource, String(userId)));
      // Guard 0 (the user moved) retries; guard 1 is a row that exists.
      return { writes, result: userId, onGuard: (index) => (index === 1 ? kind.alreadyExists(resource, username) : undefined) };
    });
  }

  /** Updates the row to `permission`, or deletes it when `permission` is undefined; the row must exist. */
  private changePermission(kind: PermissionKind, resource: string, username: string, permission: Permission | undefined): Promise<number> {
    return writeWithRetry(this.redis, async () => {
      const userId = await this.userId(username);
      if (userId === undefined) throw authStoreErrors.userNotFound(username);
      const key = kind.key(this.keys, userId);
      const current = (await this.redis.command('HGET', key, resource)) as string | null;
      if (current === null) throw kind.notFound(resource, username);
      const writes = this.forUser(username, userId).unchanged(key, resource, current);
      if (permission !== undefined) writes.run('HSET', key, resource, permission);
      else {
        writes.run('HDEL', key, resource);
        if (kind.indexed) writes.run('ZREM', this.keys.authModelPermissionIndex(), lexMember(resource, String(userId)));
      }
      return { writes, result: userId };
    });
  }

  private async findPermission(kind: PermissionKind, resource: string, username: string): Promise<{ userId: number; permission: Permission } | undefined> {
    const userId = await this.userId(username);
    if (userId === undefined) return undefined;
    const permission = (await this.redis.command('HGET', kind.key(this.keys, userId), resource)) as Permission | null;
    return permission === null ? undefined : { userId, permission };
  }

  private async listPermissions(kind: PermissionKind, username: string): Promise<{ userId: number; rows: Array<[string, Permission]> }> {
    const userId = await this.userId(username);
    if (userId === undefined) return { userId: 0, rows: [] };
    const hash = (await this.redis.command('HGETALL', kind.key(this.keys, userId))) as Record<string, Permission>;
    return { userId, rows: Object.entries(hash) };
  }

  // ---- API tokens ----

  async createApiToken(input: CreateApiTokenInput): Promise<ApiToken> {
    if (!Number.isSafeInteger(input.userId)) throw authStoreErrors.userIdNotFound(input.userId);
    const keys = this.keys;
    const stored: StoredToken = {
      userId: input.userId,
      name: input.name,
      secretHash: input.secretHash,
      createdAt: input.createdAt,
      ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
    };
    const writes = new WriteSet()
      .guard({ kind: 'exists', key: keys.authUser(input.userId) })
      .guard({ kind: 'habsent', key: keys.authTokens(), field: input.id })
      .run('HSET', keys.authTokens(), input.id, JSON.stringify(stored))
      .run('SADD', keys.authUserTokens(input.userId), input.id);
    return writeWithRetry(this.redis, async () => ({
      writes,
      result: { id: input.id, ...stored },
      onGuard: (index) =>
        index === 0 ? authStoreErrors.userIdNotFound(input.userId) : authStoreErrors.tokenExists(input.id),
    }));
  }

  async findApiToken(id: string): Promise<ApiToken | undefined> {
    const [json, revokedAt] = (await this.redis.batch([
      ['HGET', this.keys.authTokens(), id],
      ['HGET', this.keys.authTokenRevocations(), id],
    ])) as [string | null, string | null];
    return json === null ? undefined : toToken(id, json, revokedAt);
  }

  async listApiTokens(userId: number): Promise<ApiToken[]> {
    if (!Number.isSafeInteger(userId)) return [];
    const ids = (await this.redis.command('SMEMBERS', this.keys.authUserTokens(userId))) as string[];
    if (ids.length === 0) return [];
    const [jsons, revocations] = (await this.redis.batch([
      ['HMGET', this.keys.authTokens(), ...ids],
      ['HMGET', this.keys.authTokenRevocations(), ...ids],
    ])) as [Array<string | null>, Array<string | null>];
    return ids
      .flatMap((id, i) => (jsons[i] === null || jsons[i] === undefined ? [] : [toToken(id, jsons[i], revocations[i] ?? null)]))
      .sort(compareTokensNewestFirst);
  }

  revokeApiToken(id: string, at: number): Promise<void> {
    return writeWithRetry(this.redis, async () => {
      const json = (await this.redis.command('HGET', this.keys.authTokens(), id)) as string | null;
      if (json === null) throw authStoreErrors.tokenNotFound(id);
      // HSETNX keeps the first revocation time; the guard keeps a token deleted meanwhile (with its user) deleted.
      const writes = new WriteSet().unchanged(this.keys.authTokens(), id, json).run('HSETNX', this.keys.authTokenRevocations(), id, at);
      return { writes, result: undefined };
    });
  }

  // ---- login failures ----

  async recordLoginFailure(key: string, now: number, windowMs: number): Promise<number> {
    const count = await this.redis.script(RECORD_LOGIN_FAILURE, [this.keys.authLoginFailures(key)], [
      now,
      windowMs,
      `${now}:${randomUUID()}`,
      now - windowMs,
    ]);
    return Number(count);
  }

  async countLoginFailures(key: string, now: number, windowMs: number): Promise<number> {
    return Number(await this.redis.command('ZCOUNT', this.keys.authLoginFailures(key), `(${now - windowMs}`, now));
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.redis.command('DEL', this.keys.authLoginFailures(key));
  }

  // ---- audit log ----

  async appendAudit(entry: AuditEntry): Promise<StoredAuditEntry> {
    const keys = this.keys;
    const logs = [keys.authAuditSequence(), keys.authAudit(), ...(entry.username !== undefined ? [keys.authUserAudit(entry.username)] : [])];
    const seq = Number(await this.redis.script(APPEND_AUDIT, logs, [JSON.stringify(entry)]));
    return { ...entry, seq };
  }

  async listAudit(input: ListAuditInput = {}): Promise<StoredAuditEntry[]> {
    const limit = auditPageSize(input.maxResults);
    const log = input.username !== undefined ? this.keys.authUserAudit(input.username) : this.keys.authAudit();
    const members = (await this.redis.command('ZRANGEBYSCORE', log, `(${input.afterSeq ?? 0}`, '+inf', 'LIMIT', 0, limit)) as string[];
    return members.map(toAuditEntry);
  }
}
