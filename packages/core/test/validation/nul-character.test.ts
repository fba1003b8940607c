import { describe, expect, it } from 'vitest';
import { findNulCharacter, isOrreryError, validateNoNulCharacter, validateRequestWithoutNul } from '@orrery/core';

describe('NUL characters in request fields', () => {
  it('names the path of the first string holding a NUL, in objects, lists and query-string maps', () => {
    expect(findNulCharacter({ name: 'ok', tags: [{ key: 'k', value: 'v' }, { key: 'k2', value: 'a\u0000b' }] })).toBe('tags[1].value');
    expect(findNulCharacter({ experiment_ids: ['1', '\u0000'] })).toBe('experiment_ids[1]');
    expect(findNulCharacter({ nested: { deeper: { text: '\u0000' } } })).toBe('nested.deeper.text');
    expect(findNulCharacter({ 'bad\u0000key': 'v' })).toBe('(field name)');
    expect(findNulCharacter({ name: 'fine', n: 3, flag: true, none: null, list: [] })).toBeUndefined();
    expect(findNulCharacter(undefined)).toBeUndefined();
  });

  it('refuses with INVALID_PARAMETER_VALUE naming the field, never echoing the value', () => {
    const caught = (() => {
      try {
        validateRequestWithoutNul({ params: [{ key: 'p', value: 'secret\u0000' }] });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isOrreryError(caught) && caught.code).toBe('INVALID_PARAMETER_VALUE');
    expect((caught as Error).message).toContain("'params[0].value'");
    expect((caught as Error).message).not.toContain('secret');
    expect(() => validateNoNulCharacter('value', 'a\u0000', "param 'lr'")).toThrow("Invalid value for 'value' of param 'lr'");
    expect(() => validateNoNulCharacter('name', 'plain')).not.toThrow();
  });
});
