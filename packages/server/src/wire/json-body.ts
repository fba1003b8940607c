import { OrreryError } from '@orrery/core';

const MAX_SHOWN_REASON = 200;

/**
 * Parses a JSON request body into an object. An empty body is `{}` (MLflow's clients send none for
 * some calls); a body that is a JSON string is decoded a second time, because old MLflow clients
 * double-encode; anything else that is not an object is refused.
 */
export function parseJsonBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value = parseOrRefuse(text);
  if (typeof value === 'string') value = parseOrRefuse(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      `Malformed request body: expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}.`,
    );
  }
  return value as Record<string, unknown>;
}

function parseOrRefuse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      `Malformed JSON in request body: ${(error as Error).message.slice(0, MAX_SHOWN_REASON)}`,
    );
  }
}
