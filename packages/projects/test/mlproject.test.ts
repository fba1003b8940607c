import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  entryPointCommand,
  findEntryPoint,
  loadProjectSpec,
  loggedParameters,
  parseMLproject,
  resolveParameters,
  shellQuote,
  splitSubdirectory,
  stepCacheKey,
} from '@orrery/projects';

const dir = mkdtempSync(join(tmpdir(), 'orrery-mlproject-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = `name: tutorial
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 1.0}
      l1: float
      n: {type: int, default: 3}
      data: path
      source: uri
      label: string
    command: "python train.py {alpha} {l1} --n={n} --data {data} --source {source} --label {label} {{literal}}"
`;

describe('MLproject', () => {
  const spec = parseMLproject(SPEC, dir);
  const main = spec.entryPoints.get('main')!;
  writeFileSync(join(dir, 'data.csv'), 'x\n');

  it('reads entry points, typed parameters with defaults as written, and the environment', () => {
    expect(spec.name).toBe('tutorial');
    expect(spec.environment).toEqual({ kind: 'python_env', value: 'python_env.yaml' });
    expect(main.parameters).toEqual([
      { name: 'alpha', type: 'float', default: '1.0' },
      { name: 'l1', type: 'float' },
      { name: 'n', type: 'int', default: '3' },
      { name: 'data', type: 'path' },
      { name: 'source', type: 'uri' },
      { name: 'label', type: 'string' },
    ]);
  });

  it("substitutes and shell-quotes as MLflow does, appending undeclared parameters", () => {
    const given = { l1: '0.5', data: 'data.csv', source: 's3://bucket/key', label: "it's a b", extra: 'x y', plain: '7' };
    const { values } = resolveParameters(main, given, dir);
    expect(values.data).toBe(join(dir, 'data.csv'));
    expect(entryPointCommand(main, values)).toBe(
      `python train.py 1.0 0.5 --n=3 --data ${join(dir, 'data.csv')} --source s3://bucket/key --label 'it'"'"'s a b' {literal} --extra 'x y' --plain 7`,
    );
    expect(loggedParameters(values)).toMatchObject({ label: `'it'"'"'s a b'`, extra: "'x y'", plain: '7', alpha: '1.0' });
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a@b%c+d=e:f,g./-h_1')).toBe('a@b%c+d=e:f,g./-h_1');
  });

  it('refuses missing parameters (all named, in MLflow words) and mistyped ones before anything runs', () => {
    expect(() => resolveParameters(main, {}, dir)).toThrow("No value given for missing parameters: 'l1', 'data', 'source', 'label'");
    const base = { l1: '1', data: 'data.csv', source: 'file:///x', label: 'a' };
    expect(() => resolveParameters(main, { ...base, n: '1.5' }, dir)).toThrow("Parameter 'n' is an int, got '1.5'.");
    expect(() => resolveParameters(main, { ...base, l1: 'abc' }, dir)).toThrow("Parameter 'l1' is a float, got 'abc'.");
    expect(() => resolveParameters(main, { ...base, source: 'relative/path' }, dir)).toThrow('Expected URI for parameter source but got relative/path');
    expect(() => resolveParameters(main, { ...base, data: 'missing.csv' }, dir)).toThrow('no such file or directory was found');
    expect(resolveParameters(main, { ...base, l1: '-1e-3' }, dir).values.l1).toBe('-1e-3');
  });

  it('runs .py and .sh files of a directory without a matching entry point, and names the known ones otherwise', () => {
    writeFileSync(join(dir, 'job.sh'), 'echo hi\n');
    const bare = loadProjectSpec(dir);
    const script = findEntryPoint(bare, 'job.sh');
    expect(entryPointCommand(script, resolveParameters(script, { k: 'v' }, dir).values)).toMatch(/ job\.sh --k v$/);
    expect(() => findEntryPoint(spec, 'nope')).toThrow("Could not find nope among entry points ['main'] or interpret nope as a runnable script. Supported script file extensions: ['.py', '.sh']");
  });

  it('refuses malformed files with the field at fault', () => {
    expect(() => parseMLproject('entry_points:\n  main:\n    parameters: {a: {type: decimal}}\n    command: x\n', dir)).toThrow(/entry_points\.main\.parameters\.a has type "decimal"; allowed types: string, float, int, path, uri/);
    expect(() => parseMLproject('entry_points:\n  main: {}\n', dir)).toThrow('entry_points.main has no "command"');
    expect(() => parseMLproject('python_env: a.yaml\nconda_env: b.yaml\n', dir)).toThrow('only one of python_env, conda_env, docker_env');
  });

  it('reads pipelines and refuses cycles and unknown steps', () => {
    const pipeline = `entry_points:\n  a: {command: x}\n  b: {command: y}\npipelines:\n  p:\n    steps:\n      one: {entry_point: a, depends_on: [two]}\n      two: {entry_point: b, depends_on: [one]}\n`;
    expect(() => parseMLproject(pipeline, dir)).toThrow('dependency cycle: one -> two -> one');
    expect(() => parseMLproject(pipeline.replace('depends_on: [one]', 'depends_on: [three]'), dir)).toThrow('depends on "three", which is not a step');
  });

  it('splits #subdirectory and refuses one leaving the project', () => {
    expect(splitSubdirectory('git://h/repo.git#sub/dir')).toEqual({ base: 'git://h/repo.git', subdirectory: 'sub/dir' });
    expect(() => splitSubdirectory('git://h/repo.git#../up')).toThrow('must be a relative path inside the project');
  });

  it('keys a step cache on code, command, parameters and upstream keys, in any order', () => {
    const base = { codeHash: 'c', entryPoint: 'train', command: 'x {a}', parameters: { a: '1', b: '2' }, upstream: { prep: 'k1' } };
    expect(stepCacheKey(base)).toBe(stepCacheKey({ ...base, parameters: { b: '2', a: '1' } }));
    for (const change of [{ codeHash: 'd' }, { command: 'y {a}' }, { parameters: { a: '1', b: '3' } }, { upstream: { prep: 'k2' } }]) {
      expect(stepCacheKey({ ...base, ...change })).not.toBe(stepCacheKey(base));
    }
  });
});
