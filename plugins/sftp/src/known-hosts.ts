import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * OpenSSH known_hosts files, read and matched here rather than by ssh2 (which only hands the
 * client the server's raw key): plain and hashed (`|1|salt|hash`) host fields, `[host]:port` for
 * ports other than 22, comma-separated patterns with `*`, `?` and `!` negation, and `@revoked`
 * markers. `@cert-authority` lines are ignored: host certificates are not supported.
 */

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  /** The host field as written (patterns, or a hashed `|1|...` value). */
  hosts: string;
  marker?: '@revoked' | '@cert-authority';
  keyType: string;
  /** The raw public key blob (the base64 field, decoded). */
  key: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

/** The outcome of checking a server's key against known_hosts. */
export type HostKeyVerdict =
  | { status: 'trusted' }
  | { status: 'unknown' }
  | { status: 'revoked'; line: number }
  /** The host is known with other keys; `sameType` says whether one of them has the offered key's type. */
  | { status: 'changed'; knownLines: number[]; sameType: boolean };

/** How a host appears in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  if (length > blob.length - 4 || length > 64) return 'unknown';
  return blob.subarray(4, 4 + length).toString('ascii');
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and unpadded base64 of its SHA-256. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Parses known_hosts text; malformed lines are skipped as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0];
      fields.shift();
    } else if (fields[0]?.startsWith('@')) {
      continue;
    }
    const [hosts, keyType, base64] = fields;
    if (hosts === undefined || keyType === undefined || base64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) continue;
    const key = Buffer.from(base64, 'base64');
    if (keyTypeOfBlob(key) !== keyType) continue;
    entries.push({ hosts, ...(marker ? { marker } : {}), keyType, key, line: index + 1 });
  }
  return entries;
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether a known_hosts host field names `name` (`host` or `[host]:port`). */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (wildcardToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

/** Checks a server's key blob against the entries for `host:port`. */
export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const forHost = entries.filter((entry) => entry.marker !== '@cert-authority' && hostFieldMatches(entry.hosts, name));
  const revoked = entries.find((entry) => entry.marker === '@revoked' && entry.key.equals(key));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = forHost.filter((entry) => entry.marker === undefined);
  if (plain.some((entry) => entry.key.equals(key))) return { status: 'trusted' };
  if (plain.length === 0) return { status: 'unknown' };
  const type = keyTypeOfBlob(key);
  return { status: 'changed', knownLines: plain.map((entry) => entry.line), sameType: plain.some((entry) => entry.keyType === type) };
}

/** The key types known_hosts holds for `host:port`, so the client can ask the server for one of them first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = entries
    .filter((entry) => entry.marker === undefined && hostFieldMatches(entry.hosts, name))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

/** Reads a known_hosts file; a missing file holds no entries. */
export async function readKnownHosts(path: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Appends `host:port`'s key to a known_hosts file (creating it and its directory), as `ssh` does on "yes". */
export async function appendKnownHost(path: string, host: string, port: number, key: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const existing = await readFile(path, 'utf8');
    if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const line = `${prefix}${knownHostsName(host, port)} ${keyTypeOfBlob(key)} ${key.toString('base64')}\n`;
  await appendFile(path, line, { mode: 0o600 });
}
