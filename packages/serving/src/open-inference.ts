/**
 * The Open Inference Protocol (KServe v2, as MLServer and Triton speak it): request tensors
 * `{name, shape, datatype, data}` → `ModelInput` (columns for a column signature, named tensors
 * otherwise) and the model's output → response tensors.
 */
import { OrreryError } from '@orrery/core';
import type { ModelInput, ModelOutput, ModelSignature, Schema, Tensor, TensorDType } from '@orrery/models';
import { inferDType, tensorFromValues } from './tensor-values.js';

const TO_DTYPE: Record<string, TensorDType> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64',
  INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  FP16: 'float32', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};
const FROM_DTYPE: Record<TensorDType, string> = {
  bool: 'BOOL', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64',
  int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64',
  float32: 'FP32', float64: 'FP64', string: 'BYTES',
};
const COLUMN_DATATYPE: Record<string, string> = {
  double: 'FP64', float: 'FP32', long: 'INT64', integer: 'INT32', boolean: 'BOOL', string: 'BYTES', binary: 'BYTES', datetime: 'BYTES',
};

function bad(message: string): OrreryError {
  return new OrreryError('INVALID_PARAMETER_VALUE', message);
}

interface RequestTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

function flatten(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const v of value) flatten(v, out);
  else out.push(value);
}

function readTensor(raw: unknown, index: number): RequestTensor {
  if (raw === null || typeof raw !== 'object') throw bad(`inputs[${index}] must be an object with name, shape, datatype and data`);
  const t = raw as Record<string, unknown>;
  if (typeof t.name !== 'string') throw bad(`inputs[${index}].name must be a string`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw bad(`inputs[${index}].shape must be a list of non-negative integers`);
  }
  if (typeof t.datatype !== 'string' || !(t.datatype in TO_DTYPE)) {
    throw bad(`inputs[${index}].datatype must be one of ${Object.keys(TO_DTYPE).join(', ')}; got ${JSON.stringify(t.datatype)}`);
  }
  const data: unknown[] = [];
  flatten(t.data, data);
  const shape = t.shape as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw bad(`inputs[${index}] ('${t.name}'): shape [${shape.join(', ')}] holds ${size} values, data has ${data.length}`);
  return { name: t.name, shape, datatype: t.datatype, data };
}

export interface OipRequest {
  id: string | undefined;
  input: ModelInput;
  params: Record<string, unknown> | undefined;
  rows: number;
}

