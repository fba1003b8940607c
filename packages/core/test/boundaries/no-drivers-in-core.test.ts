/**
 * Core is installed by every plugin (as a peer) and by the client, so a driver imported here would
 * be built and loaded for everyone. The lint rule scoped to packages/core/src refuses driver,
 * storage, server and sibling-package imports; these tests show it bites and that core passes it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const coreSources = fileURLToPath(new URL('../../src', import.meta.url));

describe('core imports no drivers', () => {
  const eslint = new ESLint({ cwd: root });

  it('the lint rule refuses each driver the plugins use, server libraries and sibling packages', async () => {
    const refusedSpecifiers = [
      'pg',
      'pg-copy-streams',
      'better-sqlite3',
      'ioredis',
      'redis',
      'bullmq',
      '@azure/storage-blob',
      '@azure/identity',
      'ssh2',
      'ssh2-sftp-client',
      'basic-ftp',
      'fastify',
      '@fastify/cors',
      'undici',
      'prom-client',
      '@orrery/sql',
      '@orrery/plugin-sqlite',
    ];
    const allowed = ['node:fs', 'tsyringe', 'pino', 'yaml'];
    const all = [...refusedSpecifiers, ...allowed];
    const probe = all.map((specifier, i) => `import * as m${i} from '${specifier}';`).join('\n') + `\nexport const all = [${all.map((_, i) => `m${i}`).join(', ')}];\n`;
    const [result] = await eslint.lintText(probe, { filePath: path.join(coreSources, 'domain', 'probe.ts') });
    const refusedLines = result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
    expect(refusedLines).toEqual(refusedSpecifiers.map((_, i) => i + 1));
  });

  it('the same imports are fine in a plugin', async () => {
    const [result] = await eslint.lintText("import pg from 'pg';\nexport const driver = pg;\n", {
      filePath: path.join(root, 'plugins', 'postgres', 'src', 'probe.ts'),
    });
    expect(result!.messages.filter((m) => m.ruleId === 'no-restricted-imports')).toEqual([]);
  });

  it("core's sources pass the rule", async () => {
    const results = await eslint.lintFiles([path.join(coreSources, '**/*.ts')]);
    const problems = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`));
    expect(problems).toEqual([]);
  });
});
