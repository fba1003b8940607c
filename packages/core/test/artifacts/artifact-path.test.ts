import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  artifactBasename,
  artifactDirname,
  isOrreryError,
  joinArtifactPath,
  normalizeArtifactPath,
} from '@orrery/core';

function refusal(input: unknown): { code: string; message: string } | undefined {
  try {
    normalizeArtifactPath(input as string);
    return undefined;
  } catch (error) {
    if (!isOrreryError(error)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('normalizeArtifactPath', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['/'.slice(1), ''],
    ['a', 'a'],
    ['a/b/c.txt', 'a/b/c.txt'],
    ['a//b/', 'a/b'],
    ['./a/./b', 'a/b'],
    ['...', '...'],
    ['a/..b/c..', 'a/..b/c..'],
    ['données/模型 ü.txt', 'données/模型 ü.txt'],
    ['100%.txt', '100%.txt'],
    ['a%20b.txt', 'a%20b.txt'],
    ['a%2Fb', 'a%2Fb'],
    [' spaced name ', ' spaced name '],
    ['ab:c', 'ab:c'],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeArtifactPath(input)).toBe(expected);
  });

  it.each([
    ['/etc/passwd', "must not start with '/'"],
    ['//server/share', "must not start with '/'"],
    ['C:\\x', 'backslashes'],
    ['C:/x', 'drive letter'],
    ['c:x', 'drive letter'],
    ['a:b', 'drive letter'],
    ['./C:/x', 'drive letter'],
    ['\\\\server\\share', 'backslashes'],
    ['..', "'..' segments"],
    ['../x', "'..' segments"],
    ['a/../../x', "'..' segments"],
    ['a/..', "'..' segments"],
    ['a/../b', "'..' segments"],
    ['a\\..\\b', 'backslashes'],
    ['a\u0000b', 'NUL bytes'],
    ['a\nb', 'control characters'],
    ['a\u007fb', 'control characters'],
    ['a\u0085b', 'control characters'],
    ['%2e%2e/x', "'..' segments, even percent-encoded"],
    ['%2E%2e%2fx', "'..' segments, even percent-encoded"],
    ['a%2f%2e%2e%2f%2e%2e%2fx', "'..' segments, even percent-encoded"],
    ['%252e%252e/x', "'..' segments, even percent-encoded"],
    ['%2fetc/passwd', "must not start with '/'), even percent-encoded"],
    // Found by the property below: dropping `./` brings an encoded `/` to the front.
    ['./%2f', "must not start with '/'), even percent-encoded"],
    ['././%2fetc', "must not start with '/'), even percent-encoded"],
    ['a%5cb', 'backslashes, even percent-encoded'],
    ['a%00b', 'NUL bytes, even percent-encoded'],
    ['a%0ab', 'control characters, even percent-encoded'],
    ['%c0%ae%c0%ae/x', 'overlong UTF-8'],
    [`${'%25'.repeat(1)}${'25'.repeat(9)}2e`, 'percent-encoded more than'],
  ])('refuses %j (%s) with INVALID_PARAMETER_VALUE naming the path', (input, rule) => {
    const error = refusal(input);
    expect(error?.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error?.message).toContain(JSON.stringify(input));
    expect(error?.message).toContain(rule);
  });

  it('refuses non-strings', () => {
    expect(refusal(42)?.code).toBe('INVALID_PARAMETER_VALUE');
    expect(refusal(null)?.code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('shortens very long paths in messages', () => {
    const error = refusal(`${'a'.repeat(5000)}/..`);
    expect(error?.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error!.message.length).toBeLessThan(400);
  });
});

describe('joinArtifactPath, artifactBasename, artifactDirname', () => {
  it('joins parts, skipping empty and undefined ones', () => {
    expect(joinArtifactPath('a/', undefined, '', 'b/c')).toBe('a/b/c');
    expect(joinArtifactPath()).toBe('');
    expect(joinArtifactPath(undefined, 'x.txt')).toBe('x.txt');
  });

  it('validates every part', () => {
    expect(() => joinArtifactPath('a', '../b')).toThrow(/'\.\.' segments/);
    expect(() => joinArtifactPath('a', '/b')).toThrow(/must be relative/);
  });

  it('splits paths into directory and base name', () => {
    expect(artifactBasename('a/b/c.txt')).toBe('c.txt');
    expect(artifactBasename('c.txt/')).toBe('c.txt');
    expect(artifactBasename(undefined)).toBe('');
    expect(artifactDirname('a/b/c.txt')).toBe('a/b');
    expect(artifactDirname('c.txt')).toBe('');
    expect(() => artifactBasename('../x')).toThrow();
  });
});

/** Strings built from the pieces path attacks are made of, so the property runs hit them often. */
const pathPiece = fc.constantFrom(
  '..', '.', '/', '\\', 'a', 'b', '%2e', '%2E', '%2f', '%5c', '%25', '%00', '%c0%ae', 'C:', ':', '\u0000', '\n', 'ü', '模',
);
const attackLikePath = fc.array(pathPiece, { maxLength: 12 }).map((pieces) => pieces.join(''));
const anyPath = fc.oneof(attackLikePath, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }));

/** Decodes every `%XX` it can, repeatedly, the way an over-eager layer might. */
function decodeEagerly(value: string): string {
  let current = value;
  for (let round = 0; round < 20; round += 1) {
    const next = current.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

function staysUnder(root: string, relative: string): boolean {
  const resolved = path.posix.resolve(root, relative);
  return resolved === root || resolved.startsWith(`${root}/`);
}

describe('normalizeArtifactPath properties', () => {
  it('either refuses with INVALID_PARAMETER_VALUE or returns a path that stays under any root, even decoded', () => {
    const root = '/srv/artifacts/run';
    fc.assert(
      fc.property(anyPath, (input) => {
        let result: string;
        try {
          result = normalizeArtifactPath(input);
        } catch (error) {
          return isOrreryError(error) && error.code === 'INVALID_PARAMETER_VALUE';
        }
        return (
          staysUnder(root, result) &&
          staysUnder(root, decodeEagerly(result)) &&
          !result.includes('\\') &&
          !result.includes('\u0000') &&
          !result.startsWith('/') &&
          !result.endsWith('/') &&
          (result === '' || !result.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(anyPath, (input) => {
        let once: string;
        try {
          once = normalizeArtifactPath(input);
        } catch {
          return true;
        }
        return normalizeArtifactPath(once) === once;
      }),
      { numRuns: 2000 },
    );
  });
});
