/**
 * `ModelOutput` → the JSON MLflow's `predictions_to_json` writes: a DataFrame as a list of records
 * (`[{"output": 30.5}]`), an ndarray as its nested list, a dict of ndarrays as a dict of nested
 * lists, anything else as is; floats as Python writes them (`1.0`, bare `NaN`).
 */
import type { DataFrame, ModelOutput, Schema, Tensor, TensorDType } from '@orrery/models';
import { type NumberStyle, pythonFloat, pythonJson, pythonString } from './python-json.js';

function isFloatDType(dtype: TensorDType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** A tensor's nested list written straight from its typed array (the hot path: no boxing). */
export function tensorJson(tensor: Tensor): string {
  const data = tensor.data as ArrayLike<unknown>;
  const float = isFloatDType(tensor.dtype);
  const scalar =
    float ? (i: number) => pythonFloat(data[i] as number)
    : tensor.dtype === 'string' ? (i: number) => pythonString(data[i] as string)
    : tensor.dtype === 'bool' ? (i: number) => (data[i] ? 'true' : 'false')
    : (i: number) => String(data[i]);
  const { shape } = tensor;
  if (shape.length === 0) return scalar(0);
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  const write = (depth: number, offset: number): string => {
    const size = shape[depth]!;
    const parts = new Array<string>(size);
    if (depth === shape.length - 1) for (let i = 0; i < size; i++) parts[i] = scalar(offset + i);
    else for (let i = 0; i < size; i++) parts[i] = write(depth + 1, offset + i * strides[depth]!);
    return `[${parts.join(', ')}]`;
  };
  return write(0, 0);
}

/** Which columns of an output frame hold floats: the frame's own dtypes when given, else the output schema. */
function columnStyles(frame: DataFrame, outputSchema: Schema | undefined): (NumberStyle | undefined)[] {
  return frame.columns.map((name, i) => {
    const dtype = frame.dtypes?.[i];
    if (dtype) return dtype.startsWith('float') ? 'float' : undefined;
    if (!outputSchema) return undefined;
    if (outputSchema.kind === 'tensors') {
      const spec = outputSchema.tensors.find((t) => t.name === name) ?? (outputSchema.tensors.length === 1 ? outputSchema.tensors[0] : undefined);
      return spec && isFloatDType(spec.dtype) ? 'float' : undefined;
    }
    const spec = outputSchema.columns.find((c) => c.name === name) ?? (outputSchema.columns.length === 1 ? outputSchema.columns[0] : undefined);
    return spec && (spec.type === 'double' || spec.type === 'float') ? 'float' : undefined;
  });
}

/** `DataFrame.to_dict(orient="records")`. */
export function recordsJson(frame: DataFrame, outputSchema: Schema | undefined): string {
  const styles = columnStyles(frame, outputSchema);
  const keys = frame.columns.map((c) => `${pythonString(c)}: `);
  const rows = frame.rows.map((row) => {
    const parts = new Array<string>(keys.length);
    for (let c = 0; c < keys.length; c++) parts[c] = keys[c]! + pythonJson(row[c], styles[c]);
    return `{${parts.join(', ')}}`;
  });
  return `[${rows.join(', ')}]`;
}

/** The JSON value of the predictions alone. */
export function predictionsJson(output: ModelOutput, outputSchema: Schema | undefined): string {
  switch (output.kind) {
    case 'dataframe':
      return recordsJson(output.frame, outputSchema);
    case 'tensor':
      return tensorJson(output.tensor);
    case 'tensors':
      return `{${Object.entries(output.tensors).map(([k, t]) => `${pythonString(k)}: ${tensorJson(t)}`).join(', ')}}`;
    case 'list':
      return pythonJson(output.values);
  }
}

/** `{"predictions": ...}` as MLflow's server and predict CLI write it (no trailing newline). */
export function scoringResponseJson(output: ModelOutput, outputSchema: Schema | undefined): string {
  return `{"predictions": ${predictionsJson(output, outputSchema)}}`;
}
