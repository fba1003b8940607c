/**
 * MLflow writes MLmodel and conda.yaml with PyYAML's `safe_dump(..., default_flow_style=False)`.
 * Orrery's writer must produce the same bytes: checked against Debian's python3-yaml (installed by
 * scripts/setup-test-env.sh), on the documents Orrery writes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseYamlText } from '@orrery/core';
import { linearOnnxModel } from '@orrery/testkit';
import { environmentFiles, inferSignature, onnx, pyyamlDump } from '@orrery/models';

const PYTHON = '/usr/bin/python3';

function pyyaml(value: unknown): string {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3 and python3-yaml (scripts/setup-test-env.sh does)`);
  return execFileSync(PYTHON, ['-c', 'import sys, json, yaml; sys.stdout.write(yaml.safe_dump(json.load(sys.stdin), default_flow_style=False))'], {
    input: JSON.stringify(value),
    encoding: 'utf8',
  });
}

it('writes MLmodel files byte for byte as PyYAML does: long signatures, metadata, awkward strings', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orrery-mlmodel-yaml-'));
  try {
    const columns = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`feature_${i}`, i % 2 === 0 ? 1.5 : 2]));
    await onnx.saveModel(linearOnnxModel({ weights: Array(12).fill(1) }), join(dir, 'model'), {
      signature: inferSignature([columns], undefined, { threshold: 0.5, labels: ['a', 'b'] }),
      inputExample: { kind: 'dataframe', frame: { columns: Object.keys(columns), rows: [Object.values(columns)] } },
      metadata: { owner: 'risk team', yes: 'no', version: '1.10', when: '2026-12-07', note: "it's \"quoted\" – naïve", nested: { list: [1, 2.5, null, true] } },
    });
    const text = await readFile(join(dir, 'model', 'MLmodel'), 'utf8');
    expect(text).toBe(pyyaml(parseYamlText(text)));
    const conda = await readFile(join(dir, 'model', 'conda.yaml'), 'utf8');
    expect(conda).toBe(pyyaml(parseYamlText(conda)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('folds long single-quoted strings at PyYAML\'s width whatever the nesting', () => {
  const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
  const value = {
    a: long,
    b: { c: long, d: { e: `'${long}'`, g: `${long}: x` } },
    list: [long, { f: long }, [long]],
    '1.0': 'x: y',
    empty: '',
    requirements: environmentFiles(['onnx==1.12.0'])['requirements.txt']!.split('\n'),
  };
  expect(pyyamlDump(value)).toBe(pyyaml(value));
});
