import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from 'vitest/reporters';
import type { TestModule } from 'vitest/node';

const COUNTS_FILE = fileURLToPath(new URL('../.tmp/test-counts.json', import.meta.url));

/**
 * Prints the plain closing line CI reads: `N passed, N failed`. A file that fails to load counts
 * as one failure, and a skipped test counts as a failure too: a suite that silently skips has
 * not shown anything.
 */
export default class CountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      let count = 0;
      for (const test of mod.children.allTests()) {
        count += 1;
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      if (count === 0 || mod.state() === 'failed') {
        if (!mod.ok()) failed += 1;
      }
    }
    if (skipped > 0) process.stdout.write(`\n${skipped} test(s) were skipped; they count as failed.\n`);
    const counts = { passed, failed: failed + skipped };
    mkdirSync(dirname(COUNTS_FILE), { recursive: true });
    writeFileSync(COUNTS_FILE, JSON.stringify(counts));
    process.stdout.write(`\nvitest: ${counts.passed} passed, ${counts.failed} failed\n`);
  }
}
