/**
 * What each of MLflow's four permissions allows, and the checks on names the auth layer accepts.
 * READ reads; EDIT reads and updates; MANAGE also deletes and grants permissions to others;
 * NO_PERMISSIONS allows nothing.
 */
import { PERMISSIONS, type Permission } from '../entities/auth.js';
import { OrreryError } from '../errors/orrery-error.js';
import { validatePermission } from '../validation/auth-validation.js';

/** What a request needs to do to a resource. */
export type Access = 'read' | 'update' | 'delete' | 'manage';

const ALLOWED: Readonly<Record<Permission, ReadonlySet<Access>>> = {
  READ: new Set(['read']),
  EDIT: new Set(['read', 'update']),
  MANAGE: new Set(['read', 'update', 'delete', 'manage']),
  NO_PERMISSIONS: new Set(),
};

/** Whether `permission` allows `access`. */
export function permissionAllows(permission: Permission, access: Access): boolean {
  return ALLOWED[permission].has(access);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** `value` as a Permission, or INVALID_PARAMETER_VALUE worded as MLflow's (the stores' own check). */
export function parsePermission(value: unknown): Permission {
  validatePermission(value);
  return value;
}

export const MAX_USERNAME_LENGTH = 255;
/** Longer passwords are refused so that a request cannot make the server hash megabytes. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * A username must be non-empty (as MLflow), at most 255 characters, without control characters
 * and without `:`, which HTTP Basic credentials use to separate the username from the password.
 */
export function validateUsername(username: string): void {
  if (username === '') throw new OrreryError('INVALID_PARAMETER_VALUE', 'Username cannot be empty.');
  if (username.length > MAX_USERNAME_LENGTH) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid username: it has ${username.length} characters; at most ${MAX_USERNAME_LENGTH} are allowed.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f:]/.test(username)) {
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      `Invalid username ${JSON.stringify(username)}: it must not contain ':' (HTTP Basic credentials separate the username with it) or control characters.`,
    );
  }
}

/** A password must be non-empty and at most 1024 characters. */
export function validatePassword(password: string): void {
  if (password === '') throw new OrreryError('INVALID_PARAMETER_VALUE', 'Password cannot be empty.');
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid password: it has ${password.length} characters; at most ${MAX_PASSWORD_LENGTH} are allowed.`);
  }
}
