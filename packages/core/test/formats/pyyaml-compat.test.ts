/**
 * MLflow reads and writes YAML with PyYAML. These tests run Debian's python3 with PyYAML
 * (apt `python3-yaml`, installed by scripts/setup-test-env.sh): it must read what `toYamlText`
 * writes as the same value, and `parseYamlText` must read what PyYAML writes as PyYAML does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMlmodel, parseYamlText, toYamlText } from '@orrery/core';

const PYTHON = '/usr/bin/python3';

function python(script: string, input: string): string {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3 and python3-yaml (scripts/setup-test-env.sh does)`);
  return execFileSync(PYTHON, ['-c', script], { input, encoding: 'utf8' });
}

/** PyYAML's safe_load of `text`, as JSON. */
const pyyamlLoad = (text: string): unknown => JSON.parse(python('import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))', text));
/** What MLflow writes: `yaml.safe_dump(value, default_flow_style=False)` of a JSON value. */
const pyyamlDump = (value: unknown): string => python('import sys, json, yaml; sys.stdout.write(yaml.safe_dump(json.load(sys.stdin), default_flow_style=False))', JSON.stringify(value));

/** Strings, keys and numbers where YAML 1.1 and 1.2 readers disagree, and nesting. */
const AWKWARD = {
  yes: 'no',
  on: 'off',
  y: 'n',
  '<<': 'merge?',
  '=': 'value?',
  '1:20': '1:20',
  '0x1F': '0x1F',
  '017': '017',
  '1e10': '1e10',
  '123e4567': '123e4567',
  '2001-12-14': '2001-12-14',
  '~': '~',
  null_text: 'null',
  'a key: with colon': 'a # not a comment',
  quotes: `it's "quoted" \\ back`,
  unicode: 'naïve – ✓',
  multiline: 'one\ntwo\n',
  numbers: [0, -1, 1.5, 1e21, 2.5e-7, 123456789012],
  flags: [true, false, null],
  nested: { list: [[1, 2], { a: [] }, {}], empty: '' },
};

describe('YAML that PyYAML (MLflow) reads', () => {
  it('PyYAML reads what toYamlText writes as the value that was written', () => {
    expect(pyyamlLoad(toYamlText(AWKWARD))).toEqual(AWKWARD);
  });

  it('parseYamlText reads what PyYAML writes as PyYAML reads it', () => {
    const written = pyyamlDump(AWKWARD);
    expect(parseYamlText(written)).toEqual(pyyamlLoad(written));
    expect(parseYamlText(written)).toEqual(AWKWARD);
  });

  it('an MLmodel dumped by PyYAML, long JSON signature folded over lines, reads back whole', () => {
    const inputs = JSON.stringify(Array.from({ length: 12 }, (_, i) => ({ type: 'double', name: `feature_${i}`, required: true })));
    const document = {
      artifact_path: 'model',
      flavors: { python_function: { loader_module: 'mlflow.sklearn', python_version: '3.11.2' }, sklearn: { sklearn_version: '1.2.1' } },
      mlflow_version: '2.12.2',
      model_uuid: '123e4567890144d6a1b2c3d4e5f60718',
      signature: { inputs, outputs: null, params: null },
    };
    const text = pyyamlDump(document);
    expect(text.split('\n').length).toBeGreaterThan(12);
    const model = parseMlmodel(text);
    expect(model.raw).toEqual(document);
    expect(model.signature?.inputs).toHaveLength(12);
    expect(model.modelUuid).toBe('123e4567890144d6a1b2c3d4e5f60718');
  });
});
