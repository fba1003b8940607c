import { type ErrorCode, httpStatusFor, isErrorCode } from './error-codes.js';

/**
 * Marks Orrery errors across copies of this package: a plugin may bring its own copy of
 * `@orrery/core`, so `instanceof` is not reliable; `isOrreryError` checks this brand instead.
 */
const BRAND = Symbol.for('orrery.error');

/**
 * The one error type of Orrery. Every contract throws it (or a subclass) for anything a caller
 * can act on; the server turns it into `{"error_code", "message"}` with `httpStatus`, and the
 * REST client rebuilds it from that response.
 */
export class OrreryError extends Error {
  readonly code: ErrorCode;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrreryError';
    this.code = code;
  }

  get httpStatus(): number {
    return httpStatusFor(this.code);
  }

  /** The MLflow wire form of this error. */
  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

export function isOrreryError(value: unknown): value is OrreryError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    isErrorCode((value as { code?: unknown }).code)
  );
}

/** Shorthands for the codes used most; each returns an OrreryError to `throw`. */
export const errors = {
  invalidParameter: (message: string) => new OrreryError('INVALID_PARAMETER_VALUE', message),
  notFound: (message: string) => new OrreryError('RESOURCE_DOES_NOT_EXIST', message),
  alreadyExists: (message: string) => new OrreryError('RESOURCE_ALREADY_EXISTS', message),
  invalidState: (message: string) => new OrreryError('INVALID_STATE', message),
  notImplemented: (message: string) => new OrreryError('NOT_IMPLEMENTED', message),
  unavailable: (message: string, cause?: unknown) =>
    new OrreryError('TEMPORARILY_UNAVAILABLE', message, { cause }),
  internal: (message: string, cause?: unknown) => new OrreryError('INTERNAL_ERROR', message, { cause }),
};
