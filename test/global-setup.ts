import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds the workspace once before the tests, so code that runs from `dist/` (the CLI in a child
 * process, plugins loaded through discovery) matches the sources under test.
 */
export default function setup(): void {
  if (process.env.ORRERY_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-b'], {
    cwd: root,
    stdio: 'inherit',
  });
}
