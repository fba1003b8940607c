#!/usr/bin/env node
// The one test command: typecheck (and build), lint, then every test. Ends with the plain line
// `N passed, N failed` that CI reads; typecheck and lint count as one check each.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const countsFile = fileURLToPath(new URL('../.tmp/test-counts.json', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function step(label, command, args, env = {}) {
  process.stdout.write(`\n=== ${label}: ${command.split('/').pop()} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

let passed = 0;
let failed = 0;
const checks = [
  ['typecheck', bin('tsc'), ['-b']],
  ['typecheck tests', bin('tsc'), ['-p', 'tsconfig.tests.json']],
  ['build web UI', process.execPath, ['packages/ui/node_modules/vite/bin/vite.js', 'build', 'packages/ui', '--logLevel', 'warn']],
  ['lint', bin('eslint'), ['.', '--max-warnings=0']],
];
for (const [label, command, args] of checks) {
  if (step(label, command, args)) passed += 1;
  else failed += 1;
}

rmSync(countsFile, { force: true });
const testsOk = step('tests', bin('vitest'), ['run', ...process.argv.slice(2)], { ORRERY_SKIP_BUILD: '1' });
try {
  const counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  passed += counts.passed;
  failed += counts.failed;
} catch {
  process.stdout.write('The test run ended before reporting its counts.\n');
  failed += 1;
}
if (!testsOk && failed === 0) failed += 1;

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
