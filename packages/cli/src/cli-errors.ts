import { isOrreryError } from '@orrery/core';

/** A mistake in how the command was called (bad option value, missing argument): exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Ends the command with `status` and no message of its own: `orrery run` exits with its child's
 * code, after the child (and MLflow's `=== ... ===` line) has said what went wrong.
 */
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit status ${status}`);
    this.name = 'ExitStatus';
  }
}

/** Exit status for a failure: 2 for usage errors, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? 2 : 1;
}

/** The one line printed for a failure: `orrery: <message>`, newlines folded so it stays one line. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error || isOrreryError(error) ? (error as Error).message : String(error);
  return `orrery: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}
