/**
 * Temporary upload files (`.orrery-upload-*.tmp`) left behind by a process that died mid-upload
 * (kill -9, power loss): a failed upload in a live process removes its own, but a dead one cannot.
 *
 * Each temporary name records the machine (a hash of its host name) and the process id of its
 * writer. A temporary file is stale, and may be removed, when both hold:
 * - it has not been modified for `staleAfterMs` (default one hour): an upload in flight writes
 *   into it all the time;
 * - its writer is not a live process on this machine. A writer on another machine (a shared
 *   folder) or a name from before names carried a writer is judged by its age alone.
 * So an upload of a live process on this machine is never removed, however slow.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

/** Uploads in progress are written next to their destination under this prefix. */
export const UPLOAD_TEMP_PREFIX = '.orrery-upload-';
/** Temporary files untouched this long (and whose writer is gone) are removed: one hour. */
export const DEFAULT_STALE_UPLOAD_MS = 60 * 60 * 1000;

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMP_NAME = /^\.orrery-upload-([0-9a-f]{8})-(\d+)-[0-9a-f-]{36}\.tmp$/;

/** A fresh temporary name for an upload written by this process. */
export function uploadTempName(): string {
  return `${UPLOAD_TEMP_PREFIX}${HOST_TAG}-${process.pid}-${randomUUID()}.tmp`;
}

/** Whether a directory entry is an upload's temporary file (listings never show them). */
export function isUploadTempName(name: string): boolean {
  return name.startsWith(UPLOAD_TEMP_PREFIX);
}

function isLiveProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the temporary file `name`, last modified at `mtimeMs`, is stale at `now` (see the module comment). */
export function isStaleUpload(name: string, mtimeMs: number, staleAfterMs: number, now: number = Date.now()): boolean {
  if (!isUploadTempName(name) || now - mtimeMs < staleAfterMs) return false;
  const match = TEMP_NAME.exec(name);
  if (match !== null && match[1] === HOST_TAG && isLiveProcess(Number(match[2]))) return false;
  return true;
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
