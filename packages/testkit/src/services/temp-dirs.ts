import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** A directory made for one test; `cleanup` removes it and everything inside. */
export interface TempDir {
  path: string;
  cleanup(): Promise<void>;
}

/** Makes a fresh directory under the OS temp dir. The caller removes it with `cleanup`. */
export async function tempDir(prefix = 'orrery-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Runs `fn` with a fresh directory and removes the directory afterwards, whatever `fn` did. */
export async function withTempDir<T>(fn: (path: string) => Promise<T>, prefix?: string): Promise<T> {
  const dir = await tempDir(prefix);
  try {
    return await fn(dir.path);
  } finally {
    await dir.cleanup();
  }
}

/**
 * For use at the top of a `describe` (or file): returns a function that makes temp dirs, each
 * removed after the test that made it.
 */
export function tempDirsPerTest(prefix?: string): () => Promise<string> {
  const made: TempDir[] = [];
  afterEach(async () => {
    const current = made.splice(0);
    await Promise.all(current.map((dir) => dir.cleanup()));
  });
  return async () => {
    const dir = await tempDir(prefix);
    made.push(dir);
    return dir.path;
  };
}
