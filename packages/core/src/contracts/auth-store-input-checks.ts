/**
 * Input checks every auth store applies the same way, in front of its backend
 * (`withAuthStoreInputChecks`, applied by the store openers of the SQL and Redis plugins):
 * permissions are one of MLflow's four (`validatePermission`, as MLflow's store checks them), and
 * text is what every backend can hold.
 *
 * Text: PostgreSQL text cannot contain a NUL character (U+0000), while
 * SQLite and Redis can; without a rule here a NUL in a login name would be a 500 on one backend and
 * a lookup on the others. The rule, applied in front of every store by `withAuthStoreInputChecks`:
 *
 * - names (usernames, experiment ids, model names, token ids and labels) with a NUL are refused on
 *   write with INVALID_PARAMETER_VALUE, and are simply not found on read (no such row can exist);
 * - login-failure keys and audit entries are records of what clients sent, so a NUL in them is kept
 *   as U+FFFD rather than refused: a failed login or an audited request is never lost to it.
 */
import type { ApiToken, AuditEntry, AuthUser, ExperimentPermission, Permission, RegisteredModelPermission, StoredAuditEntry } from '../entities/auth.js';
import { errors } from '../errors/orrery-error.js';
import type { AuthStore, CreateApiTokenInput, ListAuditInput } from './auth-store.js';
import { validatePermission } from '../validation/auth-validation.js';
import { authStoreErrors } from './auth-store-errors.js';

const NUL = '\u0000';

/** Whether every auth store can hold this name. */
export function isPortableAuthText(value: string): boolean {
  return !value.includes(NUL);
}

function requirePortable(field: string, value: string): void {
  if (!isPortableAuthText(value)) {
    throw errors.invalidParameter(`Invalid ${field} ${JSON.stringify(value)}: it must not contain a NUL character (\\u0000).`);
  }
}

/**
 * Times, windows and sequence numbers are integers every backend stores exactly (a fraction or NaN
 * would be a driver error on PostgreSQL and a silently different number elsewhere).
 */
function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw errors.invalidParameter(`Invalid ${field} ${String(value)}: it must be an integer of at least ${min}.`);
  }
}

function requireWindow(now: number, windowMs: number): void {
  requireInteger('login-failure time', now, 0);
  requireInteger('login-failure window', windowMs, 1);
}

/** `value` with each NUL replaced by U+FFFD. */
export function replaceNul(value: string): string {
  return value.replaceAll(NUL, '\uFFFD');
}

function portableAuditEntry(entry: AuditEntry): AuditEntry {
  return {
    ...entry,
    action: replaceNul(entry.action),
    ...(entry.username !== undefined ? { username: replaceNul(entry.username) } : {}),
    ...(entry.resource !== undefined ? { resource: replaceNul(entry.resource) } : {}),
    ...(entry.remoteAddress !== undefined ? { remoteAddress: replaceNul(entry.remoteAddress) } : {}),
  };
}

/**
 * Wraps a store so it checks its input as above whatever its backend; the store openers of the
 * SQL and Redis plugins return their stores wrapped.
 */
export function withAuthStoreInputChecks(store: AuthStore): AuthStore {
  return new CheckedAuthStore(store);
}

/** Every method is async, so a refusal is a rejection like any other store error. */
class CheckedAuthStore implements AuthStore {
  constructor(private readonly inner: AuthStore) {}

