/**
 * Password hashing with scrypt (node:crypto, a memory-hard KDF maintained with Node itself).
 *
 * Encoded form, self-describing so the cost can be raised later without breaking stored hashes:
 * `scrypt$N=16384,r=8,p=1$<salt, base64>$<hash, base64>`. The default cost takes about 37 ms and
 * 16 MiB per hash on the 2-core machine the tests run on (measured with `scryptSync`, 5 rounds).
 * Hashing runs on libuv's thread pool (async `scrypt`), so it never blocks the event loop.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { OrreryError } from '../errors/orrery-error.js';

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** ~37 ms and 16 MiB per hash on the test machine. */
export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = { N: 16_384, r: 8, p: 1 };

const ALGORITHM = 'scrypt';
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Refuse encoded hashes whose parameters would make one verification a denial of service. */
const MAX_N = 1 << 20;

function scryptAsync(password: string, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node refuses more than `maxmem` (32 MiB by default).
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt; returns the encoded string to store. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, cost, HASH_BYTES);
  return `${ALGORITHM}$N=${cost.N},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface DecodedHash {
  cost: ScryptCost;
  salt: Buffer;
  hash: Buffer;
}

function decode(encoded: string): DecodedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 4 || parts[0] !== ALGORITHM) return undefined;
  const params = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(parts[1]!);
  if (params === null) return undefined;
  const [N, r, p] = [Number(params[1]), Number(params[2]), Number(params[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[2]!, 'base64');
  const hash = Buffer.from(parts[3]!, 'base64');
  if (salt.length === 0 || hash.length === 0) return undefined;
  return { cost: { N, r, p }, salt, hash };
}

/**
 * Whether `password` matches an encoded hash made by `hashPassword`, compared in constant time.
 * Throws INTERNAL_ERROR for a string that is not such a hash (a corrupt store, not a wrong password).
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const decoded = decode(encoded);
  if (decoded === undefined) throw new OrreryError('INTERNAL_ERROR', 'A stored password hash is not in the scrypt$N=..,r=..,p=..$salt$hash form.');
  const actual = await scryptAsync(password, decoded.salt, decoded.cost, decoded.hash.length);
  return timingSafeEqual(actual, decoded.hash);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification without a stored hash, so that an unknown username answers
 * as slowly as a wrong password and response times do not tell which usernames exist.
 */
export async function spendVerificationTime(password: string): Promise<void> {
  dummyHash ??= hashPassword('orrery-dummy-password');
  await verifyPassword(password, await dummyHash);
}
