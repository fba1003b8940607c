/**
 * The rules of the server's authentication layer, over any AuthStore: who a request comes from
 * (HTTP Basic or an API token, with login-failure limits counted in the store so they hold across
 * processes), what each user may do (MLflow's permissions, the default for resources without a
 * row, admins everything), users, permission rows, API tokens and the audit log. The HTTP layer
 * and the `orrery users` CLI both use it; stores only persist.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { AuthStore, ListAuditInput } from '../contracts/auth-store.js';
import type {
  ApiToken,
  AuditEntry,
  AuthUser,
  ExperimentPermission,
  Permission,
  RegisteredModelPermission,
  StoredAuditEntry,
} from '../entities/auth.js';
import { OrreryError, isOrreryError } from '../errors/orrery-error.js';
import { DEFAULT_AUTH_CONFIG, type AuthConfig } from './auth-config.js';
import { apiTokenSecretMatches, generateApiToken, hashApiTokenSecret, parseApiToken } from './api-token-format.js';
import { DEFAULT_SCRYPT_COST, hashPassword, spendVerificationTime, verifyPassword, type ScryptCost } from './password-hash.js';
import { parsePermission, permissionAllows, validatePassword, validateUsername, type Access } from './permission-rules.js';

/** Who a request comes from. */
export interface Principal {
  user: AuthUser;
  /** Set when the request authenticated with an API token. */
  tokenId?: string;
}

/** What the service knows about the client, for per-address limits. */
export interface ClientInfo {
  remoteAddress?: string;
}

/** A user with their permission rows (MLflow's `users/get` answer). */
export interface UserDetails {
  user: AuthUser;
  experimentPermissions: ExperimentPermission[];
  registeredModelPermissions: RegisteredModelPermission[];
}

/** A token just created: the string to hand to the client (shown once) and what is stored. */
export interface CreatedApiToken {
  token: string;
  info: ApiToken;
}

/** REQUEST_LIMIT_EXCEEDED for too many failed logins, with when to try again. */
export class LoginRateLimitedError extends OrreryError {
  constructor(
    message: string,
    /** Seconds the client should wait (the server sends it as `Retry-After`). */
    readonly retryAfterSeconds: number,
  ) {
    super('REQUEST_LIMIT_EXCEEDED', message);
  }
}

export type AuthServiceConfig = Pick<
  AuthConfig,
  'defaultPermission' | 'loginMaxFailuresPerUser' | 'loginMaxFailuresPerAddress' | 'loginFailureWindowSeconds' | 'tokenDefaultLifetimeDays' | 'tokenMaxLifetimeDays'
>;

export interface AuthServiceOptions {
  store: AuthStore;
  /** Default permission, login limits and token lifetimes; default MLflow's and Orrery's defaults. */
  config?: Partial<AuthServiceConfig>;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Cost of new password hashes (existing hashes carry their own). */
  scryptCost?: ScryptCost;
}

const UNAUTHENTICATED_HINT =
  'Send HTTP Basic credentials (MLflow clients: MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) ' +
  'or an API token as "Authorization: Bearer orr_..." (MLFLOW_TRACKING_TOKEN).';
const DAY_MS = 86_400_000;
/** Verified (username, password, hash) facts kept per process; see `verifiedCache`. */
const VERIFIED_CACHE_SIZE = 10_000;

function unauthenticated(message: string): OrreryError {
  return new OrreryError('UNAUTHENTICATED', `${message} ${UNAUTHENTICATED_HINT}`);
}

/**
 * Usage (the server and an admin CLI alike):
 *
 * ```ts
 * const config = readAuthConfig();                          // MLFLOW_AUTH_CONFIG_PATH or MLflow's defaults
 * const store = await registry.openAuthStore(config.databaseUri);
 * const auth = new AuthService({ store, config });
 * await auth.createUser('alice', 'pw');
 * await auth.audit({ username: 'root', action: 'cli users create', resource: 'user:alice', status: 0 });
 * ```
 */
