/** The model directory Orrery writes is the one MLflow 2.12.2 writes (files, keys, order, text). */
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearOnnxModel } from '@orrery/testkit';
import { inferSignature, onnx, readInputExample, readModelDirectory, type ModelSignature } from '@orrery/models';

const FIXTURE = fileURLToPath(new URL('./fixtures/mlflow-2.12.2-onnx-tensor', import.meta.url));
const TENSOR_SIGNATURE: ModelSignature = {
  inputs: { kind: 'tensors', tensors: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }] },
  outputs: { kind: 'tensors', tensors: [{ name: 'output', dtype: 'float32', shape: [-1, 1] }] },
};
const COLUMN_SIGNATURE: ModelSignature = {
  inputs: { kind: 'columns', columns: ['x0', 'x1', 'x2', 'x3'].map((name) => ({ type: 'double' as const, name, required: true })) },
  outputs: TENSOR_SIGNATURE.outputs!,
};

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'orrery-model-format-'));
});
afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  await rm(tmp, { recursive: true, force: true });
});

/** The MLmodel text without what differs between two saves (uuid, time, size) and Orrery's own key. */
function comparable(text: string): string {
  return text
    .replace(/^model_uuid: .*$/m, 'model_uuid: X')
    .replace(/^utc_time_created: .*$/m, 'utc_time_created: X')
    .replace(/^model_size_bytes: .*$/m, 'model_size_bytes: X')
    .replace(/^orrery_version: .*\n/m, '');
}

describe('onnx.saveModel', () => {
  it('writes the files, MLmodel keys and environment MLflow writes for a tensor signature and example', async () => {
    const dir = join(tmp, 'tensor');
    await onnx.saveModel(linearOnnxModel(), dir, {
      signature: TENSOR_SIGNATURE,
      inputExample: { kind: 'tensor', tensor: { dtype: 'float32', shape: [1, 4], data: Float32Array.from([1, 2, 3, 4]) } },
    });
    expect((await readdir(dir)).sort()).toEqual(['MLmodel', 'conda.yaml', 'input_example.json', 'model.onnx', 'python_env.yaml', 'requirements.txt']);
    const mlmodel = await readFile(join(dir, 'MLmodel'), 'utf8');
    expect(comparable(mlmodel)).toBe(comparable(await readFile(join(FIXTURE, 'MLmodel'), 'utf8')));
    expect(mlmodel).toMatch(/^orrery_version: \d+\.\d+\.\d+$/m);
    expect(mlmodel).toMatch(/^utc_time_created: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}'$/m);
    for (const file of ['input_example.json', 'requirements.txt', 'conda.yaml', 'python_env.yaml']) {
      expect(await readFile(join(dir, file), 'utf8'), file).toBe(await readFile(join(FIXTURE, file), 'utf8'));
    }
    const size = (await stat(join(dir, 'model.onnx'))).size + (await stat(join(dir, 'input_example.json'))).size;
    expect(mlmodel).toContain(`model_size_bytes: ${size}\n`);
  });

  it('writes a column signature and a DataFrame example as MLflow does (split orient, pandas required)', async () => {
    const dir = join(tmp, 'columns');
    await onnx.saveModel(linearOnnxModel(), dir, {
      signature: COLUMN_SIGNATURE,
      inputExample: { kind: 'dataframe', frame: { columns: ['x0', 'x1', 'x2', 'x3'], rows: [[1, 2, 3, 4]], dtypes: ['float64', 'float64', 'float64', 'float64'] } },
    });
    const mlmodel = await readFile(join(dir, 'MLmodel'), 'utf8');
    expect(mlmodel).toContain('saved_input_example_info:\n  artifact_path: input_example.json\n  pandas_orient: split\n  type: dataframe\n');
    const read = await readModelDirectory(dir);
    expect(read.mlmodel.signature?.inputs?.[0]).toEqual({ type: 'double', name: 'x0', required: true });
    expect(mlmodel).toContain(`inputs: '[{"type": "double", "name": "x0", "required": true}, {"type": "double",`);
    expect(await readFile(join(dir, 'input_example.json'), 'utf8')).toBe('{"columns": ["x0", "x1", "x2", "x3"], "data": [[1.0, 2.0, 3.0, 4.0]]}');
    expect(await readFile(join(dir, 'requirements.txt'), 'utf8')).toBe('mlflow==2.12.2\nonnx==1.12.0\nonnxruntime==1.30.0\npandas==1.5.3');
    expect(read.signature).toEqual(COLUMN_SIGNATURE);
    const example = await readInputExample(read);
    expect(example).toMatchObject({ kind: 'dataframe', frame: { columns: ['x0', 'x1', 'x2', 'x3'], rows: [[1, 2, 3, 4]] } });
  });

  it('writes no example file or info without an example, and keeps metadata', async () => {
    const dir = join(tmp, 'bare');
    await onnx.saveModel(linearOnnxModel(), dir, { metadata: { team: 'risk', stage: 1 } });
    expect((await readdir(dir)).sort()).toEqual(['MLmodel', 'conda.yaml', 'model.onnx', 'python_env.yaml', 'requirements.txt']);
    const read = await readModelDirectory(dir);
    expect(read.mlmodel.savedInputExampleInfo).toBeUndefined();
    expect(read.metadata).toEqual({ team: 'risk', stage: 1 });
    expect(read.mlmodel.modelSizeBytes).toBe((await stat(join(dir, 'model.onnx'))).size);
  });

  it('refuses a path that exists and is not empty, as MLflow does', async () => {
    const dir = join(tmp, 'taken');
    await onnx.saveModel(linearOnnxModel(), dir);
    await writeFile(join(dir, 'keep.txt'), 'x');
    await expect(onnx.saveModel(linearOnnxModel(), dir)).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS', message: `Path '${dir}' already exists and is not empty` });
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('x');
  });

  it('reads the params of a signature and writes them back in MLflow\'s key order', async () => {
    const dir = join(tmp, 'params');
    const signature = inferSignature(undefined, undefined, { temperature: 0.5, top_k: 3, tags: ['a'] });
    await onnx.saveModel(linearOnnxModel(), dir, { signature });
    const mlmodel = await readFile(join(dir, 'MLmodel'), 'utf8');
    expect(mlmodel).toContain(`params: '[{"name": "temperature", "type": "double", "default": 0.5, "shape": null},`);
    expect((await readModelDirectory(dir)).signature?.params).toEqual([
      { name: 'temperature', type: 'double', default: 0.5, shape: null },
      { name: 'top_k', type: 'long', default: 3, shape: null },
      { name: 'tags', type: 'string', default: ['a'], shape: [-1] },
    ]);
  });
});

describe('inferSignature', () => {
  it('makes integral number columns long and other numbers double, as documented', () => {
    const signature = inferSignature([{ age: 31, income: 52000.5, name: 'a', member: true }, { age: 40, income: 1, name: 'b', member: false }]);
    expect(signature.inputs).toEqual({
      kind: 'columns',
      columns: [
        { type: 'long', name: 'age', required: true },
        { type: 'double', name: 'income', required: true },
        { type: 'string', name: 'name', required: true },
        { type: 'boolean', name: 'member', required: true },
      ],
    });
  });

  it('keeps a tensor\'s dtype and frees its batch dimension', () => {
    const signature = inferSignature({ kind: 'tensor', tensor: { dtype: 'float32', shape: [2, 4], data: new Float32Array(8) } });
    expect(signature.inputs).toEqual({ kind: 'tensors', tensors: [{ dtype: 'float32', shape: [-1, 4] }] });
  });
});
