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
import { auditPageSize, authStoreErrors, compareExperimentIds, errors, isOrreryError } from '@orrery/core';
import type { SqlExecutor } from '../sql-executor.js';
import type { SqlFragment } from '../sql-fragment.js';
import { emptySql, sql } from '../sql-fragment.js';
import { migrateAuthSchema } from './auth-migrations.js';

/** First key of the PostgreSQL advisory lock that serialises login-failure counts of one key ("auth" as an int32). */
export const LOGIN_FAILURE_LOCK_KEY = 0x61757468;

interface UserRow {
  id: number | string;
  username: string;
  password_hash: string;
  is_admin: number | string;
}

interface TokenRow {
  id: string;
  user_id: number | string;
  name: string;
  secret_hash: string;
  created_at: number | string;
  expires_at: number | string | null;
  revoked_at: number | string | null;
}

interface AuditRow {
  seq: number | string;
  timestamp: number | string;
  username: string | null;
  action: string;
  resource: string | null;
  status: number | string;
  remote_address: string | null;
}

function toUser(row: UserRow): AuthUser {
  return { id: Number(row.id), username: row.username, passwordHash: row.password_hash, isAdmin: Number(row.is_admin) === 1 };
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    userId: Number(row.user_id),
    name: row.name,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    ...(row.expires_at !== null ? { expiresAt: Number(row.expires_at) } : {}),
    ...(row.revoked_at !== null ? { revokedAt: Number(row.revoked_at) } : {}),
  };
}

function toAuditEntry(row: AuditRow): StoredAuditEntry {
  return {
    seq: Number(row.seq),
    timestamp: Number(row.timestamp),
    action: row.action,
    status: Number(row.status),
    ...(row.username !== null ? { username: row.username } : {}),
    ...(row.resource !== null ? { resource: row.resource } : {}),
    ...(row.remote_address !== null ? { remoteAddress: row.remote_address } : {}),
  };
}

/**
 * The two kinds of permission rows differ only in their table and resource column, and in
 * MLflow's wording; one set of queries serves both.
 */
interface PermissionTable {
  select: (userId: number, resource: string) => SqlFragment;
  selectAll: (userId: number) => SqlFragment;
  insert: (userId: number, resource: string, permission: Permission) => SqlFragment;
  update: (userId: number, resource: string, permission: Permission) => SqlFragment;
  remove: (userId: number, resource: string) => SqlFragment;
  notFound: (resource: string, username: string) => Error;
  alreadyExists: (resource: string, username: string) => Error;
}

const EXPERIMENT_PERMISSIONS: PermissionTable = {
  select: (userId, id) => sql`SELECT experiment_id AS resource, permission FROM auth_experiment_permissions WHERE user_id = ${userId} AND experiment_id = ${id}`,
  selectAll: (userId) => sql`SELECT experiment_id AS resource, permission FROM auth_experiment_permissions WHERE user_id = ${userId}`,
  insert: (userId, id, p) => sql`INSERT INTO auth_experiment_permissions (user_id, experiment_id, permission) VALUES (${userId}, ${id}, ${p})`,
  update: (userId, id, p) => sql`UPDATE auth_experiment_permissions SET permission = ${p} WHERE user_id = ${userId} AND experiment_id = ${id}`,
  remove: (userId, id) => sql`DELETE FROM auth_experiment_permissions WHERE user_id = ${userId} AND experiment_id = ${id}`,
  notFound: authStoreErrors.experimentPermissionNotFound,
  alreadyExists: authStoreErrors.experimentPermissionExists,
};

const REGISTERED_MODEL_PERMISSIONS: PermissionTable = {
  select: (userId, name) => sql`SELECT name AS resource, permission FROM auth_registered_model_permissions WHERE user_id = ${userId} AND name = ${name}`,
  selectAll: (userId) => sql`SELECT name AS resource, permission FROM auth_registered_model_permissions WHERE user_id = ${userId} ORDER BY name`,
  insert: (userId, name, p) => sql`INSERT INTO auth_registered_model_permissions (user_id, name, permission) VALUES (${userId}, ${name}, ${p})`,
  update: (userId, name, p) => sql`UPDATE auth_registered_model_permissions SET permission = ${p} WHERE user_id = ${userId} AND name = ${name}`,
  remove: (userId, name) => sql`DELETE FROM auth_registered_model_permissions WHERE user_id = ${userId} AND name = ${name}`,
  notFound: authStoreErrors.registeredModelPermissionNotFound,
  alreadyExists: authStoreErrors.registeredModelPermissionExists,
};

interface PermissionRow {
  resource: string;
  permission: string;
}

