/**
 * Nested JSON lists ↔ tensors, as numpy's `np.array(data, dtype)` builds them from the scoring
 * protocol's `instances` / `inputs` and `tolist()` writes them back.
 */
import { OrreryError, pythonTypeName } from '@orrery/core';
import type { Tensor, TensorDType } from '@orrery/models';
import { FloatLiteral } from './json-literals.js';

export class InvalidInput extends OrreryError {
  constructor(message: string) {
    super('BAD_REQUEST', `Invalid input. ${message}`);
  }
}

/** The shape of a rectangular nested list; throws as numpy does on a ragged one. */
export function nestedShape(value: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  checkRectangular(value, shape, 0);
  return shape;
}

function checkRectangular(value: unknown, shape: number[], depth: number): void {
  if (depth === shape.length) {
    if (Array.isArray(value)) throw inhomogeneous(depth);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) throw inhomogeneous(depth);
  for (const item of value) checkRectangular(item, shape, depth + 1);
}

function inhomogeneous(depth: number): InvalidInput {
  return new InvalidInput(
    `setting an array element with a sequence. The requested array has an inhomogeneous shape after ${depth} dimensions.`,
  );
}

function flatten(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const item of value) flatten(item, out);
  else out.push(value);
}

/** The dtype numpy infers for JSON scalars: bool, int64, float64 or a string array. */
export function inferDType(values: readonly unknown[]): TensorDType {
  let kind: TensorDType = 'int64';
  let seen = false;
  for (const v of values) {
    seen = true;
    if (typeof v === 'string') return 'string';
    if (v instanceof FloatLiteral) {
      kind = 'float64';
      continue;
    }
    if (typeof v === 'boolean') {
      if (kind === 'int64' && values.every((x) => typeof x === 'boolean')) return 'bool';
      continue;
    }
    if (v === null || (typeof v === 'number' && !Number.isInteger(v))) kind = 'float64';
  }
  return seen ? kind : 'float64';
}


/** Python's `float(x)` for a JSON value (numpy's cast of an object array to float). */
export function toFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof FloatLiteral) return value.value;
  if (value === null || value === undefined) return NaN;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (/^[+-]?(\d+(_\d+)*)?(\.\d*)?(e[+-]?\d+)?$/.test(text) && /\d/.test(text)) return Number(text.replace(/_/g, ''));
    if (/^[+-]?(inf|infinity)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(text)) return NaN;
    throw new TypeError(`could not convert string to float: '${value}'`);
  }
  throw new TypeError(`float() argument must be a string or a real number, not '${pythonTypeName(value)}'`);
}

/** Python's `int(x)` for a JSON value (numpy's cast to an integer dtype truncates floats). */
export function toInt(value: unknown): number {
  if (value instanceof FloatLiteral) return toInt(value.value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('cannot convert float NaN to integer');
    return Math.trunc(value);
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  if (value === null || value === undefined) {
    throw new TypeError("int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
  }
  throw new TypeError(`invalid literal for int() with base 10: '${String(value)}'`);
}

/** Builds a tensor from flat JSON values, casting each to `dtype` as numpy does. */
export function tensorFromValues(values: readonly unknown[], shape: number[], dtype: TensorDType): Tensor {
  const n = values.length;
  switch (dtype) {
    case 'float32':
    case 'float64': {
      const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = toFloat(values[i]);
      return { dtype, shape, data };
    }
    case 'int64':
    case 'uint64': {
      const data = dtype === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
      for (let i = 0; i < n; i++) data[i] = BigInt(toInt(values[i]));
      return { dtype, shape, data };
    }
    case 'bool':
      return { dtype, shape, data: values.map((v) => Boolean(v)) };
    case 'string':
      return { dtype, shape, data: values.map((v) => (typeof v === 'string' ? v : v === null ? 'None' : String(v instanceof FloatLiteral ? v.value : v))) };
    default: {
      const Ctor = { int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array }[dtype];
      const data = new Ctor(n);
      for (let i = 0; i < n; i++) data[i] = toInt(values[i]);
      return { dtype, shape, data };
    }
  }
}

/** `np.array(value, dtype)`: a nested JSON list (or a scalar) as a tensor; dtype inferred when absent. */
export function tensorFromNested(value: unknown, dtype?: TensorDType): Tensor {
  const shape = nestedShape(value);
  const flat: unknown[] = [];
  flatten(value, flat);
  try {
    return tensorFromValues(flat, shape, dtype ?? inferDType(flat));
  } catch (error) {
    if (error instanceof TypeError) throw new InvalidInput(error.message);
    throw error;
  }
}