/** An inference request body → ModelInput, shaped by the model's input schema. */
export function parseOipRequest(text: string, schema: Schema | undefined): OipRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw bad(`The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('The request body must be a JSON object with "inputs"');
  const request = body as Record<string, unknown>;
  if (!Array.isArray(request.inputs) || request.inputs.length === 0) throw bad('"inputs" must be a non-empty list of tensors');
  const inputs = request.inputs.map(readTensor);
  const id = typeof request.id === 'string' ? request.id : undefined;
  const params = request.parameters !== null && typeof request.parameters === 'object' && !Array.isArray(request.parameters)
    ? (request.parameters as Record<string, unknown>) : undefined;
  const rows = inputs[0]!.shape[0] ?? 1;
  let input: ModelInput;
  if (schema?.kind === 'columns') {
    // Each input is a column: shape [n] or [n, 1] holds scalars, [n, k] a list per row.
    if (inputs.some((t) => (t.shape[0] ?? 1) !== rows)) throw bad('every input of a column-based model must have the same first dimension');
    const columns = inputs.map((t) => t.name);
    const cells = inputs.map((t) => {
      const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
      const values = t.datatype === 'BOOL' ? t.data.map(Boolean) : t.data;
      if (width === 1) return values;
      return Array.from({ length: rows }, (_, r) => values.slice(r * width, (r + 1) * width));
    });
    input = { kind: 'dataframe', frame: { columns, rows: Array.from({ length: rows }, (_, r) => cells.map((c) => c[r])) } };
  } else {
    const tensors: Record<string, Tensor> = {};
    try {
      for (const t of inputs) tensors[t.name] = tensorFromValues(t.data, t.shape, TO_DTYPE[t.datatype]!);
    } catch (error) {
      throw bad(error instanceof Error ? error.message : String(error));
    }
    const unnamed = schema?.kind === 'tensors' && schema.tensors.length === 1 && schema.tensors[0]!.name === undefined;
    input = unnamed && inputs.length === 1 ? { kind: 'tensor', tensor: tensors[inputs[0]!.name]! } : { kind: 'tensors', tensors };
  }
  return { id, input, params, rows };
}

interface ResponseTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

function tensorOut(name: string, t: Tensor): ResponseTensor {
  const data = Array.from(t.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  return { name, datatype: FROM_DTYPE[t.dtype], shape: t.shape, data };
}

function valuesOut(name: string, values: unknown[]): ResponseTensor {
  const first = values.find((v) => v !== null && v !== undefined);
  if (Array.isArray(first)) {
    const flat: unknown[] = [];
    flatten(values, flat);
    const width = first.length;
    return { name, datatype: FROM_DTYPE[inferDType(flat)], shape: [values.length, width], data: flat };
  }
  return { name, datatype: FROM_DTYPE[inferDType(values)], shape: [values.length], data: values };
}

/** The model's output as response tensors. */
export function oipOutputs(output: ModelOutput, outputSchema: Schema | undefined): ResponseTensor[] {
  switch (output.kind) {
    case 'tensor':
      return [tensorOut(outputSchema?.kind === 'tensors' ? outputSchema.tensors[0]?.name ?? 'output-0' : 'output-0', output.tensor)];
    case 'tensors':
      return Object.entries(output.tensors).map(([name, t]) => tensorOut(name, t));
    case 'list':
      return [valuesOut('output-0', output.values)];
    case 'dataframe': {
      const { columns, rows } = output.frame;
      return columns.map((name, c) => {
        const out = valuesOut(name, rows.map((r) => r[c]));
        const spec = outputSchema?.kind === 'tensors' ? outputSchema.tensors.find((t) => t.name === name) : undefined;
        if (spec) out.datatype = FROM_DTYPE[spec.dtype];
        else if (outputSchema?.kind === 'columns') {
          const col = outputSchema.columns.find((x) => x.name === name);
          if (col) out.datatype = COLUMN_DATATYPE[col.type] ?? out.datatype;
        }
        return out;
      });
    }
  }
}

export interface OipModelInfo {
  name: string;
  version: string | undefined;
  flavor: string;
  signature: ModelSignature | undefined;
}

function schemaTensors(schema: Schema | undefined): Array<{ name: string; datatype: string; shape: number[] }> {
  if (!schema) return [];
  if (schema.kind === 'tensors') {
    return schema.tensors.map((t, i) => ({ name: t.name ?? `input-${i}`, datatype: FROM_DTYPE[t.dtype], shape: t.shape }));
  }
  return schema.columns.map((c, i) => ({ name: c.name ?? String(i), datatype: COLUMN_DATATYPE[c.type] ?? 'BYTES', shape: [-1] }));
}

/** `GET /v2/models/<name>`: the model's metadata. */
export function oipModelMetadata(info: OipModelInfo): Record<string, unknown> {
  return {
    name: info.name,
    versions: info.version !== undefined ? [info.version] : [],
    platform: `orrery-${info.flavor}`,
    inputs: schemaTensors(info.signature?.inputs),
    outputs: schemaTensors(info.signature?.outputs),
  };
}

/** The inference response body. */
export function oipResponseJson(info: OipModelInfo, id: string | undefined, output: ModelOutput): string {
  return JSON.stringify({
    model_name: info.name,
    ...(info.version !== undefined ? { model_version: info.version } : {}),
    ...(id !== undefined ? { id } : {}),
    outputs: oipOutputs(output, info.signature?.outputs),
  });
}

/** OIP's error body. */
export function oipError(status: number, message: string): { status: number; contentType: string; body: string } {
  return { status, contentType: 'application/json', body: JSON.stringify({ error: message }) };
}