export class AuthService {
  /** The store it persists to (the caller opened it and closes it). */
  readonly store: AuthStore;
  readonly config: Readonly<AuthServiceConfig>;
  private readonly now: () => number;
  private readonly scryptCost: ScryptCost;
  /**
   * HMAC(processKey, username, password) → the encoded hash it was verified against. "This
   * password matches this hash" never goes stale, and the user is still read from the store on
   * every request, so a changed password, a deleted user or a new admin flag take effect at once;
   * the cache only saves the ~37 ms of scrypt that every Basic-authenticated request would pay.
   */
  private readonly verifiedCache = new Map<string, string>();
  private readonly cacheKey = randomBytes(32);

  constructor(options: AuthServiceOptions) {
    this.store = options.store;
    this.config = { ...pickServiceConfig(DEFAULT_AUTH_CONFIG), ...options.config };
    this.now = options.now ?? Date.now;
    this.scryptCost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
  }

  // ---- authentication ----

  /**
   * The principal of a request from its `Authorization` header. Throws UNAUTHENTICATED when it is
   * missing, malformed or wrong, and LoginRateLimitedError (429) once the username or the client
   * address has too many recent failures, even when the credentials are right (otherwise the
   * answer would tell a guesser which password is right).
   */
  async authenticate(authorization: string | undefined, client: ClientInfo = {}): Promise<Principal> {
    if (authorization === undefined || authorization.trim() === '') throw unauthenticated('You are not authenticated.');
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw unauthenticated('Malformed Basic credentials: expected base64 of "username:password".');
      return this.authenticatePassword(decoded.slice(0, colon), decoded.slice(colon + 1), client);
    }
    if (scheme === 'bearer') return this.authenticateToken(value, client);
    throw unauthenticated(`Unsupported authorization scheme "${scheme.slice(0, 20)}".`);
  }

  /** Checks a username and password (see `authenticate`). */
  async authenticatePassword(username: string, password: string, client: ClientInfo = {}): Promise<Principal> {
    const userKey = `user:${username}`;
    const [userFailures, , user] = await Promise.all([
      this.failuresOf(userKey, this.config.loginMaxFailuresPerUser),
      this.failuresOf(addressKey(client), this.config.loginMaxFailuresPerAddress),
      this.store.findUser(username),
    ]);
    let matches = false;
    if (user === undefined) await spendVerificationTime(password);
    else matches = await this.passwordMatches(username, password, user.passwordHash);
    if (!matches) {
      await this.recordFailure(client, userKey);
      throw unauthenticated('Invalid username or password.');
    }
    if (userFailures > 0) await this.store.clearLoginFailures(userKey);
    return { user: user! };
  }

  /** Checks an API token string (see `authenticate`). */
  async authenticateToken(token: string, client: ClientInfo = {}): Promise<Principal> {
    await this.failuresOf(addressKey(client), this.config.loginMaxFailuresPerAddress);
    const parts = parseApiToken(token);
    const stored = parts === undefined ? undefined : await this.store.findApiToken(parts.id);
    if (parts === undefined || stored === undefined || !apiTokenSecretMatches(parts.secret, stored.secretHash)) {
      await this.recordFailure(client);
      throw unauthenticated('Invalid API token.');
    }
    // The secret was right: saying why the token no longer works helps its owner and tells nobody else anything.
    if (stored.revokedAt !== undefined) throw unauthenticated(`The API token ${stored.id} was revoked.`);
    if (stored.expiresAt !== undefined && stored.expiresAt <= this.now()) {
      throw unauthenticated(`The API token ${stored.id} expired at ${new Date(stored.expiresAt).toISOString()}.`);
    }
    const user = await this.store.findUserById(stored.userId);
    if (user === undefined) throw unauthenticated('Invalid API token.');
    return { user, tokenId: stored.id };
  }

  private async passwordMatches(username: string, password: string, passwordHash: string): Promise<boolean> {
    const key = createHmac('sha256', this.cacheKey).update(username).update('\0').update(password).digest('base64');
    if (this.verifiedCache.get(key) === passwordHash) return true;
    const matches = await verifyPassword(password, passwordHash);
    if (matches) {
      if (this.verifiedCache.size >= VERIFIED_CACHE_SIZE) this.verifiedCache.delete(this.verifiedCache.keys().next().value!);
      this.verifiedCache.set(key, passwordHash);
    }
    return matches;
  }

  /** The failures of `key` in the window; throws 429 once they reach `limit` (0: no limit). */
  private async failuresOf(key: string | undefined, limit: number): Promise<number> {
    if (key === undefined || limit <= 0) return 0;
    const windowMs = this.config.loginFailureWindowSeconds * 1000;
    const failures = await this.store.countLoginFailures(key, this.now(), windowMs);
    if (failures >= limit) {
      const what = key.startsWith('user:') ? 'this username' : 'this client address';
      throw new LoginRateLimitedError(
        `Too many failed logins for ${what}: ${failures} in the last ${this.config.loginFailureWindowSeconds} s (the limit is ${limit}). ` +
          `Try again in ${this.config.loginFailureWindowSeconds} s.`,
        this.config.loginFailureWindowSeconds,
      );
    }
    return failures;
  }

  private async recordFailure(client: ClientInfo, userKey?: string): Promise<void> {
    const windowMs = this.config.loginFailureWindowSeconds * 1000;
    const now = this.now();
    const address = addressKey(client);
    await Promise.all([
      address !== undefined && this.config.loginMaxFailuresPerAddress > 0 ? this.store.recordLoginFailure(address, now, windowMs) : undefined,
      userKey !== undefined && this.config.loginMaxFailuresPerUser > 0 ? this.store.recordLoginFailure(userKey, now, windowMs) : undefined,
    ]);
  }

  // ---- users ----

  /** Creates a user (validated name and password, hashed). */
  async createUser(username: string, password: string, options: { isAdmin?: boolean } = {}): Promise<AuthUser> {
    validateUsername(username);
    validatePassword(password);
    return this.store.createUser(username, await hashPassword(password, this.scryptCost), options.isAdmin ?? false);
  }

  /**
   * Creates the configured admin when no user of that name exists (several workers may race to:
   * the one that loses finds it created). Returns whether it was created here.
   */
  async ensureAdmin(username: string, password: string): Promise<boolean> {
    if ((await this.store.findUser(username)) !== undefined) return false;
    try {
      await this.createUser(username, password, { isAdmin: true });
      return true;
    } catch (error) {
      if (isOrreryError(error) && error.code === 'RESOURCE_ALREADY_EXISTS') return false;
      throw error;
    }
  }

  /** The user, or RESOURCE_DOES_NOT_EXIST worded as MLflow's. */
  async requireUser(username: string): Promise<AuthUser> {
    const user = await this.store.findUser(username);
    if (user === undefined) throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `User with username=${username} not found`);
    return user;
  }

  /** The user with their permission rows. */
  async getUser(username: string): Promise<UserDetails> {
    const user = await this.requireUser(username);
    const [experimentPermissions, registeredModelPermissions] = await Promise.all([
      this.store.listExperimentPermissions(username),
      this.store.listRegisteredModelPermissions(username),
    ]);
    return { user, experimentPermissions, registeredModelPermissions };
  }

  /** Every user, ordered by username (with password hashes: never send them to a client). */
  listUsers(): Promise<AuthUser[]> {
    return this.store.listUsers();
  }

  /** Sets a new password (validated, hashed); RESOURCE_DOES_NOT_EXIST for an unknown user. */
  async updatePassword(username: string, password: string): Promise<void> {
    validatePassword(password);
    await this.requireUser(username);
    await this.store.updatePassword(username, await hashPassword(password, this.scryptCost));
  }

  /** Makes the user an admin or not; RESOURCE_DOES_NOT_EXIST for an unknown user. */
  updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    return this.store.updateAdmin(username, isAdmin);
  }

  /** Deletes the user with their permission rows and tokens. */
  deleteUser(username: string): Promise<void> {
    return this.store.deleteUser(username);
  }

  // ---- permissions ----

  /** The user's permission on an experiment: their row, else the default. */
  async experimentPermission(user: AuthUser, experimentId: string): Promise<Permission> {
    return (await this.store.findExperimentPermission(experimentId, user.username))?.permission ?? this.config.defaultPermission;
  }

  /** The user's permission on a registered model: their row, else the default. */
  async registeredModelPermission(user: AuthUser, name: string): Promise<Permission> {
    return (await this.store.findRegisteredModelPermission(name, user.username))?.permission ?? this.config.defaultPermission;
  }

  /** Whether the user may do `access` to the experiment (admins may do anything). */
  async canAccessExperiment(user: AuthUser, experimentId: string, access: Access): Promise<boolean> {
    return user.isAdmin || permissionAllows(await this.experimentPermission(user, experimentId), access);
  }

  /** Whether the user may do `access` to the registered model (admins may do anything). */
  async canAccessRegisteredModel(user: AuthUser, name: string, access: Access): Promise<boolean> {
    return user.isAdmin || permissionAllows(await this.registeredModelPermission(user, name), access);
  }

  /** A test of which experiments the user may read, from one read of their rows (for filtering searches). */
  async readableExperiments(user: AuthUser): Promise<(experimentId: string) => boolean> {
    if (user.isAdmin) return () => true;
    const rows = new Map((await this.store.listExperimentPermissions(user.username)).map((row) => [row.experimentId, row.permission]));
    return (id) => permissionAllows(rows.get(id) ?? this.config.defaultPermission, 'read');
  }

  /** A test of which registered models the user may read (for filtering searches). */
  async readableRegisteredModels(user: AuthUser): Promise<(name: string) => boolean> {
    if (user.isAdmin) return () => true;
    const rows = new Map((await this.store.listRegisteredModelPermissions(user.username)).map((row) => [row.name, row.permission]));
    return (name) => permissionAllows(rows.get(name) ?? this.config.defaultPermission, 'read');
  }

  /**
   * Stores a user's row on an experiment (the experiment need not exist, as in MLflow).
   * INVALID_PARAMETER_VALUE for a permission that is not one of the four (MLflow's message),
   * RESOURCE_DOES_NOT_EXIST for an unknown user, RESOURCE_ALREADY_EXISTS for an existing row.
   */
  createExperimentPermission(experimentId: string, username: string, permission: unknown): Promise<ExperimentPermission> {
    return this.store.createExperimentPermission(experimentId, username, parsePermission(permission));
  }

  /** The user's row on an experiment; RESOURCE_DOES_NOT_EXIST (MLflow's message) when there is none, or no such user. */
  async getExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission> {
    await this.requireUser(username);
    const row = await this.store.findExperimentPermission(experimentId, username);
    if (row === undefined) {
      throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `Experiment permission with experiment_id=${experimentId} and username=${username} not found`);
    }
    return row;
  }

  /** Changes an existing row; RESOURCE_DOES_NOT_EXIST when there is none. */
  updateExperimentPermission(experimentId: string, username: string, permission: unknown): Promise<ExperimentPermission> {
    return this.store.updateExperimentPermission(experimentId, username, parsePermission(permission));
  }

  /** Removes an existing row (the default permission applies again); RESOURCE_DOES_NOT_EXIST when there is none. */
  deleteExperimentPermission(experimentId: string, username: string): Promise<void> {
    return this.store.deleteExperimentPermission(experimentId, username);
  }

  /** As `createExperimentPermission`, for the registered model named `name`. */
  createRegisteredModelPermission(name: string, username: string, permission: unknown): Promise<RegisteredModelPermission> {
    return this.store.createRegisteredModelPermission(name, username, parsePermission(permission));
  }

  /** As `getExperimentPermission`, for a registered model. */
  async getRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission> {
    await this.requireUser(username);
    const row = await this.store.findRegisteredModelPermission(name, username);
    if (row === undefined) {
      throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `Registered model permission with name=${name} and username=${username} not found`);
    }
    return row;
  }

  /** As `updateExperimentPermission`, for a registered model. */
  updateRegisteredModelPermission(name: string, username: string, permission: unknown): Promise<RegisteredModelPermission> {
    return this.store.updateRegisteredModelPermission(name, username, parsePermission(permission));
  }

  /** As `deleteExperimentPermission`, for a registered model. */
  deleteRegisteredModelPermission(name: string, username: string): Promise<void> {
    return this.store.deleteRegisteredModelPermission(name, username);
  }

  /** Gives the creator of an experiment MANAGE on it (replacing a stale row, if any). */
  async grantExperimentCreator(experimentId: string, username: string): Promise<void> {
    try {
      await this.store.createExperimentPermission(experimentId, username, 'MANAGE');
    } catch (error) {
      if (!isOrreryError(error) || error.code !== 'RESOURCE_ALREADY_EXISTS') throw error;
      await this.store.updateExperimentPermission(experimentId, username, 'MANAGE');
    }
  }

  /** Gives the creator of a registered model MANAGE on it (replacing a stale row, if any). */
  async grantRegisteredModelCreator(name: string, username: string): Promise<void> {
    try {
      await this.store.createRegisteredModelPermission(name, username, 'MANAGE');
    } catch (error) {
      if (!isOrreryError(error) || error.code !== 'RESOURCE_ALREADY_EXISTS') throw error;
      await this.store.updateRegisteredModelPermission(name, username, 'MANAGE');
    }
  }

  /** After a rename: every user's rows follow the model to its new name. */
  registeredModelRenamed(oldName: string, newName: string): Promise<void> {
    return this.store.renameRegisteredModelPermissions(oldName, newName);
  }

  /**
   * After a delete: every user's rows go (MLflow removes only the caller's; the others would then
   * apply to a new model created later under the same name).
   */
  registeredModelDeleted(name: string): Promise<void> {
    return this.store.deleteRegisteredModelPermissions(name);
  }

  // ---- API tokens ----

  /**
   * Creates an API token for `username`. `lifetimeDays` defaults to `token_default_lifetime_days`
   * and may not exceed `token_max_lifetime_days` (0 there: no limit, and 0 here: no expiry).
   */
  async createApiToken(username: string, options: { name?: string; lifetimeDays?: number } = {}): Promise<CreatedApiToken> {
    const user = await this.requireUser(username);
    const name = options.name ?? '';
    if (name.length > 255) throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid token name: it has ${name.length} characters; at most 255 are allowed.`);
    const lifetimeDays = options.lifetimeDays ?? this.config.tokenDefaultLifetimeDays;
    const max = this.config.tokenMaxLifetimeDays;
    if (!Number.isInteger(lifetimeDays) || lifetimeDays < 0 || (max > 0 && (lifetimeDays === 0 || lifetimeDays > max))) {
      throw new OrreryError(
        'INVALID_PARAMETER_VALUE',
        `Invalid lifetime_days ${lifetimeDays}: it must be a whole number ${max > 0 ? `from 1 to ${max}` : '(0 for no expiry)'}.`,
      );
    }
    const { id, secret, token } = generateApiToken();
    const createdAt = this.now();
    const info = await this.store.createApiToken({
      id,
      userId: user.id,
      name,
      secretHash: hashApiTokenSecret(secret),
      createdAt,
      ...(lifetimeDays > 0 ? { expiresAt: createdAt + lifetimeDays * DAY_MS } : {}),
    });
    return { token, info };
  }

  /** The user's tokens (without secrets), newest first. */
  async listApiTokens(username: string): Promise<ApiToken[]> {
    return this.store.listApiTokens((await this.requireUser(username)).id);
  }

  /**
   * Revokes a token. A user may revoke their own tokens, an admin anyone's; a token of someone
   * else is answered as unknown, so ids cannot be probed.
   */
  async revokeApiToken(id: string, by: AuthUser): Promise<void> {
    const token = await this.store.findApiToken(id);
    if (token === undefined || (!by.isAdmin && token.userId !== by.id)) {
      throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `API token with id=${id} not found`);
    }
    await this.store.revokeApiToken(id, this.now());
  }

  // ---- audit ----

  /** Appends an audit entry (callers never put passwords or tokens in it). */
  audit(entry: Omit<AuditEntry, 'timestamp'> & { timestamp?: number }): Promise<StoredAuditEntry> {
    return this.store.appendAudit({ ...entry, timestamp: entry.timestamp ?? this.now() });
  }

  /** Reads the audit log, oldest first (see ListAuditInput for paging). */
  listAudit(input?: ListAuditInput): Promise<StoredAuditEntry[]> {
    return this.store.listAudit(input);
  }
}

function addressKey(client: ClientInfo): string | undefined {
  return client.remoteAddress === undefined || client.remoteAddress === '' ? undefined : `addr:${client.remoteAddress}`;
}

function pickServiceConfig(config: AuthConfig): AuthServiceConfig {
  return {
    defaultPermission: config.defaultPermission,
    loginMaxFailuresPerUser: config.loginMaxFailuresPerUser,
    loginMaxFailuresPerAddress: config.loginMaxFailuresPerAddress,
    loginFailureWindowSeconds: config.loginFailureWindowSeconds,
    tokenDefaultLifetimeDays: config.tokenDefaultLifetimeDays,
    tokenMaxLifetimeDays: config.tokenMaxLifetimeDays,
  };
}
