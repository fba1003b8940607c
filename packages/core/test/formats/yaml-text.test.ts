import { describe, expect, it } from 'vitest';
import { parseYamlText, toYamlText } from '@orrery/core';

describe('toYamlText', () => {
  it('writes nested maps and sequences in block style', () => {
    expect(
      toYamlText({
        model: { name: 'net', layers: [64, 32], dropout: 0.5 },
        stages: [{ name: 'a', epochs: 2 }, { name: 'b' }, [1, 2]],
        empty: { list: [], map: {} },
      }),
    ).toBe(
      [
        'model:',
        '  name: "net"',
        '  layers:',
        '    - 64',
        '    - 32',
        '  dropout: 0.5',
        'stages:',
        '  - name: "a"',
        '    epochs: 2',
        '  - name: "b"',
        '  - - 1',
        '    - 2',
        'empty:',
        '  list: []',
        '  map: {}',
        '',
      ].join('\n'),
    );
  });

  it('quotes keys and strings that a YAML reader would otherwise change', () => {
    expect(toYamlText({ yes: 'no', 'a key': '123', 'x:y': 'line\nbreak', on: true })).toBe(
      '"yes": "no"\n"a key": "123"\n"x:y": "line\\nbreak"\n"on": true\n',
    );
  });

  it('writes special numbers, null, dates and drops undefined like JSON', () => {
    expect(
      toYamlText({ nan: Number.NaN, inf: Infinity, ninf: -Infinity, nothing: null, gone: undefined, when: new Date(0) }),
    ).toBe('nan: .nan\ninf: .inf\nninf: -.inf\nnothing: null\nwhen: "1970-01-01T00:00:00.000Z"\n');
  });

  it('writes scalars and empty collections at the top level', () => {
    expect(toYamlText('text')).toBe('"text"\n');
    expect(toYamlText([])).toBe('[]\n');
    expect(toYamlText({})).toBe('{}\n');
  });
});

describe('toYamlText, as PyYAML reads it', () => {
  it('quotes keys that YAML 1.1 would merge or turn into another type', () => {
    expect(toYamlText({ '<<': 1, '=': 2, y: 3, '1:20': 4, '0x1F': 5, plain_key: 6 })).toBe(
      '"<<": 1\n"=": 2\n"y": 3\n"1:20": 4\n"0x1F": 5\nplain_key: 6\n',
    );
  });

  it('writes a shared object twice rather than as an alias, and long strings on one line', () => {
    const shared = { lr: 0.1 };
    const long = 'word '.repeat(40).trim();
    expect(toYamlText({ a: shared, b: shared, long })).toBe(`a:\n  lr: 0.1\nb:\n  lr: 0.1\nlong: "${long}"\n`);
  });

  it('writes exponent numbers with a decimal point, which PyYAML needs to read a float', () => {
    expect(toYamlText([1e21, 1e-7, -3e-9, 2.5e-7, 123456789012])).toBe('- 1.0e+21\n- 1.0e-7\n- -3.0e-9\n- 2.5e-7\n- 123456789012\n');
    expect(parseYamlText(toYamlText([1e21, 1e-7]))).toEqual([1e21, 1e-7]);
  });

  it('reads back what it wrote', () => {
    const value = { lr: 0.1, layers: [64, 32], name: 'net', flags: { yes: 'no', on: true }, nested: [[1], { a: null }], text: 'line\nbreak "quoted"' };
    expect(parseYamlText(toYamlText(value))).toEqual(value);
  });
});

describe('parseYamlText', () => {
  it("resolves plain scalars as PyYAML's safe_load does", () => {
    // PyYAML: a float needs a decimal point (and a signed exponent); y/n are strings; dates are
    // kept as their text here. A hex model UUID such as 123e4567... must stay a string.
    expect(
      parseYamlText(
        'a: y\nb: 1e10\nc: 123e4567\nd: yes\ne: 2001-12-14\nf: 1.5e+3\ng: 0x1F\nh: Off\ni: ~\nj: 3.11.2\nk: .nan\nl: -.inf\nm: 017\n',
      ),
    ).toEqual({ a: 'y', b: '1e10', c: '123e4567', d: true, e: '2001-12-14', f: 1500, g: 31, h: false, i: null, j: '3.11.2', k: Number.NaN, l: -Infinity, m: 15 });
  });

  it('applies YAML 1.1 merge keys, as PyYAML does', () => {
    expect(parseYamlText('base: &base {a: 1, b: 2}\nderived:\n  <<: *base\n  b: 3\n')).toEqual({ base: { a: 1, b: 2 }, derived: { a: 1, b: 3 } });
  });

  it('refuses bad YAML with INVALID_PARAMETER_VALUE naming the source and the line', () => {
    expect(() => parseYamlText('a: [1, 2\nb: 3\n', 'models:/m/1/MLmodel')).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^models:\/m\/1\/MLmodel is not valid YAML: .*line 2, column 1/) }),
    );
  });

  it('refuses a document that expands aliases without bound (billion laughs)', () => {
    const level = (name: string, of: string) => `${name}: &${name} [${Array.from({ length: 10 }, () => of).join(', ')}]`;
    const bomb = [level('a', 'lol'), level('b', '*a'), level('c', '*b'), level('d', '*c'), level('e', '*d')].join('\n');
    expect(() => parseYamlText(bomb)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/alias/i) }));
  });
});