/**
 * The AuthStore on any SQL database the shared layer speaks (SQLite, PostgreSQL), in its own
 * `auth_*` tables with their own migrations (see auth-migrations.ts). Each write is one statement
 * or one transaction that first looks up the user it names, so a rejected call writes nothing.
 * Unique violations from concurrent writers (two processes creating one user) become
 * RESOURCE_ALREADY_EXISTS with MLflow's wording; no driver text reaches a message.
 */
export class SqlAuthStore implements AuthStore {
  private readonly executor: SqlExecutor;
  private closed = false;

  constructor(executor: SqlExecutor) {
    this.executor = executor;
  }

  /** Migrates the auth schema and returns the store; takes ownership of the executor. */
  static async open(executor: SqlExecutor): Promise<SqlAuthStore> {
    await migrateAuthSchema(executor);
    return new SqlAuthStore(executor);
  }

  /** The executor, refused once the store is closed (so a closed store fails the same way on every dialect). */
  private get db(): SqlExecutor {
    if (this.closed) throw authStoreErrors.closed();
    return this.executor;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.executor.close();
  }

  /** Runs a write, turning a unique violation into `onDuplicate`. */
  private async unique<T>(write: () => Promise<T>, onDuplicate: () => Error): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!isOrreryError(error) && this.executor.isUniqueViolation(error)) throw onDuplicate();
      throw error;
    }
  }

  // ---- users ----

  async createUser(username: string, passwordHash: string, isAdmin: boolean): Promise<AuthUser> {
    const db = this.db;
    const row = await this.unique(
      () =>
        db.get<UserRow>(
          sql`INSERT INTO auth_users (username, password_hash, is_admin) VALUES (${username}, ${passwordHash}, ${isAdmin ? 1 : 0})
              RETURNING id, username, password_hash, is_admin`,
        ),
      () => authStoreErrors.userExists(username),
    );
    if (!row) throw errors.internal('Creating a user returned no row.');
    return toUser(row);
  }

  async findUser(username: string): Promise<AuthUser | undefined> {
    const row = await this.db.get<UserRow>(sql`SELECT id, username, password_hash, is_admin FROM auth_users WHERE username = ${username}`);
    return row ? toUser(row) : undefined;
  }

  async findUserById(id: number): Promise<AuthUser | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = await this.db.get<UserRow>(sql`SELECT id, username, password_hash, is_admin FROM auth_users WHERE id = ${id}`);
    return row ? toUser(row) : undefined;
  }

  async listUsers(): Promise<AuthUser[]> {
    const rows = await this.db.all<UserRow>(sql`SELECT id, username, password_hash, is_admin FROM auth_users ORDER BY username`);
    return rows.map(toUser);
  }

  async updatePassword(username: string, passwordHash: string): Promise<void> {
    const { changes } = await this.db.run(sql`UPDATE auth_users SET password_hash = ${passwordHash} WHERE username = ${username}`);
    if (changes === 0) throw authStoreErrors.userNotFound(username);
  }

  async updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    const { changes } = await this.db.run(sql`UPDATE auth_users SET is_admin = ${isAdmin ? 1 : 0} WHERE username = ${username}`);
    if (changes === 0) throw authStoreErrors.userNotFound(username);
  }

  async deleteUser(username: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const userId = await lockUserId(tx, username, 'delete');
      await tx.run(sql`DELETE FROM auth_experiment_permissions WHERE user_id = ${userId}`);
      await tx.run(sql`DELETE FROM auth_registered_model_permissions WHERE user_id = ${userId}`);
      await tx.run(sql`DELETE FROM auth_api_tokens WHERE user_id = ${userId}`);
      await tx.run(sql`DELETE FROM auth_users WHERE id = ${userId}`);
    });
  }

  // ---- permissions ----

  async createExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission> {
    const userId = await this.createPermission(EXPERIMENT_PERMISSIONS, experimentId, username, permission);
    return { experimentId, userId, permission };
  }

  async findExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission | undefined> {
    const found = await this.findPermission(EXPERIMENT_PERMISSIONS, experimentId, username);
    return found && { experimentId, userId: found.userId, permission: found.permission };
  }

  async listExperimentPermissions(username: string): Promise<ExperimentPermission[]> {
    const { userId, rows } = await this.listPermissions(EXPERIMENT_PERMISSIONS, username);
    return rows
      .map((r) => ({ experimentId: r.resource, userId, permission: r.permission as Permission }))
      .sort((a, b) => compareExperimentIds(a.experimentId, b.experimentId));
  }

  async updateExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission> {
    const userId = await this.updatePermission(EXPERIMENT_PERMISSIONS, experimentId, username, permission);
    return { experimentId, userId, permission };
  }

  async deleteExperimentPermission(experimentId: string, username: string): Promise<void> {
    await this.deletePermission(EXPERIMENT_PERMISSIONS, experimentId, username);
  }

  async createRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission> {
    const userId = await this.createPermission(REGISTERED_MODEL_PERMISSIONS, name, username, permission);
    return { name, userId, permission };
  }

  async findRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission | undefined> {
    const found = await this.findPermission(REGISTERED_MODEL_PERMISSIONS, name, username);
    return found && { name, userId: found.userId, permission: found.permission };
  }

  async listRegisteredModelPermissions(username: string): Promise<RegisteredModelPermission[]> {
    const { userId, rows } = await this.listPermissions(REGISTERED_MODEL_PERMISSIONS, username);
    return rows.map((r) => ({ name: r.resource, userId, permission: r.permission as Permission }));
  }

  async updateRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission> {
    const userId = await this.updatePermission(REGISTERED_MODEL_PERMISSIONS, name, username, permission);
    return { name, userId, permission };
  }

  async deleteRegisteredModelPermission(name: string, username: string): Promise<void> {
    await this.deletePermission(REGISTERED_MODEL_PERMISSIONS, name, username);
  }

  async renameRegisteredModelPermissions(oldName: string, newName: string): Promise<void> {
    if (oldName === newName) return;
    await this.db.transaction(async (tx) => {
      // The new name was free (the registry refuses a rename onto an existing model), so rows
      // under it are leftovers of an earlier model of that name; the renamed model's rows win.
      await tx.run(sql`DELETE FROM auth_registered_model_permissions WHERE name = ${newName}`);
      await tx.run(sql`UPDATE auth_registered_model_permissions SET name = ${newName} WHERE name = ${oldName}`);
    });
  }

  async deleteRegisteredModelPermissions(name: string): Promise<void> {
    await this.db.run(sql`DELETE FROM auth_registered_model_permissions WHERE name = ${name}`);
  }

  private async createPermission(table: PermissionTable, resource: string, username: string, permission: Permission): Promise<number> {
    const db = this.db;
    return this.unique(
      () =>
        db.transaction(async (tx) => {
          const userId = await lockUserId(tx, username, 'share');
          await tx.run(table.insert(userId, resource, permission));
          return userId;
        }),
      () => table.alreadyExists(resource, username),
    );
  }

  private async findPermission(table: PermissionTable, resource: string, username: string): Promise<{ userId: number; permission: Permission } | undefined> {
    const userId = await findUserId(this.db, username);
    if (userId === undefined) return undefined;
    const row = await this.db.get<PermissionRow>(table.select(userId, resource));
    return row && { userId, permission: row.permission as Permission };
  }

  private async listPermissions(table: PermissionTable, username: string): Promise<{ userId: number; rows: PermissionRow[] }> {
    const userId = await findUserId(this.db, username);
    if (userId === undefined) return { userId: 0, rows: [] };
    return { userId, rows: await this.db.all<PermissionRow>(table.selectAll(userId)) };
  }

  private async updatePermission(table: PermissionTable, resource: string, username: string, permission: Permission): Promise<number> {
    return this.db.transaction(async (tx) => {
      const userId = await lockUserId(tx, username, 'share');
      const { changes } = await tx.run(table.update(userId, resource, permission));
      if (changes === 0) throw table.notFound(resource, username);
      return userId;
    });
  }

  private async deletePermission(table: PermissionTable, resource: string, username: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const userId = await lockUserId(tx, username, 'share');
      const { changes } = await tx.run(table.remove(userId, resource));
      if (changes === 0) throw table.notFound(resource, username);
    });
  }

  // ---- API tokens ----

  async createApiToken(input: CreateApiTokenInput): Promise<ApiToken> {
    const db = this.db;
    if (!Number.isSafeInteger(input.userId)) throw authStoreErrors.userIdNotFound(input.userId);
    await this.unique(
      () =>
        db.transaction(async (tx) => {
          const user = await tx.get(sql`SELECT id FROM auth_users WHERE id = ${input.userId}${userLockClause(tx, 'share')}`);
          if (!user) throw authStoreErrors.userIdNotFound(input.userId);
          await tx.run(
            sql`INSERT INTO auth_api_tokens (id, user_id, name, secret_hash, created_at, expires_at, revoked_at)
                VALUES (${input.id}, ${input.userId}, ${input.name}, ${input.secretHash}, ${input.createdAt}, ${input.expiresAt ?? null}, NULL)`,
          );
        }),
      () => authStoreErrors.tokenExists(input.id),
    );
    return {
      id: input.id,
      userId: input.userId,
      name: input.name,
      secretHash: input.secretHash,
      createdAt: input.createdAt,
      ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
    };
  }

  async findApiToken(id: string): Promise<ApiToken | undefined> {
    const row = await this.db.get<TokenRow>(sql`SELECT * FROM auth_api_tokens WHERE id = ${id}`);
    return row ? toToken(row) : undefined;
  }

  async listApiTokens(userId: number): Promise<ApiToken[]> {
    if (!Number.isSafeInteger(userId)) return [];
    const rows = await this.db.all<TokenRow>(sql`SELECT * FROM auth_api_tokens WHERE user_id = ${userId} ORDER BY created_at DESC, id`);
    return rows.map(toToken);
  }

  async revokeApiToken(id: string, at: number): Promise<void> {
    const { changes } = await this.db.run(sql`UPDATE auth_api_tokens SET revoked_at = COALESCE(revoked_at, ${at}) WHERE id = ${id}`);
    if (changes === 0) throw authStoreErrors.tokenNotFound(id);
  }

  // ---- login failures ----

  async recordLoginFailure(key: string, now: number, windowMs: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      // Concurrent failures of one key take turns, so each caller's count includes every failure
      // recorded before it (SQLite's write transactions are serial already).
      if (tx.dialect.transactionKeyLock) await tx.get(tx.dialect.transactionKeyLock(LOGIN_FAILURE_LOCK_KEY, key));
      await tx.run(sql`DELETE FROM auth_login_failures WHERE key = ${key} AND failed_at <= ${now - windowMs}`);
      await tx.run(sql`INSERT INTO auth_login_failures (key, failed_at) VALUES (${key}, ${now})`);
      return countFailures(tx, key, now, windowMs);
    });
  }

  async countLoginFailures(key: string, now: number, windowMs: number): Promise<number> {
    return countFailures(this.db, key, now, windowMs);
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.db.run(sql`DELETE FROM auth_login_failures WHERE key = ${key}`);
  }

  // ---- audit log ----

  async appendAudit(entry: AuditEntry): Promise<StoredAuditEntry> {
    const row = await this.db.get<{ seq: number | string }>(
      sql`INSERT INTO auth_audit_log (timestamp, username, action, resource, status, remote_address)
          VALUES (${entry.timestamp}, ${entry.username ?? null}, ${entry.action}, ${entry.resource ?? null}, ${entry.status}, ${entry.remoteAddress ?? null})
          RETURNING seq`,
    );
    if (!row) throw errors.internal('Appending to the audit log returned no sequence number.');
    return { ...entry, seq: Number(row.seq) };
  }

  async listAudit(input: ListAuditInput = {}): Promise<StoredAuditEntry[]> {
    const limit = auditPageSize(input.maxResults);
    const byUser = input.username !== undefined ? sql` AND username = ${input.username}` : emptySql;
    const rows = await this.db.all<AuditRow>(
      sql`SELECT * FROM auth_audit_log WHERE seq > ${input.afterSeq ?? 0}${byUser} ORDER BY seq LIMIT ${limit}`,
    );
    return rows.map(toAuditEntry);
  }
}