  async createUser(username: string, passwordHash: string, isAdmin: boolean): Promise<AuthUser> {
    requirePortable('username', username);
    return this.inner.createUser(username, passwordHash, isAdmin);
  }
  async findUser(username: string): Promise<AuthUser | undefined> {
    return isPortableAuthText(username) ? this.inner.findUser(username) : undefined;
  }
  async findUserById(id: number): Promise<AuthUser | undefined> {
    return this.inner.findUserById(id);
  }
  async listUsers(): Promise<AuthUser[]> {
    return this.inner.listUsers();
  }
  async updatePassword(username: string, passwordHash: string): Promise<void> {
    if (!isPortableAuthText(username)) throw authStoreErrors.userNotFound(username);
    return this.inner.updatePassword(username, passwordHash);
  }
  async updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    if (!isPortableAuthText(username)) throw authStoreErrors.userNotFound(username);
    return this.inner.updateAdmin(username, isAdmin);
  }
  async deleteUser(username: string): Promise<void> {
    if (!isPortableAuthText(username)) throw authStoreErrors.userNotFound(username);
    return this.inner.deleteUser(username);
  }

  async createExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission> {
    validatePermission(permission);
    requirePortable('experiment_id', experimentId);
    if (!isPortableAuthText(username)) throw authStoreErrors.userNotFound(username);
    return this.inner.createExperimentPermission(experimentId, username, permission);
  }
  async findExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission | undefined> {
    return isPortableAuthText(experimentId) && isPortableAuthText(username) ? this.inner.findExperimentPermission(experimentId, username) : undefined;
  }
  async listExperimentPermissions(username: string): Promise<ExperimentPermission[]> {
    return isPortableAuthText(username) ? this.inner.listExperimentPermissions(username) : [];
  }
  async updateExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission> {
    validatePermission(permission);
    this.requireExistingPair(experimentId, username, authStoreErrors.experimentPermissionNotFound);
    return this.inner.updateExperimentPermission(experimentId, username, permission);
  }
  async deleteExperimentPermission(experimentId: string, username: string): Promise<void> {
    this.requireExistingPair(experimentId, username, authStoreErrors.experimentPermissionNotFound);
    return this.inner.deleteExperimentPermission(experimentId, username);
  }

  async createRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission> {
    validatePermission(permission);
    requirePortable('name', name);
    if (!isPortableAuthText(username)) throw authStoreErrors.userNotFound(username);
    return this.inner.createRegisteredModelPermission(name, username, permission);
  }
  async findRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission | undefined> {
    return isPortableAuthText(name) && isPortableAuthText(username) ? this.inner.findRegisteredModelPermission(name, username) : undefined;
  }
  async listRegisteredModelPermissions(username: string): Promise<RegisteredModelPermission[]> {
    return isPortableAuthText(username) ? this.inner.listRegisteredModelPermissions(username) : [];
  }
  async updateRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission> {
    validatePermission(permission);
    this.requireExistingPair(name, username, authStoreErrors.registeredModelPermissionNotFound);
    return this.inner.updateRegisteredModelPermission(name, username, permission);
  }
  async deleteRegisteredModelPermission(name: string, username: string): Promise<void> {
    this.requireExistingPair(name, username, authStoreErrors.registeredModelPermissionNotFound);
    return this.inner.deleteRegisteredModelPermission(name, username);
  }
  async renameRegisteredModelPermissions(oldName: string, newName: string): Promise<void> {
    requirePortable('new_name', newName);
    if (isPortableAuthText(oldName)) await this.inner.renameRegisteredModelPermissions(oldName, newName);
  }
  async deleteRegisteredModelPermissions(name: string): Promise<void> {
    if (isPortableAuthText(name)) await this.inner.deleteRegisteredModelPermissions(name);
  }

  /** A row named with a NUL cannot exist: the unknown user, or else the missing row. */
  private requireExistingPair(resource: string, username: string, missing: (resource: string, username: string) => Error): void {
    if (!isPortableAuthText(username)) throw authStoreErrors.userNotFound(username);
    if (!isPortableAuthText(resource)) throw missing(resource, username);
  }

  async createApiToken(input: CreateApiTokenInput): Promise<ApiToken> {
    requirePortable('token id', input.id);
    requirePortable('token name', input.name);
    requireInteger('token createdAt', input.createdAt, 0);
    if (input.expiresAt !== undefined) requireInteger('token expiresAt', input.expiresAt, 0);
    return this.inner.createApiToken(input);
  }
  async findApiToken(id: string): Promise<ApiToken | undefined> {
    return isPortableAuthText(id) ? this.inner.findApiToken(id) : undefined;
  }
  async listApiTokens(userId: number): Promise<ApiToken[]> {
    return this.inner.listApiTokens(userId);
  }
  async revokeApiToken(id: string, at: number): Promise<void> {
    requireInteger('revocation time', at, 0);
    if (!isPortableAuthText(id)) throw authStoreErrors.tokenNotFound(id);
    return this.inner.revokeApiToken(id, at);
  }

  async recordLoginFailure(key: string, now: number, windowMs: number): Promise<number> {
    requireWindow(now, windowMs);
    return this.inner.recordLoginFailure(replaceNul(key), now, windowMs);
  }
  async countLoginFailures(key: string, now: number, windowMs: number): Promise<number> {
    requireWindow(now, windowMs);
    return this.inner.countLoginFailures(replaceNul(key), now, windowMs);
  }
  async clearLoginFailures(key: string): Promise<void> {
    return this.inner.clearLoginFailures(replaceNul(key));
  }

  async appendAudit(entry: AuditEntry): Promise<StoredAuditEntry> {
    requireInteger('audit timestamp', entry.timestamp, 0);
    requireInteger('audit status', entry.status, 0);
    return this.inner.appendAudit(portableAuditEntry(entry));
  }
  async listAudit(input: ListAuditInput = {}): Promise<StoredAuditEntry[]> {
    if (input.afterSeq !== undefined) requireInteger('afterSeq', input.afterSeq, 0);
    return this.inner.listAudit(input.username !== undefined ? { ...input, username: replaceNul(input.username) } : input);
  }

  async close(): Promise<void> {
    return this.inner.close();
  }
}
