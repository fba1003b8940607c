/**
 * @orrery/protocol is imported by the web UI, so it must load in a browser: no Node modules or
 * globals, no server libraries, and core for its types only. The lint rule scoped to
 * packages/protocol enforces it; these tests show the rule catches each kind of slip and that the
 * package's sources pass it, and read the sources' imports directly as a second check.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const sources = fileURLToPath(new URL('../src', import.meta.url));

async function sourceFiles(): Promise<string[]> {
  return (await readdir(sources)).filter((name) => name.endsWith('.ts')).map((name) => path.join(sources, name));
}

describe('@orrery/protocol stays browser-safe', () => {
  const eslint = new ESLint({ cwd: root });

  it('the lint rule refuses Node modules, Node globals, server libraries and value imports of core', async () => {
    const probe = [
      "import { readFileSync } from 'node:fs';",
      "import path from 'path';",
      "import pino from 'pino';",
      "import { container } from 'tsyringe';",
      "import { OrreryError } from '@orrery/core';",
      "import { createServer } from '@orrery/server';",
      "import type { Run } from '@orrery/core';",
      'export const probe = (run: Run) => [readFileSync, path, pino, container, OrreryError, createServer, Buffer.from(""), process.env, run];',
      '',
    ].join('\n');
    const [result] = await eslint.lintText(probe, { filePath: path.join(sources, 'probe.ts') });
    const refused = result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.line);
    // Lines 1-6 and the two globals on line 8; the type-only import of core (line 7) is allowed.
    expect(refused.sort()).toEqual([1, 2, 3, 4, 5, 6, 8, 8]);
  });

  it("the package's sources pass that rule", async () => {
    const results = await eslint.lintFiles(await sourceFiles());
    const problems = results.flatMap((r) => r.messages.map((m) => `${path.basename(r.filePath)}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
  });

  it('every import is a sibling file or a type-only import of @orrery/core', async () => {
    const offending: string[] = [];
    for (const file of await sourceFiles()) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/^(import|export)(\s+type)?[^;]*?from\s+'([^']+)'/gms)) {
        const [statement, , typeOnly, specifier] = match;
        if (specifier!.startsWith('./')) continue;
        if (specifier === '@orrery/core' && typeOnly !== undefined) continue;
        offending.push(`${path.basename(file)}: ${statement!.replace(/\s+/g, ' ')}`);
      }
      if (/\b(Buffer|process|require)\s*[.(]/.test(text)) offending.push(`${path.basename(file)}: uses a Node global`);
    }
    expect(offending).toEqual([]);
  });

  it('depends on nothing at run time but what a browser has', async () => {
    const manifest = JSON.parse(await readFile(path.join(sources, '..', 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    // Core is listed for its types (declaration files reference them); no runtime code of it is imported.
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['@orrery/core']);
    const tsconfig = JSON.parse(await readFile(path.join(sources, '..', 'tsconfig.json'), 'utf8')) as { compilerOptions: { types: string[]; lib: string[] } };
    // Compiled without Node's type declarations, so a Node global does not type-check.
    expect(tsconfig.compilerOptions.types).toEqual([]);
    expect(tsconfig.compilerOptions.lib).not.toContain('DOM');
  });
});