async function findUserId(db: SqlExecutor, username: string): Promise<number | undefined> {
  const row = await db.get<{ id: number | string }>(sql`SELECT id FROM auth_users WHERE username = ${username}`);
  return row ? Number(row.id) : undefined;
}

/**
 * How a write transaction holds the user it works on until it commits (PostgreSQL; SQLite's write
 * transactions are serial anyway). `deleteUser` takes the row exclusively and writers of a user's
 * rows share it, so a permission or token is never added between the delete of the user's rows and
 * the delete of the user: the writer waits, then finds no user.
 */
type UserLock = 'delete' | 'share';

function userLockClause(db: SqlExecutor, lock: UserLock): SqlFragment {
  return db.dialect.rowLockClause?.(lock === 'delete' ? 'exclusive' : 'shared') ?? emptySql;
}

/** The id of the user named `username`, held as `lock` says; RESOURCE_DOES_NOT_EXIST when there is none. */
async function lockUserId(tx: SqlExecutor, username: string, lock: UserLock): Promise<number> {
  const row = await tx.get<{ id: number | string }>(sql`SELECT id FROM auth_users WHERE username = ${username}${userLockClause(tx, lock)}`);
  if (!row) throw authStoreErrors.userNotFound(username);
  return Number(row.id);
}

async function countFailures(db: SqlExecutor, key: string, now: number, windowMs: number): Promise<number> {
  const row = await db.get<{ n: number | string }>(
    sql`SELECT COUNT(*) AS n FROM auth_login_failures WHERE key = ${key} AND failed_at > ${now - windowMs} AND failed_at <= ${now}`,
  );
  return Number(row?.n ?? 0);
}
