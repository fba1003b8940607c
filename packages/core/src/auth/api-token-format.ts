/**
 * API token strings: `orr_<id>_<secret>`. The id (16 hex characters) is public and names the
 * stored token; the secret (43 base64url characters, 256 random bits) is shown once and only its
 * SHA-256 is stored. The `orr_` prefix makes leaked tokens easy to find with secret scanners.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'orr_';
const TOKEN_PATTERN = /^orr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiTokenParts {
  id: string;
  secret: string;
}

/** A fresh token: its id, its secret and the string a client sends. */
export function generateApiToken(): ApiTokenParts & { token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${API_TOKEN_PREFIX}${id}_${secret}` };
}

/** The id and secret of a token string, or undefined when it is not one. */
export function parseApiToken(token: string): ApiTokenParts | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match === null ? undefined : { id: match[1]!, secret: match[2]! };
}

/** SHA-256 of a secret, hex: what the store keeps. (A KDF is not needed: the secret is random.) */
export function hashApiTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` hashes to `secretHash`, compared in constant time. */
export function apiTokenSecretMatches(secret: string, secretHash: string): boolean {
  const actual = Buffer.from(hashApiTokenSecret(secret), 'hex');
  const expected = Buffer.from(secretHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
