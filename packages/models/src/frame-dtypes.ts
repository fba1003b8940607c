/**
 * The dtype pandas gives a DataFrame column built from JSON values: all integers → int64, numbers
 * (with or without nulls) → float64, all booleans → bool, anything else → object.
 */
import type { DataFrame, FrameDType } from './model-data.js';

export function inferColumnDType(values: readonly unknown[]): FrameDType {
  let ints = 0;
  let floats = 0;
  let nulls = 0;
  let bools = 0;
  for (const value of values) {
    if (value === null || value === undefined) nulls += 1;
    else if (typeof value === 'number') {
      if (Number.isInteger(value)) ints += 1;
      else floats += 1;
    } else if (typeof value === 'bigint') ints += 1;
    else if (typeof value === 'boolean') bools += 1;
    else return 'object';
  }
  if (bools > 0) return bools === values.length ? 'bool' : 'object';
  if (ints + floats === 0) return 'object';
  if (floats > 0 || nulls > 0) return 'float64';
  return 'int64';
}

/** Every column's dtype: the frame's own when it says, else inferred from the column's values. */
export function frameDTypes(frame: DataFrame): FrameDType[] {
  return frame.columns.map((_, index) => frame.dtypes?.[index] ?? inferColumnDType(frame.rows.map((row) => row[index])));
}

/** One column's values. */
export function columnValues(frame: DataFrame, index: number): unknown[] {
  return frame.rows.map((row) => row[index]);
}

/** A frame from named columns of equal length. */
export function frameFromColumns(columns: Array<{ name: string; values: unknown[]; dtype?: FrameDType }>): DataFrame {
  const length = columns.reduce((max, column) => Math.max(max, column.values.length), 0);
  const rows = Array.from({ length }, (_, r) => columns.map((column) => column.values[r] ?? null));
  return { columns: columns.map((c) => c.name), rows, dtypes: columns.map((c) => c.dtype) };
}
