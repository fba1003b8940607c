/**
 * Python's and numpy's text forms of lists, tuples and arrays, so error messages read as MLflow's
 * do (`['x0', 'x1']`, `(1, 3)`, `[[1. 2. 3. 4.]]`).
 */
import type { Tensor } from './model-data.js';

/** `repr()` of a str or int, as in a Python list. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : String(value);
  if (Array.isArray(value)) return pyList(value);
  return JSON.stringify(value);
}

/** A Python list: `['a', 'b']`, `[0, 1]`. */
export function pyList(values: readonly unknown[]): string {
  return `[${values.map(pyRepr).join(', ')}]`;
}

/** A Python tuple of ints: `(1, 3)`, `(5,)`. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** One numpy element as `str(ndarray)` prints it: floats with a point (`1.`, `2.5`), ints plain. */
function numpyElement(value: unknown, isFloat: boolean): string {
  if (typeof value === 'number' && isFloat) {
    if (Number.isNaN(value)) return 'nan';
    if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.`;
    return String(value);
  }
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** `str(ndarray)`: nested brackets, elements separated by spaces. Long arrays are cut with `...`. */
export function numpyStr(tensor: Tensor): string {
  const isFloat = tensor.dtype === 'float32' || tensor.dtype === 'float64';
  const data = Array.from(tensor.data as ArrayLike<unknown>);
  const render = (dim: number, offset: number): string => {
    if (dim === tensor.shape.length) return numpyElement(data[offset], isFloat);
    const size = tensor.shape[dim]!;
    const stride = tensor.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const parts: string[] = [];
    for (let i = 0; i < size; i += 1) {
      if (size > 6 && i === 3) {
        parts.push('...');
        i = size - 4;
        continue;
      }
      parts.push(render(dim + 1, offset + i * stride));
    }
    const separator = dim === tensor.shape.length - 1 ? ' ' : '\n' + ' '.repeat(dim + 1);
    return `[${parts.join(separator)}]`;
  };
  return tensor.shape.length === 0 ? numpyElement(data[0], isFloat) : render(0, 0);
}
