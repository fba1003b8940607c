/**
 * `inferSignature(input, output?, params?)`: MLflow's `infer_signature`. A column of integral
 * numbers is `long`, other numbers `double` (a column mixing them is `double`), booleans
 * `boolean`, text `string`; a column with missing values is optional. Tensors keep their dtype
 * and shape, with the first (batch) dimension made variable (-1).
 */
import { OrreryError } from '@orrery/core';
import { frameDTypes } from './frame-dtypes.js';
import type { DataFrame, ModelInput, ModelOutput, Tensor } from './model-data.js';
import type { ColSpec, ColumnType, ModelSignature, ParamSpec, Schema, TensorSpec } from './signature-types.js';

/** What a signature can be inferred from. */
export type InferableData = ModelInput | ModelOutput | DataFrame | Array<Record<string, unknown>>;

function isModelData(value: unknown): value is ModelInput | ModelOutput {
  return value !== null && typeof value === 'object' && 'kind' in value;
}

/** A list of records (`[{x0: 1, x1: 2}, ...]`) as a frame, columns in first-seen order. */
export function frameFromRecords(records: Array<Record<string, unknown>>): DataFrame {
  const columns: string[] = [];
  for (const record of records) for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
  return { columns, rows: records.map((record) => columns.map((c) => record[c] ?? null)) };
}

function columnType(values: unknown[], dtype: string): ColumnType {
  switch (dtype) {
    case 'int64': return 'long';
    case 'int32': return 'integer';
    case 'float32': return 'float';
    case 'float64': return 'double';
    case 'bool': return 'boolean';
    default: {
      const present = values.filter((v) => v !== null && v !== undefined);
      if (present.length > 0 && present.every((v) => typeof v === 'string')) return 'string';
      if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return 'boolean';
      throw new OrreryError(
        'INVALID_PARAMETER_VALUE',
        `Cannot infer a column type from values ${JSON.stringify(present.slice(0, 3))}: columns hold numbers, booleans or strings.`,
      );
    }
  }
}

function frameSchema(frame: DataFrame): Schema {
  const dtypes = frameDTypes(frame);
  const columns = frame.columns.map((name, index): ColSpec => {
    const values = frame.rows.map((row) => row[index]);
    return { type: columnType(values, dtypes[index]!), name, required: !values.some((v) => v === null || v === undefined) };
  });
  return { kind: 'columns', columns };
}

function tensorSpec(tensor: Tensor, name?: string): TensorSpec {
  const shape = tensor.shape.length === 0 ? [] : [-1, ...tensor.shape.slice(1)];
  return { ...(name !== undefined ? { name } : {}), dtype: tensor.dtype, shape };
}

function schemaOf(data: InferableData): Schema {
  if (Array.isArray(data)) return frameSchema(frameFromRecords(data));
  if (!isModelData(data)) return frameSchema(data);
  switch (data.kind) {
    case 'dataframe':
      return frameSchema(data.frame);
    case 'tensor':
      return { kind: 'tensors', tensors: [tensorSpec(data.tensor)] };
    case 'tensors':
      return { kind: 'tensors', tensors: Object.entries(data.tensors).map(([name, t]) => tensorSpec(t, name)) };
    case 'list': {
      const frame: DataFrame = { columns: ['0'], rows: data.values.map((v) => [v]) };
      const [column] = (frameSchema(frame) as { columns: ColSpec[] }).columns;
      return { kind: 'columns', columns: [{ type: column!.type, required: column!.required }] };
    }
  }
}

function paramType(name: string, value: unknown): ColumnType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  throw new OrreryError('INVALID_PARAMETER_VALUE', `Cannot infer the type of param '${name}' from ${JSON.stringify(value)}: params are numbers, booleans, strings or lists of one of them.`);
}

function paramSpec(name: string, value: unknown): ParamSpec {
  if (Array.isArray(value)) {
    const types = new Set(value.map((item) => paramType(name, item)));
    const type = types.has('double') && types.has('long') && types.size === 2 ? 'double' : [...types][0] ?? 'string';
    if (types.size > 1 && type !== 'double') throw new OrreryError('INVALID_PARAMETER_VALUE', `Param '${name}' mixes types in its list: ${[...types].join(', ')}.`);
    return { name, type, default: value, shape: [-1] };
  }
  return { name, type: paramType(name, value), default: value, shape: null };
}

/** MLflow's `infer_signature`: schemas from example input and output, params from example params. */
export function inferSignature(input?: InferableData, output?: InferableData, params?: Record<string, unknown>): ModelSignature {
  return {
    ...(input !== undefined ? { inputs: schemaOf(input) } : {}),
    ...(output !== undefined ? { outputs: schemaOf(output) } : {}),
    ...(params !== undefined ? { params: Object.entries(params).map(([name, value]) => paramSpec(name, value)) } : {}),
  };
}
