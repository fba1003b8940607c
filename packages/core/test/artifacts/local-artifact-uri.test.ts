import { describe, expect, it } from 'vitest';
import { isOrreryError, localPathFromArtifactUri } from '@orrery/core';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isOrreryError(error) ? error.code : 'not an OrreryError';
  }
}

describe('localPathFromArtifactUri', () => {
  it.each([
    ['file:///data/artifacts', '/data/artifacts'],
    ['file:/data/artifacts', '/data/artifacts'],
    ['file://localhost/data/artifacts', '/data/artifacts'],
    ['file:///data/a%20b/%E6%A8%A1', '/data/a b/模'],
    ['file:///data/x/../artifacts/', '/data/artifacts'],
    ['/data/artifacts/', '/data/artifacts'],
    ['/data/100%/x', '/data/100%/x'],
    ['relative/dir', '/work/cwd/relative/dir'],
    ['./relative', '/work/cwd/relative'],
    ['file:relative/a%20b', '/work/cwd/relative/a b'],
  ])('maps %j to %j', (uri, expected) => {
    expect(localPathFromArtifactUri(uri, '/work/cwd')).toBe(expected);
  });

  it.each(['file://otherhost/data', 'file:///data/a%2Fb', 'file:///data/a?b', 'file:///data/a#b', '/data/a\u0000b', 'file:///a%00b'])(
    'refuses %j with INVALID_PARAMETER_VALUE',
    (uri) => {
      expect(codeOf(() => localPathFromArtifactUri(uri, '/work/cwd'))).toBe('INVALID_PARAMETER_VALUE');
    },
  );
});
