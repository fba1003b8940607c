/** A refused API call: MLflow's error code and message as the server sent them, and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server wants credentials (basic-auth app) or refused the ones given. */
  get unauthenticated(): boolean {
    return this.status === 401;
  }
}
