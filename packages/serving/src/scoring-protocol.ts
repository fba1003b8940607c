/**
 * One `POST /invocations` as MLflow's scoring server answers it: the content type checked, the body
 * parsed, the model's failures turned into MLflow's `{error_code, message}` bodies and statuses.
 */
import { isOrreryError, OrreryError } from '@orrery/core';
import { describeInput, type ModelInput, type Schema } from '@orrery/models';
import { parseCsvScoringRequest, parseJsonScoringRequest, SCORING_PROTOCOL_CHANGE_INFO, type ScoringRequest } from './scoring-input.js';

/** An HTTP answer computed off the event loop: status, content type and the body text. */
export interface ScoringResponse {
  status: number;
  contentType: string;
  body: string;
}

export const JSON_TYPE = 'application/json';

/** MLflow's `{error_code, message}` body for an error (no stack trace: it names server files). */
export function errorResponse(error: unknown): ScoringResponse {
  if (isOrreryError(error)) {
    return { status: error.httpStatus, contentType: JSON_TYPE, body: JSON.stringify({ error_code: error.code, message: error.message }) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, contentType: JSON_TYPE, body: JSON.stringify({ error_code: 'INTERNAL_ERROR', message }) };
}

/**
 * The content types MLflow accepts. MLflow answers an unsupported one with 415 and a text/plain
 * body; Orrery keeps the 415 and writes the same message as `{error_code, message}` JSON, which
 * clients that only look at the status cannot tell apart. A request without a Content-Type (a 500
 * HTML page from MLflow) gets the same 415.
 */
export function checkContentType(header: string | undefined): 'json' | 'csv' | ScoringResponse {
  const unsupported = (message: string): ScoringResponse => ({
    status: 415,
    contentType: JSON_TYPE,
    body: JSON.stringify({ error_code: 'BAD_REQUEST', message }),
  });
  if (header === undefined || header.trim() === '') {
    return unsupported("This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'None'.");
  }
  const parts = header.split(';').map((p) => p.trim());
  const mime = parts[0]!.toLowerCase();
  const parameters = new Map<string, string>();
  for (const pair of parts.slice(1)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    parameters.set((eq < 0 ? pair : pair.slice(0, eq)).toLowerCase(), eq < 0 ? '' : pair.slice(eq + 1).replace(/^"|"$/g, ''));
  }
  if ((parameters.get('charset') ?? 'utf-8').toLowerCase() !== 'utf-8') return unsupported('The scoring server only supports UTF-8');
  const unknown = [...parameters.keys()].filter((k) => k !== 'charset');
  if (unknown.length > 0) return unsupported(`Unrecognized content type parameters: ${unknown.join(', ')}. ${SCORING_PROTOCOL_CHANGE_INFO}`);
  if (mime === 'application/json') return 'json';
  if (mime === 'text/csv') return 'csv';
  return unsupported(`This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '${header}'.`);
}

/** Parses an /invocations body of a checked content type. */
export function parseInvocation(format: 'json' | 'csv', body: string, schema: Schema | undefined, cast = true): ScoringRequest {
  return format === 'json' ? parseJsonScoringRequest(body, { schema, cast }) : parseCsvScoringRequest(body, { schema, cast });
}

/** The input as MLflow prints it in "Failed to predict data '…'" (pandas' text for an empty frame). */
function describeData(input: ModelInput): string {
  if (input.kind === 'dataframe' && input.frame.rows.length === 0) return `Empty DataFrame\nColumns: [${input.frame.columns.join(', ')}]\nIndex: []`;
  return describeInput(input);
}

/** The error MLflow answers when predict fails: the model's own error with the data prepended, else a 400. */
export function predictFailure(error: unknown, input: ModelInput): OrreryError {
  if (isOrreryError(error)) {
    if (error.code === 'INTERNAL_ERROR' || error.code === 'NOT_IMPLEMENTED') return error;
    return new OrreryError(error.code, `Failed to predict data '${describeData(input)}'. \nError: ${error.message}`);
  }
  return new OrreryError(
    'BAD_REQUEST',
    'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference.',
  );
}
