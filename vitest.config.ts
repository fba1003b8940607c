import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Tests import workspace packages from their sources, so a test run needs no build and sees the
 * code as edited. Code loaded through plugin discovery (or run as a child process) uses the
 * built `dist/` instead; `pnpm test` builds first.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@orrery\/core$/, replacement: here('./packages/core/src/index.ts') },
      { find: /^@orrery\/protocol$/, replacement: here('./packages/protocol/src/index.ts') },
      { find: /^@orrery\/sql$/, replacement: here('./packages/sql/src/index.ts') },
      { find: /^@orrery\/models$/, replacement: here('./packages/models/src/index.ts') },
      { find: /^@orrery\/serving$/, replacement: here('./packages/serving/src/index.ts') },
      { find: /^@orrery\/testkit$/, replacement: here('./packages/testkit/src/index.ts') },
      { find: /^@orrery\/client$/, replacement: here('./packages/client/src/index.ts') },
      { find: /^@orrery\/server$/, replacement: here('./packages/server/src/index.ts') },
      { find: /^@orrery\/cli$/, replacement: here('./packages/cli/src/index.ts') },
      { find: /^@orrery\/plugin-sqlite$/, replacement: here('./plugins/sqlite/src/index.ts') },
      { find: /^@orrery\/plugin-local$/, replacement: here('./plugins/local/src/index.ts') },
      { find: /^@orrery\/plugin-postgres$/, replacement: here('./plugins/postgres/src/index.ts') },
      { find: /^@orrery\/plugin-redis$/, replacement: here('./plugins/redis/src/index.ts') },
      { find: /^@orrery\/plugin-azure-blob$/, replacement: here('./plugins/azure-blob/src/index.ts') },
      { find: /^@orrery\/plugin-ftp$/, replacement: here('./plugins/ftp/src/index.ts') },
      { find: /^@orrery\/plugin-sftp$/, replacement: here('./plugins/sftp/src/index.ts') },
      { find: /^@orrery\/projects$/, replacement: here('./packages/projects/src/index.ts') },
      { find: /^@orrery\/plugin-queue$/, replacement: here('./plugins/queue/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: [here('./test/global-setup.ts')],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default', here('./test/count-reporter.ts')],
  },
});
