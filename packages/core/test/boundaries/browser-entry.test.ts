/**
 * `@orrery/core/browser` is what a browser bundle (the web UI) may import from core. Every file it
 * reaches must be under the browser-safe lint rule: these tests walk its imports, check the rule
 * applies to each file reached and that they pass it, and show the rule bites.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const coreRoot = fileURLToPath(new URL('../..', import.meta.url));
const entry = path.join(coreRoot, 'src', 'browser.ts');

/** Every source file reached from `file` through relative imports and re-exports (types included). */
function reachedFiles(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const [, specifier] of text.matchAll(/(?:from|import)\s+'([^']+)'/g)) {
    if (specifier!.startsWith('.')) reachedFiles(path.resolve(path.dirname(file), specifier!.replace(/\.js$/, '.ts')), seen);
  }
  return seen;
}

/** Bare (package) specifiers a file imports at run time, i.e. not `import type`/`export type`. */
function runtimePackageImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const fromStatements = [...text.matchAll(/^(?:import|export)(\s+type)?\b[^;']*?\bfrom\s+'([^'.][^']*)'/gms)].filter(([, typeOnly]) => typeOnly === undefined);
  const sideEffects = [...text.matchAll(/^import\s+'([^'.][^']*)'/gm)];
  return [...fromStatements.map(([, , specifier]) => specifier!), ...sideEffects.map(([, specifier]) => specifier!)];
}

describe('@orrery/core/browser', () => {
  const eslint = new ESLint({ cwd: root });
  const files = [...reachedFiles(entry)].sort();

  it('is an export of the package, built from src/browser.ts', () => {
    const manifest = JSON.parse(readFileSync(path.join(coreRoot, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
    expect(manifest.exports['./browser']?.default).toBe('./dist/browser.js');
    expect(files.length).toBeGreaterThan(20);
  });

  it('every file it reaches is under the browser-safe lint rule, and passes it', async () => {
    const uncovered: string[] = [];
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules: Record<string, unknown> };
      if (!JSON.stringify(config.rules['no-restricted-imports'] ?? []).includes('node:*')) uncovered.push(path.relative(root, file));
    }
    // A file listed here must be added to coreBrowserFiles in eslint.config.js (or not be reached).
    expect(uncovered).toEqual([]);
    const results = await eslint.lintFiles(files);
    const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
  });

  it('loads no package at run time but yaml (pure JavaScript)', () => {
    const imported = new Set(files.flatMap(runtimePackageImports));
    expect([...imported]).toEqual(['yaml']);
    // The Node-only parts of core stay out: the logger, the container, page tokens.
    const relative = files.map((f) => path.relative(coreRoot, f));
    expect(relative).not.toContain(path.join('src', 'logging', 'logger.ts'));
    expect(relative).not.toContain(path.join('src', 'di', 'container.ts'));
    expect(relative).not.toContain(path.join('src', 'search', 'page-token.ts'));
  });

  it('the rule refuses Node modules and globals, pino, tsyringe and drivers in those files', async () => {
    const probe = [
      "import { readFileSync } from 'node:fs';",
      "import pino from 'pino';",
      "import { container } from 'tsyringe';",
      "import pg from 'pg';",
      "import { parse } from 'yaml';",
      'export const probe = [readFileSync, pino, container, pg, parse, Buffer.from(""), process.env];',
      '',
    ].join('\n');
    const [result] = await eslint.lintText(probe, { filePath: path.join(coreRoot, 'src', 'errors', 'probe.ts') });
    const refused = result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.line);
    expect(refused.sort()).toEqual([1, 2, 3, 4, 6, 6]);
  });

  it('loads and works: parses a search filter and builds a typed error', async () => {
    const browser = await import('../../src/browser.js');
    expect(browser.parseFilter("metrics.loss < 0.5 and params.lr = '0.01'", 'run').clauses).toHaveLength(2);
    expect(new browser.OrreryError('INVALID_PARAMETER_VALUE', 'x').httpStatus).toBe(400);
  });
});
