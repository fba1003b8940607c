import { errors } from '../errors/orrery-error.js';

/**
 * The NUL character (U+0000) is refused in every string a client sends, on every backend.
 *
 * PostgreSQL's text types cannot hold it at all (it fails the statement), SQLite's C API treats
 * it as the end of a string in places, and a name or value that differs from what is shown only by
 * an invisible character is a trap for users. One rule for every backend: INVALID_PARAMETER_VALUE
 * naming the field, before anything is read or written.
 */

const NUL = '\u0000';

function refusal(subject: string): Error {
  return errors.invalidParameter(
    `Invalid value for ${subject}: it contains a NUL character (\\u0000), which is not allowed in any text field. Remove it.`,
  );
}

/**
 * Throws INVALID_PARAMETER_VALUE naming `field` when `value` is a string holding a NUL character.
 * `of` names what the field belongs to, for fields that repeat (`value` of `param 'lr'`).
 */
export function validateNoNulCharacter(field: string, value: unknown, of?: string): void {
  if (typeof value === 'string' && value.includes(NUL)) throw refusal(of === undefined ? `parameter '${field}'` : `'${field}' of ${of}`);
}

/**
 * The path (`tags[0].value`, `experiment_ids[1]`) of the first string inside `value` (objects and
 * arrays, walked depth-first) that holds a NUL character, or undefined when there is none. Object
 * keys count too: a key with a NUL is reported under its parent's path.
 */
export function findNulCharacter(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? path || '(value)' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findNulCharacter(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key.includes(NUL)) return path || '(field name)';
      const found = findNulCharacter(inner, path === '' ? key : `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Throws INVALID_PARAMETER_VALUE naming the first field of a request (a parsed JSON body or query
 * string) whose text holds a NUL character. For servers and clients that take whole requests.
 */
export function validateRequestWithoutNul(fields: unknown): void {
  const field = findNulCharacter(fields);
  if (field !== undefined) throw refusal(`parameter '${field}'`);
}
