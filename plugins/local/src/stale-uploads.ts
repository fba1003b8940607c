/**
 * Temporary upload files (`.orrery-upload-*.tmp`) left behind by a process that died mid-upload
 * (kill -9, power loss): a failed upload in a live process removes its own, but a dead one cannot.
 *
 * Each temporary name records its writer: a tag of its machine (host name and PID namespace, so
 * two containers sharing a folder are told apart) and its process id. A temporary file is stale,
 * and may be removed, when:
 * - its writer ran on this machine and is no longer a live process: at once, whatever its age
 *   (a dead process writes nothing more; a reused process id only keeps the file longer);
 * - its writer cannot be checked (another machine sharing the folder, or a name from before names
 *   carried a writer): when it has not been modified for `staleAfterMs` (default one hour), as an
 *   upload in flight writes into it all the time.
 * So an upload of a live process on this machine is never removed, however slow.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '@orrery/core';

/** Uploads in progress are written next to their destination under this prefix. */
export const UPLOAD_TEMP_PREFIX = '.orrery-upload-';
/** Temporary files untouched this long (and whose writer is gone) are removed: one hour. */
export const DEFAULT_STALE_UPLOAD_MS = 60 * 60 * 1000;

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

const HOST_TAG = createHash('sha256').update(`${hostname()}\0${pidNamespace()}`).digest('hex').slice(0, 8);
const TEMP_NAME = /^\.orrery-upload-([0-9a-f]{8})-(\d+)-[0-9a-f-]{36}\.tmp$/;

/** A fresh temporary name for an upload written by this process. */
export function uploadTempName(): string {
  return `${UPLOAD_TEMP_PREFIX}${HOST_TAG}-${process.pid}-${randomUUID()}.tmp`;
}

/** Whether a directory entry is an upload's temporary file (listings never show them). */
export function isUploadTempName(name: string): boolean {
  return name.startsWith(UPLOAD_TEMP_PREFIX);
}


/** Whether the temporary file `name`, last modified at `mtimeMs`, is stale at `now` (see the module comment). */
export function isStaleUpload(name: string, mtimeMs: number, staleAfterMs: number, now: number = Date.now()): boolean {
  if (!isUploadTempName(name)) return false;
  const match = TEMP_NAME.exec(name);
  if (match !== null && match[1] === HOST_TAG) return !isProcessAlive(Number(match[2]));
  return now - mtimeMs >= staleAfterMs;
}

/** Removes `file` (named `name`) when it is a stale upload; returns whether it did. */
export async function removeIfStaleUpload(file: string, name: string, staleAfterMs: number): Promise<boolean> {
  let stats;
  try {
    stats = await fs.lstat(file);
  } catch {
    return false;
  }
  if (!stats.isFile() || !isStaleUpload(name, stats.mtimeMs, staleAfterMs)) return false;
  await fs.rm(file, { force: true });
  return true;
}

/**
 * Removes every stale upload below `dir` (not following symbolic links); returns how many. A
 * folder that vanishes or cannot be read during the walk is skipped.
 */
export async function sweepStaleUploads(dir: string, staleAfterMs: number): Promise<number> {
  let removed = 0;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile() && isUploadTempName(entry.name) && (await removeIfStaleUpload(full, entry.name, staleAfterMs))) removed += 1;
    }
  }
  return removed;
}
