import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The real path of `target`, which need not exist: its longest existing prefix resolved through
 * symbolic links, with the rest appended. Comparing real paths is how a location is known to stay
 * inside a directory even when a link inside the directory leads elsewhere.
 */
export async function realpathOfExistingPrefix(target: string): Promise<string> {
  const missing: string[] = [];
  let current = path.resolve(target);
  for (;;) {
    try {
      return path.join(await realpath(current), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = path.dirname(current);
      if (parent === current) return path.resolve(target);
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** Whether `candidate` is `root` or below it (both absolute, normalized). */
export function isInsideDirectory(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  return candidate.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}
