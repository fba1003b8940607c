/**
 * Page tokens: a store's paging state (an offset, or the sort values of the last row for keyset
 * paging) as URL-safe base64 of JSON. The format marker lets `decodePageToken` tell our tokens
 * from anything else a client sends, and leaves room for a second format later.
 */
import { errors } from '../errors/orrery-error.js';

const FORMAT_MARKER = 'orrery.page.v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Longest token quoted back in an error message. */
const MAX_SHOWN = 64;

interface TokenEnvelope {
  format: typeof FORMAT_MARKER;
  state: Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Encodes `state` (a JSON-serialisable object) as an opaque token. A state JSON cannot carry
 * (a cycle, a BigInt) is a bug in the calling store, reported as INTERNAL_ERROR.
 */
export function encodeToken(state: Record<string, unknown>): string {
  if (!isPlainObject(state)) throw errors.internal('Page token state must be a plain object.');
  let json: string;
  try {
    json = JSON.stringify({ format: FORMAT_MARKER, state } satisfies TokenEnvelope);
  } catch (cause) {
    throw errors.internal('Page token state is not JSON-serialisable.', cause);
  }
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Decodes a token made by `encodeToken`; anything else is INVALID_PARAMETER_VALUE. */
export function decodeToken(token: unknown): Record<string, unknown> {
  if (typeof token !== 'string') {
    throw errors.invalidParameter(`Invalid page token: expected a string, got ${typeof token}.`);
  }
  const shown = token.length > MAX_SHOWN ? `${token.slice(0, MAX_SHOWN)}...` : token;
  const invalid = (reason: string) => errors.invalidParameter(`Invalid page token '${shown}': ${reason}.`);

  if (!BASE64URL.test(token)) throw invalid('not URL-safe base64');
  const bytes = Buffer.from(token, 'base64url');
  // Node's decoder skips stray trailing characters; re-encoding catches truncated or edited tokens.
  if (bytes.toString('base64url') !== token) throw invalid('not canonical base64 (truncated or altered)');

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('its content is not JSON');
  }
  if (!isPlainObject(parsed) || parsed.format !== FORMAT_MARKER || !isPlainObject(parsed.state)) {
    throw invalid('not a token issued by this server');
  }
  return parsed.state;
}
