import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds the workspace (and the web UI) once before the tests, so code that runs from `dist/` (the CLI in a child
 * process, plugins loaded through discovery) matches the sources under test.
 */
export default function setup(): void {
  if (process.env.ORRERY_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-b'], {
    cwd: root,
    stdio: 'inherit',
  });
  // The web UI the server serves (and the UI's browser tests load): Vite's build of packages/ui.
  execFileSync(process.execPath, [fileURLToPath(new URL('../packages/ui/node_modules/vite/bin/vite.js', import.meta.url)), 'build', '--logLevel', 'warn'], {
    cwd: fileURLToPath(new URL('../packages/ui/', import.meta.url)),
    stdio: 'inherit',
  });
}
