/**
 * How an ONNX model is fed and answered, as MLflow's onnx pyfunc wrapper does: a DataFrame feeds
 * a single-input model its whole value matrix (rows × columns) and a multi-input model one column
 * per input; a tensor feeds the single input; a dict of tensors is the feed. float64 is cast to
 * float32 where the model wants float (MLflow does the same); other numeric mismatches are cast
 * too, since onnxruntime-node has no implicit conversion. For a DataFrame input the outputs come
 * back as a DataFrame, one column per output, each output flattened; otherwise as a dict of
 * tensors.
 */
import { OrreryError } from '@orrery/core';
import { columnValues, frameDTypes } from '../frame-dtypes.js';
import type { DataFrame, FrameDType, ModelInput, ModelOutput, Tensor, TensorDType } from '../model-data.js';
import { pyList } from '../python-repr.js';
import { castTensor, isNumericDType, tensorValues, typedData } from '../tensors.js';

/** An input of the ONNX graph: its name and element type as onnxruntime-node reports it. */
export interface OnnxInputInfo {
  name: string;
  /** onnxruntime-node's tensor type name (`float32`, `float64`, `int64`, `bool`, `string`, ...). */
  type: string | undefined;
}

const ORT_TO_DTYPE: Record<string, TensorDType> = {
  float32: 'float32', float64: 'float64', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64', bool: 'bool', string: 'string',
};

/**
 * `DataFrame.values`: the rows × columns matrix, in the columns' common dtype. When every column
 * is numeric and the graph takes floats, it is written straight into the float array the graph
 * wants (the common case, and the one worth no intermediate arrays).
 */
function frameMatrix(frame: DataFrame, input: OnnxInputInfo): Tensor {
  const dtypes = frameDTypes(frame);
  const shape = [frame.rows.length, frame.columns.length];
  const numeric = dtypes.every((d) => d !== 'object');
  const wanted = input.type !== undefined ? ORT_TO_DTYPE[input.type] : undefined;
  if (numeric && (wanted === 'float32' || wanted === 'float64')) {
    const data = wanted === 'float32' ? new Float32Array(shape[0]! * shape[1]!) : new Float64Array(shape[0]! * shape[1]!);
    let at = 0;
    for (const row of frame.rows) {
      for (let c = 0; c < shape[1]!; c += 1) {
        const value = row[c];
        data[at++] = value === null || value === undefined ? Number.NaN : Number(value);
      }
    }
    return { dtype: wanted, shape, data };
  }
  const dtype: TensorDType = dtypes.every((d) => d === dtypes[0]) && numeric ? (dtypes[0] as TensorDType) : numeric ? 'float64' : 'string';
  return { dtype, shape, data: typedData(dtype, frame.rows.flat()) };
}

function fitToInput(tensor: Tensor, input: OnnxInputInfo): Tensor {
  const wanted = input.type !== undefined ? ORT_TO_DTYPE[input.type] : undefined;
  if (wanted === undefined || wanted === tensor.dtype) return tensor;
  if (isNumericDType(wanted) && isNumericDType(tensor.dtype)) return castTensor(tensor, wanted);
  throw new OrreryError('INVALID_PARAMETER_VALUE', `The ONNX model's input '${input.name}' takes ${input.type} tensors, not ${tensor.dtype}.`);
}

/** The feed for a (signature-enforced) input. */
export function onnxFeed(input: ModelInput, inputs: OnnxInputInfo[]): Record<string, Tensor> {
  const feed: Record<string, Tensor> = {};
  if (input.kind === 'tensors') {
    for (const [name, tensor] of Object.entries(input.tensors)) {
      const info = inputs.find((i) => i.name === name);
      feed[name] = info === undefined ? tensor : fitToInput(tensor, info);
    }
    return feed;
  }
  if (input.kind === 'tensor') {
    if (inputs.length !== 1) {
      throw new OrreryError(
        'INVALID_PARAMETER_VALUE',
        `Unable to map numpy array input to the expected model input. Numpy arrays can only be used as input for MLflow ONNX models that have a single input. This model requires ${inputs.length} inputs. Please pass in data as either a dictionary or a DataFrame with the following tensors: ${pyList(inputs.map((i) => i.name))}.`,
      );
    }
    feed[inputs[0]!.name] = fitToInput(input.tensor, inputs[0]!);
    return feed;
  }
  const { frame } = input;
  if (inputs.length > 1) {
    for (const info of inputs) {
      const index = frame.columns.indexOf(info.name);
      if (index < 0) {
        throw new OrreryError('INVALID_PARAMETER_VALUE', `The ONNX model's input '${info.name}' has no column in the DataFrame (columns: ${pyList(frame.columns)}).`);
      }
      const dtype = frameDTypes(frame)[index]!;
      const values = columnValues(frame, index);
      const tensorType: TensorDType = dtype === 'object' ? 'string' : dtype;
      feed[info.name] = fitToInput({ dtype: tensorType, shape: [values.length], data: typedData(tensorType, values) }, info);
    }
    return feed;
  }
  feed[inputs[0]!.name] = fitToInput(frameMatrix(frame, inputs[0]!), inputs[0]!);
  return feed;
}

/** The model's answer: a DataFrame (one flattened column per output) for a DataFrame input, else the tensors. */
export function onnxOutput(input: ModelInput, outputs: Array<{ name: string; tensor: Tensor }>): ModelOutput {
  if (input.kind !== 'dataframe') return { kind: 'tensors', tensors: Object.fromEntries(outputs.map((o) => [o.name, o.tensor])) };
  const columns = outputs.map((o) => ({ name: o.name, values: tensorValues(o.tensor), dtype: frameDTypeOf(o.tensor.dtype) }));
  const lengths = new Set(columns.map((c) => c.values.length));
  if (lengths.size > 1) {
    throw new OrreryError('INTERNAL_ERROR', `The ONNX model's outputs have different lengths once flattened (${columns.map((c) => `${c.name}: ${c.values.length}`).join(', ')}), so they do not make one DataFrame; pass tensors instead of a DataFrame.`);
  }
  const length = columns[0]?.values.length ?? 0;
  return {
    kind: 'dataframe',
    frame: { columns: columns.map((c) => c.name), rows: Array.from({ length }, (_, r) => columns.map((c) => c.values[r])), dtypes: columns.map((c) => c.dtype) },
  };
}

function frameDTypeOf(dtype: TensorDType): FrameDType {
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'int64' || dtype === 'int32' || dtype === 'bool') return dtype;
  return isNumericDType(dtype) ? 'int64' : 'object';
}
