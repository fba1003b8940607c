import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = fileURLToPath(new URL('../src', import.meta.url));

/**
 * The shared SQL layer asks its executor's `SqlDialect` for whatever differs by database; it never
 * branches on a dialect's name (that is how "not SQLite" quietly came to mean PostgreSQL). These
 * are the forms such a branch takes: a comparison with a name, or a ternary on one.
 */
const NAME_BRANCH = /dialect\s*[!=]==|[!=]==\s*'(sqlite|postgres)'|'(sqlite|postgres)'\s*[!=]==|'(sqlite|postgres)'\s*\?/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('packages/sql and dialects', () => {
  it('compares no dialect names: every difference comes from the SqlDialect strategy', () => {
    const files = sourceFiles(SOURCE);
    expect(files.length).toBeGreaterThan(5);
    const branches = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (NAME_BRANCH.test(line) ? [`${path.relative(SOURCE, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(branches).toEqual([]);
  });

  it('the scan catches the forms it is meant to catch', () => {
    for (const line of ["if (db.dialect === 'postgres') {", "x !== 'sqlite'", "d === 'sqlite' ? a : b", "'postgres' ? 1 : 2"]) {
      expect(NAME_BRANCH.test(line), line).toBe(true);
    }
    expect(NAME_BRANCH.test("byDialect({ sqlite: a, postgres: b })")).toBe(false);
  });
});
