/**
 * Making and converting tensors: typed arrays for each dtype, nested JSON arrays to a tensor and
 * back, and casts between numeric dtypes.
 */
import { OrreryError } from '@orrery/core';
import type { Tensor, TensorDType } from './model-data.js';

/** Whether a dtype holds numbers (as opposed to booleans or strings). */
export function isNumericDType(dtype: TensorDType): boolean {
  return dtype !== 'bool' && dtype !== 'string';
}

export function isFloatDType(dtype: TensorDType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** A tensor's data array for `dtype` from plain values (numbers, bigints, booleans or strings). */
export function typedData(dtype: TensorDType, values: readonly unknown[]): Tensor['data'] {
  const numbers = () => values.map((v) => (v === null || v === undefined ? Number.NaN : Number(v)));
  const bigints = () => values.map((v) => (typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))));
  switch (dtype) {
    case 'float32': return Float32Array.from(numbers());
    case 'float64': return Float64Array.from(numbers());
    case 'int8': return Int8Array.from(numbers());
    case 'int16': return Int16Array.from(numbers());
    case 'int32': return Int32Array.from(numbers());
    case 'uint8': return Uint8Array.from(numbers());
    case 'uint16': return Uint16Array.from(numbers());
    case 'uint32': return Uint32Array.from(numbers());
    case 'int64': return BigInt64Array.from(bigints());
    case 'uint64': return BigUint64Array.from(bigints());
    case 'bool': return values.map((v) => Boolean(v));
    case 'string': return values.map((v) => String(v));
  }
}

/** Elements as plain JS values (bigints become numbers). */
export function tensorValues(tensor: Tensor): unknown[] {
  return Array.from(tensor.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
}

/** The tensor cast to another dtype (numbers only; the caller checks the cast is wanted). */
export function castTensor(tensor: Tensor, dtype: TensorDType): Tensor {
  if (tensor.dtype === dtype) return tensor;
  return { dtype, shape: tensor.shape, data: typedData(dtype, tensorValues(tensor)) };
}

/** Shape and flat elements of nested arrays; INVALID_PARAMETER_VALUE when they are ragged. */
export function flattenNested(value: unknown): { shape: number[]; values: unknown[] } {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const values: unknown[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw new OrreryError('INVALID_PARAMETER_VALUE', 'The input is a ragged nested list: its rows differ in length or depth.');
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new OrreryError('INVALID_PARAMETER_VALUE', 'The input is a ragged nested list: its rows differ in length or depth.');
    }
    for (const child of node) walk(child, depth + 1);
  };
  walk(value, 0);
  return { shape, values };
}

/** The dtype numpy would give these values: bool, int64, float64 or str. */
export function inferTensorDType(values: readonly unknown[]): TensorDType {
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'bool';
  if (values.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))) return 'int64';
  if (values.every((v) => typeof v === 'number' || v === null)) return 'float64';
  return 'string';
}

/** A tensor from nested JSON arrays, with the dtype given or the one numpy would infer. */
export function tensorFromNested(value: unknown, dtype?: TensorDType): Tensor {
  const { shape, values } = flattenNested(value);
  const type = dtype ?? inferTensorDType(values);
  return { dtype: type, shape, data: typedData(type, values) };
}

/** Nested JSON arrays from a tensor (numbers stay numbers; NaN stays NaN). */
export function tensorToNested(tensor: Tensor): unknown {
  const values = tensorValues(tensor);
  if (tensor.shape.length === 0) return values[0];
  const build = (dim: number, offset: number): unknown[] => {
    const size = tensor.shape[dim]!;
    const stride = tensor.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: size }, (_, i) => (dim === tensor.shape.length - 1 ? values[offset + i] : build(dim + 1, offset + i * stride)));
  };
  return build(0, 0);
}

/** The number of elements a shape holds. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
