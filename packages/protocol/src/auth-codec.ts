/**
 * The basic-auth app's entities to and from their JSON (MLflow's `mlflow/server/auth` entities'
 * `to_json()`, and Orrery's token and audit messages). Unlike protobuf messages, MLflow's auth
 * answers always carry their lists, empty ones included; optional scalars are left out when unset.
 */
import type {
  ApiToken,
  AuthUser,
  ExperimentPermission,
  Permission,
  RegisteredModelPermission,
  StoredAuditEntry,
  UserDetails,
} from '@orrery/core';
import { messagesFromWire, type WireMessage } from './wire-values.js';

/** A user as the server shows it (never with a password hash), with their permission rows. */
export interface RemoteUser extends Omit<AuthUser, 'passwordHash'> {
  experimentPermissions: ExperimentPermission[];
  registeredModelPermissions: RegisteredModelPermission[];
}

/** An API token as listed (no secret), with its owner's name. */
export interface RemoteApiToken extends Omit<ApiToken, 'secretHash' | 'userId'> {
  username: string;
}

export function experimentPermissionToWire(row: ExperimentPermission): WireMessage {
  return { experiment_id: row.experimentId, user_id: row.userId, permission: row.permission };
}

export function experimentPermissionFromWire(wire: WireMessage): ExperimentPermission {
  return { experimentId: String(wire.experiment_id), userId: Number(wire.user_id), permission: wire.permission as Permission };
}

export function registeredModelPermissionToWire(row: RegisteredModelPermission): WireMessage {
  return { name: row.name, user_id: row.userId, permission: row.permission };
}

export function registeredModelPermissionFromWire(wire: WireMessage): RegisteredModelPermission {
  return { name: String(wire.name), userId: Number(wire.user_id), permission: wire.permission as Permission };
}

/** MLflow's `User.to_json()`: never the password hash. */
export function userToWire(details: UserDetails): WireMessage {
  return {
    id: details.user.id,
    username: details.user.username,
    is_admin: details.user.isAdmin,
    experiment_permissions: details.experimentPermissions.map(experimentPermissionToWire),
    registered_model_permissions: details.registeredModelPermissions.map(registeredModelPermissionToWire),
  };
}

export function userFromWire(wire: WireMessage): RemoteUser {
  return {
    id: Number(wire.id),
    username: String(wire.username),
    isAdmin: wire.is_admin === true,
    experimentPermissions: messagesFromWire(wire.experiment_permissions).map(experimentPermissionFromWire),
    registeredModelPermissions: messagesFromWire(wire.registered_model_permissions).map(registeredModelPermissionFromWire),
  };
}

/** An API token as listed: never its secret or its hash. */
export function apiTokenToWire(token: ApiToken, username: string): WireMessage {
  return {
    id: token.id,
    name: token.name,
    username,
    created_at: token.createdAt,
    ...(token.expiresAt !== undefined ? { expires_at: token.expiresAt } : {}),
    ...(token.revokedAt !== undefined ? { revoked_at: token.revokedAt } : {}),
  };
}

export function apiTokenFromWire(wire: WireMessage): RemoteApiToken {
  return {
    id: String(wire.id),
    name: String(wire.name ?? ''),
    username: String(wire.username),
    createdAt: Number(wire.created_at),
    ...(wire.expires_at !== undefined ? { expiresAt: Number(wire.expires_at) } : {}),
    ...(wire.revoked_at !== undefined ? { revokedAt: Number(wire.revoked_at) } : {}),
  };
}

export function auditEntryToWire(entry: StoredAuditEntry): WireMessage {
  return {
    seq: entry.seq,
    timestamp: entry.timestamp,
    ...(entry.username !== undefined ? { username: entry.username } : {}),
    action: entry.action,
    ...(entry.resource !== undefined ? { resource: entry.resource } : {}),
    status: entry.status,
    ...(entry.remoteAddress !== undefined ? { remote_address: entry.remoteAddress } : {}),
  };
}

export function auditEntryFromWire(wire: WireMessage): StoredAuditEntry {
  return {
    seq: Number(wire.seq),
    timestamp: Number(wire.timestamp),
    ...(wire.username !== undefined ? { username: String(wire.username) } : {}),
    action: String(wire.action),
    ...(wire.resource !== undefined ? { resource: String(wire.resource) } : {}),
    status: Number(wire.status),
    ...(wire.remote_address !== undefined ? { remoteAddress: String(wire.remote_address) } : {}),
  };
}
