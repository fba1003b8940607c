import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken, isOrreryError } from '@orrery/core';
import { expectInvalid } from './search-test-helpers.js';

describe('page tokens', () => {
  it.each([
    { offset: 0 },
    { offset: 1000 },
    { lastStartTime: 1700000000000, lastRunId: 'abc', values: [null, 'x', 1.5] },
    { key: 'ünïcode 🚀 "quoted" \\ / ? & =' },
    {},
  ])('round-trips %j', (state) => {
    const token = encodePageToken(state);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token)).toEqual(state);
  });

  it('is opaque: the state does not show in the token', () => {
    expect(encodePageToken({ offset: 50 })).not.toContain('offset');
  });

  it.each([
    ['', 'not URL-safe base64'],
    ['abc def', 'not URL-safe base64'],
    ['abc=', 'not URL-safe base64'],
    ['a+b/', 'not URL-safe base64'],
    ['%%%', 'not URL-safe base64'],
    ['abc', 'not JSON'],
    ['A', 'not canonical base64'],
    [Buffer.from('{"offset": 5}').toString('base64url'), 'not a token issued by this server'],
    [Buffer.from('[1,2]').toString('base64url'), 'not a token issued by this server'],
    [Buffer.from('null').toString('base64url'), 'not a token issued by this server'],
    [Buffer.from('"orrery.page.v1"').toString('base64url'), 'not a token issued by this server'],
    [Buffer.from('{"format":"orrery.page.v1","state":[1]}').toString('base64url'), 'not a token issued'],
    [Buffer.from('{"format":"orrery.page.v1","state":null}').toString('base64url'), 'not a token issued'],
    [Buffer.from('{"format":"orrery.page.v2","state":{}}').toString('base64url'), 'not a token issued'],
    [Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url'), 'not JSON'],
  ])('refuses %j', (token, fragment) => {
    expectInvalid(() => decodePageToken(token), 'Invalid page token', fragment);
  });

  it('refuses every truncation of a real token', () => {
    const token = encodePageToken({ offset: 123, lastRunId: 'r' });
    for (let length = 0; length < token.length; length += 1) {
      expectInvalid(() => decodePageToken(token.slice(0, length)), 'Invalid page token');
    }
  });

  it('refuses a token with any one character changed, or still decodes it to a state object', () => {
    const token = encodePageToken({ offset: 7 });
    for (let i = 0; i < token.length; i += 1) {
      const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      try {
        const state = decodePageToken(altered);
        expect(state).toBeTypeOf('object');
        expect(Array.isArray(state)).toBe(false);
      } catch (error) {
        expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
      }
    }
  });

  it('refuses a non-string token with INVALID_PARAMETER_VALUE', () => {
    expectInvalid(() => decodePageToken(5 as unknown as string), 'expected a string');
  });

  it('reports unserialisable state as an internal error (a store bug, not a client one)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodePageToken(cyclic)).toThrow(expect.objectContaining({ code: 'INTERNAL_ERROR' }));
  });

  it('quotes at most the start of a long bad token', () => {
    const message = (() => {
      try {
        decodePageToken('!'.repeat(10_000));
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message.length).toBeLessThan(200);
  });
});
