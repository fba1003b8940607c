/** The flavor conformance suite for onnx and js_function, js_function models, and flavors from plugins. */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearOnnxModel, runFlavorConformance } from '@orrery/testkit';
import {
  defineModelFlavor,
  inferSignature,
  jsFunction,
  jsFunctionFlavor,
  loadModel,
  modelFlavorKind,
  onnx,
  onnxFlavor,
  readModelDirectory,
  writeModelDirectory,
  type Flavor,
} from '@orrery/models';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'orrery-flavors-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A js_function model: an entry module importing a bundled helper, with a load hook and params. */
async function writeJsModelCode(dir: string): Promise<string> {
  await mkdir(join(dir, 'lib'), { recursive: true });
  await writeFile(join(dir, 'lib', 'scale.mjs'), 'export const scale = (x, factor) => x * factor;\n');
  await writeFile(
    join(dir, 'index.mjs'),
    [
      "import { readFile } from 'node:fs/promises';",
      "import { join } from 'node:path';",
      "import { scale } from './lib/scale.mjs';",
      'let offset = 0;',
      '/** Called once when the model is loaded: reads its data file. */',
      "export async function load(modelPath) { offset = Number(await readFile(join(modelPath, 'code', 'offset.txt'), 'utf8')); }",
      '/** One prediction per row: the row\'s sum, times params.factor, plus the offset. */',
      'export function predict(input, params) {',
      "  const rows = input.kind === 'dataframe' ? input.frame.rows : [];",
      '  return rows.map((row) => scale(row.reduce((a, b) => a + b, 0), params?.factor ?? 1) + offset);',
      '}',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'offset.txt'), '100');
  return dir;
}

runFlavorConformance({
  flavor: onnxFlavor,
  readDirectory: (dir) => readModelDirectory(dir),
  async saveModel(dir) {
    await onnx.saveModel(linearOnnxModel(), dir);
    return {
      cases: [{ input: { kind: 'tensor', tensor: { dtype: 'float32', shape: [1, 4], data: Float32Array.from([1, 2, 3, 4]) } }, expected: { kind: 'tensors', tensors: { output: { dtype: 'float32', shape: [1, 1], data: Float32Array.from([30.5]) } } } }],
    };
  },
});

runFlavorConformance({
  flavor: jsFunctionFlavor,
  readDirectory: (dir) => readModelDirectory(dir),
  async saveModel(dir) {
    const code = await writeJsModelCode(await mkdtemp(join(tmp, 'code-')));
    await jsFunction.saveModel(code, dir, { entry: 'index.mjs' });
    return {
      cases: [
        { input: { kind: 'dataframe', frame: { columns: ['a', 'b'], rows: [[1, 2], [3, 4]] } }, params: { factor: 2 }, expected: { kind: 'list', values: [106, 114] } },
      ],
    };
  },
});

describe('js_function models', () => {
  it('bundle their code in the model directory and predict through loadModel with the signature\'s params', async () => {
    const code = await writeJsModelCode(join(tmp, 'js-code'));
    const dir = join(tmp, 'js-model');
    const signature = inferSignature([{ a: 1, b: 2 }], undefined, { factor: 1 });
    await jsFunction.saveModel(code, dir, { entry: 'index.mjs', signature });
    // The code is copied: the model works once the original folder is gone.
    await rm(code, { recursive: true, force: true });
    expect((await readdir(join(dir, 'code'))).sort()).toEqual(['index.mjs', 'lib', 'offset.txt']);
    expect(await readFile(join(dir, 'MLmodel'), 'utf8')).toContain('js_function:\n    code: code\n    entry: code/index.mjs\n');
    const model = await loadModel(dir);
    expect(model.flavor).toBe('js_function');
    const input = { kind: 'dataframe' as const, frame: { columns: ['b', 'a'], rows: [[2, 1]] } };
    expect(await model.predict(input)).toEqual({ kind: 'list', values: [103] });
    expect(await model.predict(input, { factor: 10 })).toEqual({ kind: 'list', values: [130] });
    await expect(model.predict(input, { factor: 'x' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("Invalid parameters found: {'factor'") });
    await model.close();
  });

  it('runs the code the directory holds now when it is loaded again', async () => {
    const dir = join(tmp, 'js-reload');
    const code = join(tmp, 'js-reload-code.mjs');
    await writeFile(code, 'export const predict = () => [1];\n');
    await jsFunction.saveModel(code, dir);
    const first = await loadModel(dir);
    await writeFile(join(dir, 'code', 'js-reload-code.mjs'), 'export const predict = () => [2];\n');
    const second = await loadModel(dir);
    const empty = { kind: 'dataframe' as const, frame: { columns: [], rows: [] } };
    expect(await first.predict(empty)).toEqual({ kind: 'list', values: [1] });
    expect(await second.predict(empty)).toEqual({ kind: 'list', values: [2] });
  });

  it('refuses an entry outside the model directory', async () => {
    const dir = join(tmp, 'js-escape');
    await writeModelDirectory(dir, { flavors: { js_function: { code: 'code', entry: '../evil.mjs' } }, files: {}, requirements: [] });
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('outside the model directory') });
  });
});

describe('flavors as plugins', () => {
  it('a flavor defined with defineModelFlavor loads models whose MLmodel lists it', async () => {
    const definition = defineModelFlavor({
      name: 'constant',
      create: (): Flavor => ({
        name: 'constant',
        load: async (_directory, settings) => ({
          predict: async (input) => ({ kind: 'list', values: input.kind === 'dataframe' ? input.frame.rows.map(() => settings.value) : [] }),
          close: async () => {},
        }),
      }),
    });
    expect(definition).toMatchObject({ kind: modelFlavorKind.id, name: 'constant' });
    const dir = join(tmp, 'constant');
    await writeModelDirectory(dir, { flavors: { constant: { value: 42 } }, files: {}, requirements: [] });
    const flavor = await definition.create({ logger: undefined as never, options: {} });
    const model = await loadModel(dir, { flavors: [flavor] });
    expect(model.flavor).toBe('constant');
    expect(await model.predict({ kind: 'dataframe', frame: { columns: ['x'], rows: [[1], [2]] } })).toEqual({ kind: 'list', values: [42, 42] });
  });

  it('without a plugin for the flavor, predict names it and says what to do', async () => {
    const dir = join(tmp, 'unknown');
    await writeModelDirectory(dir, { flavors: { pytorch: { model_data: 'data' }, python_function: { loader_module: 'mlflow.pytorch' } }, files: {}, requirements: [] });
    const model = await loadModel(dir);
    await expect(model.predict({ kind: 'dataframe', frame: { columns: ['x'], rows: [[1]] } })).rejects.toMatchObject({
      code: 'NOT_IMPLEMENTED',
      message: expect.stringContaining("cannot execute the 'pytorch' flavor"),
    });
  });
});
