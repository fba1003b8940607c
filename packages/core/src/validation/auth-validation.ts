import { PERMISSIONS, type Permission } from '../entities/auth.js';
import { errors } from '../errors/orrery-error.js';

/** One of MLflow's four permissions; INVALID_PARAMETER_VALUE with MLflow's message otherwise. */
export function validatePermission(permission: unknown): asserts permission is Permission {
  if (typeof permission !== 'string' || !(PERMISSIONS as readonly string[]).includes(permission)) {
    const allowed = `(${PERMISSIONS.map((p) => `'${p}'`).join(', ')})`;
    throw errors.invalidParameter(`Invalid permission '${String(permission)}'. Valid permissions are: ${allowed}`);
  }
}
