import type {
  ApiToken,
  AuditEntry,
  AuthUser,
  ExperimentPermission,
  Permission,
  RegisteredModelPermission,
  StoredAuditEntry,
} from '../entities/auth.js';

export interface CreateApiTokenInput {
  id: string;
  userId: number;
  name: string;
  secretHash: string;
  createdAt: number;
  expiresAt?: number;
}

export interface ListAuditInput {
  /**
   * Only entries with `seq` greater than this (for paging forward). Appends are not serialised
   * across processes (that would cap every audited write), so on PostgreSQL an entry appended at
   * the same moment may commit just after one with a higher `seq`: a reader following the log
   * while it is written should re-read a short margin behind its last `seq`.
   */
  afterSeq?: number;
  /** Only entries of this user. */
  username?: string;
  /** At most this many, oldest first: an integer from 1 to 10000 (AUDIT_MAX_RESULTS); default 1000. */
  maxResults?: number;
}

/**
 * Where the server's authentication layer keeps users, permissions, API tokens, login-failure
 * counts and the audit log (MLflow's basic-auth `database_uri`). It only persists: password
 * hashing, permission rules and who may do what live in core's auth service.
 *
 * Errors: RESOURCE_DOES_NOT_EXIST for an unknown user, permission row or token (messages as
 * MLflow's: `User with username=bob not found`, `Experiment permission with experiment_id=1 and
 * username=bob not found`, `Registered model permission with name=rm1 and username=bob not
 * found`); RESOURCE_ALREADY_EXISTS for a taken username (`User (username=alice) already exists.`)
 * or a permission row that exists (`Experiment permission (experiment_id=1, username=bob) already
 * exists.`, `Registered model permission (name=rm1, username=bob) already exists.`). Messages
 * never contain SQL, hashes or driver text. Every write is atomic; concurrent writers (several
 * server processes on one database) never lose an update or double-create. After `close()`
 * every method rejects with INVALID_STATE.
 */
export interface AuthStore {
  /** Creates a user; the store assigns the id. */
  createUser(username: string, passwordHash: string, isAdmin: boolean): Promise<AuthUser>;
  /** The user named `username`, or undefined. */
  findUser(username: string): Promise<AuthUser | undefined>;
  /** The user with this id, or undefined. */
  findUserById(id: number): Promise<AuthUser | undefined>;
  /** Every user, ordered by username (code-point order, see `compareCodePoints`). */
  listUsers(): Promise<AuthUser[]>;
  /** Replaces the password hash. Throws RESOURCE_DOES_NOT_EXIST for an unknown user. */
  updatePassword(username: string, passwordHash: string): Promise<void>;
  /** Sets or clears the admin flag. Throws RESOURCE_DOES_NOT_EXIST for an unknown user. */
  updateAdmin(username: string, isAdmin: boolean): Promise<void>;
  /**
   * Deletes the user with every permission row and API token of theirs (one transaction).
   * Throws RESOURCE_DOES_NOT_EXIST for an unknown user.
   */
  deleteUser(username: string): Promise<void>;

  /** Stores a permission row. Throws RESOURCE_DOES_NOT_EXIST for an unknown user, RESOURCE_ALREADY_EXISTS for an existing row. */
  createExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission>;
  /** The row, or undefined (also for an unknown user). */
  findExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission | undefined>;
  /** Every experiment permission row of the user, ordered by experiment id (see `compareExperimentIds`); empty for an unknown user. */
  listExperimentPermissions(username: string): Promise<ExperimentPermission[]>;
  /** Changes an existing row. Throws RESOURCE_DOES_NOT_EXIST when there is none. */
  updateExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission>;
  /** Removes an existing row. Throws RESOURCE_DOES_NOT_EXIST when there is none. */
  deleteExperimentPermission(experimentId: string, username: string): Promise<void>;

  /** As for experiments, keyed by registered-model name. */
  createRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission>;
  findRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission | undefined>;
  /** Every registered-model permission row of the user, ordered by name (code-point order); empty for an unknown user. */
  listRegisteredModelPermissions(username: string): Promise<RegisteredModelPermission[]>;
  updateRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission>;
  deleteRegisteredModelPermission(name: string, username: string): Promise<void>;
  /**
   * Moves every user's rows of a registered model to its new name (after a rename), in one
   * transaction; no-op when there are none. Rows already under the new name are leftovers of an
   * earlier model of that name (the registry refuses renaming onto an existing model) and are
   * replaced.
   */
  renameRegisteredModelPermissions(oldName: string, newName: string): Promise<void>;
  /** Removes every user's rows of a registered model (after it is deleted); no-op when there are none. */
  deleteRegisteredModelPermissions(name: string): Promise<void>;

  /** Stores a token. Throws RESOURCE_DOES_NOT_EXIST for an unknown user id, RESOURCE_ALREADY_EXISTS for a taken id. */
  createApiToken(input: CreateApiTokenInput): Promise<ApiToken>;
  /** The token with this id (revoked and expired ones included), or undefined. */
  findApiToken(id: string): Promise<ApiToken | undefined>;
  /** The user's tokens, revoked and expired included, newest first (see `compareTokensNewestFirst`). */
  listApiTokens(userId: number): Promise<ApiToken[]>;
  /**
   * Marks the token revoked at `at` (keeps the first time when revoked twice). Throws
   * RESOURCE_DOES_NOT_EXIST for an unknown id.
   */
  revokeApiToken(id: string, at: number): Promise<void>;

  /**
   * Records one failed login for `key` (e.g. a username or a client address) at `now` and returns
   * how many failures `key` has in `(now - windowMs, now]`, this one included. Shared by every
   * process on the store, so a limit holds across `--workers` and servers. Failures older than the
   * window may be forgotten (use one window per key).
   */
  recordLoginFailure(key: string, now: number, windowMs: number): Promise<number>;
  /** How many failures `key` has in `(now - windowMs, now]`. */
  countLoginFailures(key: string, now: number, windowMs: number): Promise<number>;
  /** Forgets `key`'s failures (after a successful login). */
  clearLoginFailures(key: string): Promise<void>;

  /** Appends an entry to the audit log; returns it with its sequence number. */
  appendAudit(entry: AuditEntry): Promise<StoredAuditEntry>;
  /** Reads the audit log, oldest first. Throws INVALID_PARAMETER_VALUE for a `maxResults` out of range. */
  listAudit(input?: ListAuditInput): Promise<StoredAuditEntry[]>;

  /** Closes connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
