import { describe, expect, it } from 'vitest';
import { toYamlText } from '../src/yaml-text.js';

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
