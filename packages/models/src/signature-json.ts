/**
 * Signatures as the MLmodel file holds them (each schema a JSON string of specs, in MLflow's key
 * order) and as MLflow prints them in messages (`['x0': double (required), ...]`).
 */
import { OrreryError, type MlmodelSignature } from '@orrery/core';
import type { TensorDType } from './model-data.js';
import { pyTuple } from './python-repr.js';
import type { ColSpec, ColumnType, ModelSignature, ParamSpec, Schema, TensorSpec } from './signature-types.js';

const COLUMN_TYPES: readonly ColumnType[] = ['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime'];

/** numpy dtype names MLflow writes in a tensor spec, and what Orrery calls each. */
const TENSOR_DTYPES: Record<string, TensorDType> = {
  float32: 'float32', float64: 'float64', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64', bool: 'bool',
  str: 'string', object: 'string', string: 'string',
};

function invalid(message: string): OrreryError {
  return new OrreryError('INVALID_PARAMETER_VALUE', message);
}

/** A numpy dtype name as MLflow writes it for an Orrery tensor dtype. */
export function numpyDtypeName(dtype: TensorDType): string {
  return dtype === 'string' ? 'str' : dtype;
}

function readTensorDtype(value: unknown): TensorDType {
  if (typeof value === 'string') {
    const known = TENSOR_DTYPES[value] ?? (/^[<>|]?U\d*$/.test(value) ? 'string' : undefined);
    if (known !== undefined) return known;
  }
  throw invalid(`Unsupported tensor dtype ${JSON.stringify(value)} in a signature; expected one of ${Object.keys(TENSOR_DTYPES).join(', ')}.`);
}

function readSchema(specs: Array<Record<string, unknown>> | undefined, field: string): Schema | undefined {
  if (specs === undefined) return undefined;
  if (specs.length > 0 && specs.every((spec) => spec.type === 'tensor')) {
    const tensors = specs.map((spec): TensorSpec => {
      const info = spec['tensor-spec'];
      if (info === null || typeof info !== 'object') throw invalid(`signature.${field}: a tensor spec needs 'tensor-spec': {dtype, shape}.`);
      const { dtype, shape } = info as { dtype?: unknown; shape?: unknown };
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d))) throw invalid(`signature.${field}: 'shape' must be a list of integers (-1 for any size).`);
      return { ...(typeof spec.name === 'string' ? { name: spec.name } : {}), dtype: readTensorDtype(dtype), shape: shape as number[] };
    });
    return { kind: 'tensors', tensors };
  }
  if (specs.some((spec) => spec.type === 'tensor')) throw invalid(`signature.${field}: column and tensor specs cannot be mixed in one schema.`);
  const columns = specs.map((spec): ColSpec => {
    if (!COLUMN_TYPES.includes(spec.type as ColumnType)) {
      throw invalid(`signature.${field}: unsupported column type ${JSON.stringify(spec.type)}; expected one of ${COLUMN_TYPES.join(', ')}.`);
    }
    return { type: spec.type as ColumnType, ...(typeof spec.name === 'string' ? { name: spec.name } : {}), required: spec.required !== false };
  });
  return { kind: 'columns', columns };
}

function readParams(specs: Array<Record<string, unknown>> | undefined): ParamSpec[] | undefined {
  if (specs === undefined) return undefined;
  return specs.map((spec) => {
    if (typeof spec.name !== 'string' || !COLUMN_TYPES.includes(spec.type as ColumnType)) {
      throw invalid(`signature.params: each param needs a 'name' and a 'type' (${COLUMN_TYPES.join(', ')}).`);
    }
    const shape = Array.isArray(spec.shape) ? (spec.shape as number[]) : null;
    return { name: spec.name, type: spec.type as ColumnType, default: spec.default ?? null, shape };
  });
}

/** The typed signature of a parsed MLmodel's `signature`. */
export function signatureFromMlmodel(signature: MlmodelSignature | undefined): ModelSignature | undefined {
  if (signature === undefined) return undefined;
  const inputs = readSchema(signature.inputs, 'inputs');
  const outputs = readSchema(signature.outputs, 'outputs');
  const params = readParams(signature.params);
  if (inputs === undefined && outputs === undefined && params === undefined) return undefined;
  return { ...(inputs ? { inputs } : {}), ...(outputs ? { outputs } : {}), ...(params ? { params } : {}) };
}

/** One schema's specs as MLflow's `Schema.to_dict()` lists them (key order matters: it is JSON text). */
export function schemaToSpecs(schema: Schema): Array<Record<string, unknown>> {
  if (schema.kind === 'columns') {
    return schema.columns.map((column) => ({ type: column.type, ...(column.name !== undefined ? { name: column.name } : {}), required: column.required }));
  }
  return schema.tensors.map((tensor) => ({
    ...(tensor.name !== undefined ? { name: tensor.name } : {}),
    type: 'tensor',
    'tensor-spec': { dtype: numpyDtypeName(tensor.dtype), shape: tensor.shape },
  }));
}

/** Python's `json.dumps` spacing (`", "` and `": "`), as MLflow writes the specs. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return JSON.stringify(value ?? null);
}

/** The MLmodel `signature` mapping: `inputs`, `outputs`, `params`, each a JSON string or null. */
export function signatureToMlmodel(signature: ModelSignature): Record<string, string | null> {
  return {
    inputs: signature.inputs ? pythonJson(schemaToSpecs(signature.inputs)) : null,
    outputs: signature.outputs ? pythonJson(schemaToSpecs(signature.outputs)) : null,
    params: signature.params
      ? pythonJson(signature.params.map((p) => ({ name: p.name, type: p.type, default: p.default, shape: p.shape })))
      : null,
  };
}

/** A schema as MLflow's `repr(Schema)` prints it in messages. */
export function schemaRepr(schema: Schema): string {
  if (schema.kind === 'columns') {
    return `[${schema.columns
      .map((c) => `${c.name !== undefined ? `'${c.name}': ` : ''}${c.type} (${c.required ? 'required' : 'optional'})`)
      .join(', ')}]`;
  }
  return `[${schema.tensors
    .map((t) => `${t.name !== undefined ? `'${t.name}': ` : ''}Tensor('${numpyDtypeName(t.dtype)}', ${pyTuple(t.shape)})`)
    .join(', ')}]`;
}
