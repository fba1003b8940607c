/** ONNX models predict through loadModel with real onnxruntime, signatures enforced as MLflow enforces them. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearOnnxModel, mlpOnnxModel, mlpReference, mlpWeights, twoInputOnnxModel } from '@orrery/testkit';
import { loadModel, onnx, type DataFrame, type LoadedModel, type ModelOutput, type ModelSignature } from '@orrery/models';

const MLFLOW_ONNX = fileURLToPath(new URL('./fixtures/mlflow-2.12.2-onnx-tensor', import.meta.url));
const MLFLOW_SKLEARN = fileURLToPath(new URL('./fixtures/mlflow-2.12.2-sklearn', import.meta.url));
const X = ['x0', 'x1', 'x2', 'x3'];
const OUTPUT_SPEC = { kind: 'tensors' as const, tensors: [{ name: 'output', dtype: 'float32' as const, shape: [-1, 1] }] };
const COLUMN_SIGNATURE: ModelSignature = {
  inputs: { kind: 'columns', columns: X.map((name) => ({ type: 'double' as const, name, required: true })) },
  outputs: OUTPUT_SPEC,
};

let tmp: string;
const opened: LoadedModel[] = [];
async function open(uri: string, options: Parameters<typeof loadModel>[1] = {}): Promise<LoadedModel> {
  const model = await loadModel(uri, options);
  opened.push(model);
  return model;
}
let oc: LoadedModel;
let ocStrict: LoadedModel;
let ot: LoadedModel;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'orrery-onnx-predict-'));
  await onnx.saveModel(linearOnnxModel(), join(tmp, 'oc'), { signature: COLUMN_SIGNATURE });
  oc = await open(join(tmp, 'oc'));
  ocStrict = await open(join(tmp, 'oc'), { allowIntToFloat: false });
  ot = await open(MLFLOW_ONNX);
});
afterAll(async () => {
  for (const model of opened) await model.close();
  await rm(tmp, { recursive: true, force: true });
});

const frame = (rows: unknown[][], columns = X): { kind: 'dataframe'; frame: DataFrame } => ({ kind: 'dataframe', frame: { columns, rows } });
const f32 = (rows: number[][]) => ({ kind: 'tensor' as const, tensor: { dtype: 'float32' as const, shape: [rows.length, rows[0]!.length], data: Float32Array.from(rows.flat()) } });

function column(output: ModelOutput, name: string): unknown[] {
  if (output.kind !== 'dataframe') throw new Error(`expected a DataFrame, got ${output.kind}`);
  const index = output.frame.columns.indexOf(name);
  return output.frame.rows.map((row) => row[index]);
}

describe('a model directory exactly as MLflow 2.12.2 wrote it', () => {
  it('loads with its flavor, signature and example info, and predicts a tensor', async () => {
    expect(ot.flavor).toBe('onnx');
    expect(ot.mlmodel.mlflowVersion).toBe('2.12.2');
    expect(ot.signature?.inputs).toEqual({ kind: 'tensors', tensors: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }] });
    const output = await ot.predict(f32([[1, 2, 3, 4], [0, 0, 0, 0], [0, 1, 0, 2]]));
    expect(output.kind).toBe('tensors');
    if (output.kind !== 'tensors') return;
    expect(output.tensors.output!.shape).toEqual([3, 1]);
    expect(Array.from(output.tensors.output!.data as Float32Array)).toEqual([30.5, 0.5, 10.5]);
  });

  it('takes a DataFrame whose one column holds the tensor rows (dataframe_split ["input"]) and answers tensors', async () => {
    const output = await ot.predict(frame([[[1, 2, 3, 4]]], ['input']));
    expect(output.kind).toBe('tensors');
    if (output.kind === 'tensors') expect(Array.from(output.tensors.output!.data as Float32Array)).toEqual([30.5]);
  });

  it('refuses named columns with MLflow\'s missing-inputs message', async () => {
    await expect(ot.predict(frame([[1, 2, 3, 4]]))).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining("Model is missing inputs ['input']. Note that there were extra inputs: ['x0', 'x1', 'x2', 'x3']"),
    });
  });

  it('refuses a wrong shape with MLflow\'s message', async () => {
    await expect(ot.predict(f32([[1, 2, 3]]))).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(/Error: Shape of input \(1, 3\) does not match expected shape \(-1, 4\)\.$/),
    });
  });

  it('casts float64 to the spec\'s float32 like the server, and refuses it like `mlflow models predict`', async () => {
    const doubles = { kind: 'tensor' as const, tensor: { dtype: 'float64' as const, shape: [1, 4], data: Float64Array.from([1, 2, 3, 4]) } };
    const output = await ot.predict(doubles);
    expect(output.kind === 'tensors' && Array.from(output.tensors.output!.data as Float32Array)).toEqual([30.5]);
    const strict = await open(MLFLOW_ONNX, { allowIntToFloat: false });
    await expect(strict.predict(doubles)).rejects.toMatchObject({ message: expect.stringMatching(/dtype of input float64 does not match expected dtype float32$/) });
  });
});

describe('an ONNX model with a column signature (x0..x3 double → output float32)', () => {
  it('answers a DataFrame with one column per output, as MLflow\'s onnx wrapper does', async () => {
    const output = await oc.predict(frame([[1, 2, 3, 4], [0, 0, 0, 0], [0, 1, 0, 2]]));
    expect(output.kind === 'dataframe' && output.frame.columns).toEqual(['output']);
    expect(column(output, 'output')).toEqual([30.5, 0.5, 10.5]);
  });

  it('reorders columns to the signature and drops extra ones', async () => {
    const output = await oc.predict(frame([[9, 4, 3, 2, 1]], ['x4', 'x3', 'x2', 'x1', 'x0']));
    expect(column(output, 'output')).toEqual([30.5]);
  });

  it('names the missing column', async () => {
    await expect(oc.predict(frame([[1, 2, 3]], ['x0', 'x1', 'x2']))).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(/Error: Model is missing inputs \['x3'\]\.$/),
    });
  });

  it('gives MLflow\'s whole message for a list of lists (an unnamed ndarray)', async () => {
    await expect(oc.predict(f32([[1, 2, 3, 4]]))).rejects.toMatchObject({
      message:
        "Failed to enforce schema of data '[[1. 2. 3. 4.]]' with schema '['x0': double (required), 'x1': double (required), 'x2': double (required), 'x3': double (required)]'. " +
        "Error: Model is missing inputs ['x0', 'x1', 'x2', 'x3']. Note that there were extra inputs: [0, 1, 2, 3]",
    });
  });

  it('takes integers in a double column like the server; without the cast it refuses them like `mlflow models predict`', async () => {
    expect(column(await oc.predict(frame([[1, 2, 3, 4]])), 'output')).toEqual([30.5]);
    await expect(ocStrict.predict(frame([[1, 2, 3, 4]]))).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(/Error: Incompatible input types for column x0\. Can not safely convert int64 to float64\.$/),
    });
    const floats: DataFrame = { columns: X, rows: [[1, 2, 3, 4], [0.5, 0, 0, 0]], dtypes: ['float64', 'float64', 'float64', 'float64'] };
    expect(column(await ocStrict.predict({ kind: 'dataframe', frame: floats }), 'output')).toEqual([30.5, 1]);
  });

  it('reads numeric text in a double column and refuses other text with a 400', async () => {
    expect(column(await oc.predict(frame([['1.5', 0, 0, 0]])), 'output')).toEqual([2]);
    await expect(oc.predict(frame([['a', 2, 3, 4]]))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('Failed to convert column x0 to type \'float64\''),
    });
  });

  it('predicts NaN for a missing value, as MLflow does', async () => {
    const [value] = column(await oc.predict(frame([[null, 2, 3, 4]])), 'output');
    expect(Number.isNaN(value)).toBe(true);
  });
});

describe('other ONNX graphs', () => {
  it('an MLP predicts 1,000 rows as its reference computation does', async () => {
    await onnx.saveModel(mlpOnnxModel({ hidden: 16 }), join(tmp, 'mlp'), {
      signature: { inputs: { kind: 'tensors', tensors: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }] } },
    });
    const mlp = await open(join(tmp, 'mlp'));
    const rows = Array.from({ length: 1000 }, (_, i) => [i % 7, (i % 5) - 2, i / 1000, -(i % 3)]);
    const output = await mlp.predict(f32(rows));
    if (output.kind !== 'tensors') throw new Error('expected tensors');
    const got = Array.from(output.tensors.output!.data as Float32Array);
    const weights = mlpWeights({ hidden: 16 });
    rows.forEach((row, i) => expect(got[i]).toBeCloseTo(mlpReference(weights, row)[0]!, 3));
  });

  it('a two-input graph takes one DataFrame column per input and answers one column per output', async () => {
    await onnx.saveModel(twoInputOnnxModel(), join(tmp, 'two'));
    const two = await open(join(tmp, 'two'));
    const output = await two.predict(frame([[1, 3], [2, 4]], ['b', 'a']));
    expect(output.kind === 'dataframe' && output.frame.columns).toEqual(['sum', 'product']);
    expect(column(output, 'sum')).toEqual([4, 6]);
    expect(column(output, 'product')).toEqual([3, 8]);
    await expect(two.predict(f32([[1, 2]]))).rejects.toMatchObject({ message: expect.stringContaining('This model requires 2 inputs') });
  });

  it('applies and keeps MLflow\'s onnx_session_options and providers', async () => {
    const dir = join(tmp, 'options');
    await onnx.saveModel(linearOnnxModel(), dir, {
      sessionOptions: { intra_op_num_threads: 1, inter_op_num_threads: 1, execution_mode: 'sequential', graph_optimization_level: 99 },
      executionProviders: ['CPUExecutionProvider'],
    });
    const model = await open(dir);
    expect(model.mlmodel.flavors.onnx).toMatchObject({
      onnx_session_options: { intra_op_num_threads: 1, inter_op_num_threads: 1, execution_mode: 'sequential', graph_optimization_level: 99 },
      providers: ['CPUExecutionProvider'],
    });
    const output = await model.predict(f32([[1, 2, 3, 4]]));
    expect(output.kind === 'tensors' && Array.from(output.tensors.output!.data as Float32Array)).toEqual([30.5]);
  });

  it('onnx.loadModel gives the onnxruntime session itself', async () => {
    const session = await onnx.loadModel(MLFLOW_ONNX);
    expect(session.inputNames).toEqual(['input']);
    await session.release();
  });
});

describe('flavors Orrery cannot execute', () => {
  it('loads an sklearn model MLflow wrote (flavor, signature) and predict says to export it to ONNX', async () => {
    const model = await open(MLFLOW_SKLEARN);
    expect(model.flavor).toBe('sklearn');
    expect(Object.keys(model.mlmodel.flavors)).toEqual(['python_function', 'sklearn']);
    expect(model.signature?.outputs).toEqual({ kind: 'columns', columns: [{ type: 'double', name: 'y', required: true }] });
    await expect(model.predict(frame([[1, 2, 3, 4]]))).rejects.toMatchObject({
      code: 'NOT_IMPLEMENTED',
      message: expect.stringMatching(/cannot execute the 'sklearn' flavor.*Export the model to ONNX \(e\.g\. with skl2onnx\)/),
    });
  });
});
