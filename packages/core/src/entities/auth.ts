/**
 * Users, permissions, API tokens and the audit log of the server's authentication layer
 * (`orrery server --app-name basic-auth`). The permission model is MLflow's basic-auth app's:
 * a user has one permission per experiment and per registered model, or the server's default.
 */

/** MLflow's four permissions, weakest last. */
export type Permission = 'READ' | 'EDIT' | 'MANAGE' | 'NO_PERMISSIONS';

export const PERMISSIONS: readonly Permission[] = ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'];

/** A user of the server. `passwordHash` is the encoded KDF output, never the password. */
export interface AuthUser {
  /** Assigned by the store, unique, never reused for another user of the same store. */
  id: number;
  username: string;
  passwordHash: string;
  isAdmin: boolean;
}

/** A user's permission on one experiment. */
export interface ExperimentPermission {
  experimentId: string;
  userId: number;
  permission: Permission;
}

/** A user's permission on one registered model. */
export interface RegisteredModelPermission {
  name: string;
  userId: number;
  permission: Permission;
}

/**
 * An API token (sent as `Authorization: Bearer <token>`). The store keeps a hash of the secret,
 * never the secret itself; the secret is shown once, when the token is created.
 */
export interface ApiToken {
  /** Public identifier, part of the token string; unique. */
  id: string;
  userId: number;
  /** A label its owner chose, e.g. `ci`. */
  name: string;
  /** SHA-256 of the secret part, hex. */
  secretHash: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Milliseconds since the epoch; absent: never expires. */
  expiresAt?: number;
  /** Set when revoked; a revoked token never authenticates again. */
  revokedAt?: number;
}

/** One line of the audit log: a write or a permission change, who did it, and how it ended. */
export interface AuditEntry {
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Who asked; absent when the request carried no valid credentials. */
  username?: string;
  /** What was done: the route (`POST /api/2.0/mlflow/runs/create`) or an admin action (`cli users create`). */
  action: string;
  /** What it was done to, e.g. `experiment:12`, `user:alice`, `registered_model:rm1`. */
  resource?: string;
  /** The HTTP status it was answered with (0 for CLI actions that succeeded). */
  status: number;
  /** The client's address. */
  remoteAddress?: string;
}

/** An audit entry as stored: with the store's sequence number. */
export interface StoredAuditEntry extends AuditEntry {
  /** Increases with every entry appended to one store. */
  seq: number;
}
