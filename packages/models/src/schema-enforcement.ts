/**
 * Signature enforcement before predict, as MLflow's pyfunc does it (`_enforce_schema`): named
 * inputs must all be there (extra ones are dropped, order follows the signature), column types
 * convert only when safe (int → long, float → double, int32 → double), tensors must match shape
 * and dtype. A violation throws OrreryError INVALID_PARAMETER_VALUE with MLflow's message:
 * "Failed to enforce schema of data '…' with schema '…'. Error: …".
 *
 * `allowIntToFloat` is what MLflow's scoring server does before enforcement: it reads the request
 * with the signature's types, so integers in a double column, float64 values for a float32 tensor
 * and numeric strings pass. `mlflow models predict` does not, and neither does this without it.
 */
import { OrreryError } from '@orrery/core';
import { columnValues, frameDTypes } from './frame-dtypes.js';
import type { DataFrame, FrameDType, ModelInput, Tensor, TensorDType } from './model-data.js';
import { numpyStr, pyList, pyTuple } from './python-repr.js';
import { numpyDtypeName, schemaRepr } from './signature-json.js';
import type { ColSpec, ColumnType, ParamSpec, Schema, TensorSpec } from './signature-types.js';
import { castTensor, flattenNested, isNumericDType, shapeSize, tensorValues, typedData } from './tensors.js';

export interface EnforceOptions {
  /** Read the input with the signature's types first, as MLflow's scoring server does. */
  allowIntToFloat?: boolean;
}

/** An enforcement failure: the inner message, wrapped by `enforceInputSchema` as pyfunc wraps it. */
class SchemaViolation extends Error {}

const COLUMN_NUMPY: Record<ColumnType, string> = {
  boolean: 'bool', integer: 'int32', long: 'int64', float: 'float32', double: 'float64', string: '<U0', binary: '|S0', datetime: 'datetime64[ns]',
};

/** The frame dtype a column of this type holds after enforcement. */
const COLUMN_FRAME_DTYPE: Record<ColumnType, FrameDType> = {
  boolean: 'bool', integer: 'int32', long: 'int64', float: 'float32', double: 'float64', string: 'object', binary: 'object', datetime: 'object',
};

const DTYPE_SIZE: Partial<Record<FrameDType, number>> = { float64: 8, float32: 4, int64: 8, int32: 4, bool: 1 };

/** A frame column name as pandas shows it: positional columns (from an ndarray) are ints. */
interface Column {
  label: string | number;
  values: unknown[];
  dtype: FrameDType;
}

function frameColumns(frame: DataFrame): Column[] {
  const dtypes = frameDTypes(frame);
  return frame.columns.map((label, index) => ({ label, values: columnValues(frame, index), dtype: dtypes[index]! }));
}

/** pandas' `DataFrame(ndarray)`: columns 0..k-1 of a 1-D or 2-D array. */
function columnsFromTensor(tensor: Tensor): Column[] {
  const values = tensorValues(tensor);
  const dtype = frameDTypeOfTensor(tensor.dtype);
  if (tensor.shape.length <= 1) return [{ label: 0, values, dtype }];
  const width = shapeSize(tensor.shape.slice(1));
  const rows = tensor.shape[0]!;
  return Array.from({ length: width }, (_, c) => ({ label: c, values: Array.from({ length: rows }, (_, r) => values[r * width + c]), dtype }));
}

function frameDTypeOfTensor(dtype: TensorDType): FrameDType {
  if (dtype === 'float64' || dtype === 'float32' || dtype === 'int64' || dtype === 'int32' || dtype === 'bool') return dtype;
  return isNumericDType(dtype) ? 'int64' : 'object';
}

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

/** `_enforce_mlflow_datatype`: the column converted to the spec's type, or a violation. */
function enforceColumnType(column: Column, type: ColumnType, options: EnforceOptions): Column {
  const target = COLUMN_FRAME_DTYPE[type];
  const name = String(column.label);
  if (column.dtype === target) return column;
  if (type === 'string' || type === 'binary' || type === 'datetime') {
    if (column.dtype === 'object') return { ...column, dtype: target };
  } else if (type === 'boolean' && column.dtype === 'object' && column.values.every((v) => isMissing(v) || typeof v === 'boolean')) {
    return { ...column, dtype: 'bool' };
  } else if (options.allowIntToFloat && (type === 'double' || type === 'float' || type === 'long' || type === 'integer')) {
    // The scoring server reads values with the signature's type: numbers and numeric text pass.
    const converted = column.values.map((value) => {
      if (isMissing(value)) return null;
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || Number.isNaN(number) || ((type === 'long' || type === 'integer') && !Number.isInteger(number))) {
        throw new OrreryError(
          'BAD_REQUEST',
          `Invalid input. Data is not compatible with model signature. Failed to convert column ${name} to type '${COLUMN_NUMPY[type]}'. Error: 'ValueError("could not convert string to float: ${JSON.stringify(String(value)).replace(/"/g, "'")}")'`,
        );
      }
      return number;
    });
    return { ...column, values: converted, dtype: target };
  } else {
    const from = column.dtype;
    const fromSize = DTYPE_SIZE[from] ?? 0;
    const toSize = DTYPE_SIZE[target] ?? 0;
    const fromKind = from.startsWith('float') ? 'f' : from.startsWith('int') ? 'i' : from;
    const toKind = target.startsWith('float') ? 'f' : target.startsWith('int') ? 'i' : target;
    const upcast = (fromKind === toKind && fromSize <= toSize) || (fromKind === 'i' && target === 'float64' && fromSize <= 6);
    if (upcast) return { ...column, dtype: target };
    if (from === 'object' && column.values.every(isMissing) && (toKind === 'f')) return { ...column, dtype: target };
  }
  let hint = '';
  if (column.dtype === 'float64' && (type === 'long' || type === 'integer') && column.values.some(isMissing)
      && column.values.every((v) => isMissing(v) || Number.isInteger(v))) {
    hint = ' Hint: the type mismatch is likely caused by missing values. Integer columns can not represent missing values and are therefore encoded as floats; declare such columns as doubles or infer the schema from data with missing values.';
  }
  throw new SchemaViolation(`Incompatible input types for column ${name}. Can not safely convert ${column.dtype === 'object' ? 'object' : column.dtype} to ${COLUMN_NUMPY[type]}.${hint}`);
}

function missingInputs(required: string[], actual: Array<string | number>, optional: string[]): void {
  const actualSet = new Set(actual.map(String));
  const missing = required.filter((name) => !actualSet.has(name));
  if (missing.length === 0) return;
  const known = new Set([...required, ...optional]);
  const extra = actual.filter((label) => !known.has(String(label)));
  let message = `Model is missing inputs ${pyList(missing)}.`;
  if (extra.length > 0) message += ` Note that there were extra inputs: ${pyList(extra)}`;
  throw new SchemaViolation(message);
}

function enforceColumnSchema(columns: Column[], specs: ColSpec[], options: EnforceOptions): DataFrame {
  const named = specs.every((spec) => spec.name !== undefined);
  let chosen: Array<{ spec: ColSpec; column: Column }>;
  if (named) {
    missingInputs(specs.filter((s) => s.required).map((s) => s.name!), columns.map((c) => c.label), specs.filter((s) => !s.required).map((s) => s.name!));
    chosen = specs.flatMap((spec) => {
      const column = columns.find((c) => String(c.label) === spec.name);
      return column === undefined ? [] : [{ spec, column }];
    });
  } else {
    if (columns.length < specs.length) {
      throw new SchemaViolation(
        `Model inference is missing inputs. The model signature declares ${specs.length} inputs  but the provided value only has ${columns.length} inputs. Note: the inputs were not named in the signature so we can only verify their count.`,
      );
    }
    chosen = specs.map((spec, index) => ({ spec, column: columns[index]! }));
  }
  const enforced = chosen.map(({ spec, column }) => enforceColumnType(column, spec.type, options));
  const length = enforced.reduce((max, c) => Math.max(max, c.values.length), 0);
  return {
    columns: enforced.map((c) => String(c.label)),
    rows: Array.from({ length }, (_, r) => enforced.map((c) => c.values[r] ?? null)),
    dtypes: enforced.map((c) => c.dtype),
  };
}

/** `_enforce_tensor_spec`: shape (-1 is any size) and dtype. */
function enforceTensorSpec(tensor: Tensor, spec: TensorSpec, options: EnforceOptions): Tensor {
  const mismatch = () => new SchemaViolation(`Shape of input ${pyTuple(tensor.shape)} does not match expected shape ${pyTuple(spec.shape)}.`);
  if (spec.shape.length !== tensor.shape.length) throw mismatch();
  spec.shape.forEach((expected, i) => {
    if (expected !== -1 && expected !== tensor.shape[i]) throw mismatch();
  });
  if (tensor.dtype === spec.dtype) return tensor;
  if (options.allowIntToFloat && isNumericDType(tensor.dtype) && isNumericDType(spec.dtype)) return castTensor(tensor, spec.dtype);
  throw new SchemaViolation(`dtype of input ${numpyDtypeName(tensor.dtype)} does not match expected dtype ${numpyDtypeName(spec.dtype)}`);
}

/** `_reshape_and_cast_pandas_column_values`: a frame column (scalars or lists) as one tensor. */
function columnToTensor(column: Column, spec: TensorSpec, name: string | undefined): Tensor {
  const what = name !== undefined ? `input ${name}` : 'the unnamed input';
  if (spec.shape[0] !== -1 || spec.shape.slice(1).includes(-1)) {
    throw new SchemaViolation(
      `For pandas dataframe input, the first dimension of shape must be a variable dimension and other dimensions must be fixed, but in model signature the shape of ${what} is ${pyTuple(spec.shape)}.`,
    );
  }
  const first = column.values[0];
  if (!Array.isArray(first)) {
    const shape = spec.shape.length === 1 ? [column.values.length] : [column.values.length, 1];
    if (spec.shape.length > 2 || (spec.shape.length === 2 && spec.shape[1] !== 1)) {
      throw new SchemaViolation(
        `The input pandas dataframe column '${name ?? ''}' contains scalar values, which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of ${pyTuple(spec.shape)}.`,
      );
    }
    return { dtype: spec.dtype, shape, data: typedData(spec.dtype, column.values) };
  }
  const reshapeError = new SchemaViolation(
    `The value in the Input DataFrame column '${name ?? ''}' could not be converted to the expected shape of: '${pyTuple(spec.shape)}'. Ensure that each of the input list elements are of uniform length and that the data can be coerced to the tensor type '${numpyDtypeName(spec.dtype)}'`,
  );
  let flat: { shape: number[]; values: unknown[] };
  try {
    flat = flattenNested(column.values);
  } catch {
    throw reshapeError;
  }
  const rowSize = shapeSize(spec.shape.slice(1));
  if (flat.values.length !== column.values.length * rowSize) throw reshapeError;
  return { dtype: spec.dtype, shape: [column.values.length, ...spec.shape.slice(1)], data: typedData(spec.dtype, flat.values) };
}

function enforceTensorSchema(input: ModelInput, specs: TensorSpec[], options: EnforceOptions): ModelInput {
  const named = specs.every((spec) => spec.name !== undefined);
  if (named) {
    const names = specs.map((s) => s.name!);
    if (input.kind === 'tensor') {
      if (specs.length !== 1) {
        throw new SchemaViolation(
          "This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to tensor, or a pandas DataFrame input containing columns mapping input name to flattened list value from tensor, but an input of type <class 'numpy.ndarray'> was found.",
        );
      }
      return { kind: 'tensors', tensors: { [names[0]!]: enforceTensorSpec(input.tensor, specs[0]!, options) } };
    }
    if (input.kind === 'tensors') {
      missingInputs(names, Object.keys(input.tensors), []);
      return { kind: 'tensors', tensors: Object.fromEntries(specs.map((spec) => [spec.name!, enforceTensorSpec(input.tensors[spec.name!]!, spec, options)])) };
    }
    const columns = frameColumns(input.frame);
    missingInputs(names, columns.map((c) => c.label), []);
    return {
      kind: 'tensors',
      tensors: Object.fromEntries(specs.map((spec) => [spec.name!, columnToTensor(columns.find((c) => c.label === spec.name)!, spec, spec.name)])),
    };
  }
  const spec = specs[0]!;
  if (input.kind === 'tensor') return { kind: 'tensor', tensor: enforceTensorSpec(input.tensor, spec, options) };
  if (input.kind === 'tensors') {
    throw new SchemaViolation(
      "This model contains a tensor-based model signature with no input names, which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type <class 'dict'> was found.",
    );
  }
  const columns = frameColumns(input.frame);
  if (input.frame.rows.length === 0) throw new SchemaViolation('Input DataFrame is empty.');
  if (columns.length === 1) return { kind: 'tensor', tensor: columnToTensor(columns[0]!, spec, undefined) };
  if (spec.shape.length !== 2 || spec.shape[0] !== -1 || spec.shape[1] !== columns.length) {
    throw new SchemaViolation(
      `This model contains a model signature with an unnamed input. Since the input data is a pandas DataFrame containing multiple columns, the input shape must be of the structure (-1, number_of_dataframe_columns). Instead, the input DataFrame passed had ${columns.length} columns and an input shape of ${pyTuple(spec.shape)} with all values within the DataFrame of scalar type. Please adjust the passed in DataFrame to match the expected structure`,
    );
  }
  const dtypes = new Set(columns.map((c) => c.dtype));
  const common: TensorDType = dtypes.size === 1 && !dtypes.has('object') ? ([...dtypes][0] as TensorDType) : dtypes.has('object') ? 'string' : 'float64';
  const tensor: Tensor = { dtype: common, shape: [input.frame.rows.length, columns.length], data: typedData(common, input.frame.rows.flat()) };
  return { kind: 'tensor', tensor: enforceTensorSpec(tensor, spec, options) };
}

/** A short text of the input for messages: numpy's for tensors, a pandas-like table for frames. */
export function describeInput(input: ModelInput): string {
  if (input.kind === 'tensor') return numpyStr(input.tensor);
  if (input.kind === 'tensors') return `{${Object.entries(input.tensors).map(([k, t]) => `'${k}': array(${numpyStr(t)})`).join(', ')}}`;
  const { columns, rows } = input.frame;
  const cell = (v: unknown) => (v === null || v === undefined ? 'NaN' : typeof v === 'string' ? v : JSON.stringify(v));
  const shown = rows.slice(0, 10);
  const indexWidth = String(Math.max(0, shown.length - 1)).length;
  const widths = columns.map((c, i) => Math.max(c.length, ...shown.map((r) => cell(r[i]).length)));
  const header = ' '.repeat(indexWidth) + columns.map((c, i) => '  ' + c.padStart(widths[i]!)).join('');
  const lines = shown.map((r, n) => String(n).padEnd(indexWidth) + r.map((v, i) => '  ' + cell(v).padStart(widths[i]!)).join(''));
  return [header, ...lines].join('\n');
}

/**
 * Checks `input` against the signature's input schema and returns it converted as MLflow passes
 * it to the model: for a column schema, a frame of the signature's columns in its order with
 * their dtypes; for a tensor schema, named tensors (or one unnamed tensor) of the spec's dtypes.
 */
export function enforceInputSchema(input: ModelInput, schema: Schema, options: EnforceOptions = {}): ModelInput {
  try {
    if (schema.kind === 'tensors') return enforceTensorSchema(input, schema.tensors, options);
    let columns: Column[];
    if (input.kind === 'dataframe') columns = frameColumns(input.frame);
    else if (input.kind === 'tensor') columns = columnsFromTensor(input.tensor);
    else columns = Object.entries(input.tensors).map(([label, t]) => ({ label, values: tensorValues(t), dtype: frameDTypeOfTensor(t.dtype) }));
    return { kind: 'dataframe', frame: enforceColumnSchema(columns, schema.columns, options) };
  } catch (error) {
    if (!(error instanceof SchemaViolation)) throw error;
    throw new OrreryError(
      'INVALID_PARAMETER_VALUE',
      `Failed to enforce schema of data '${describeInput(input)}' with schema '${schemaRepr(schema)}'. Error: ${error.message}`,
    );
  }
}

function paramValueFits(value: unknown, type: ColumnType): unknown {
  switch (type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'string':
    case 'binary':
    case 'datetime':
      if (typeof value === 'string') return value;
      break;
    case 'long':
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      break;
    case 'double':
    case 'float':
      if (typeof value === 'number') return value;
      break;
  }
  throw new Error(`Failed to convert value ${JSON.stringify(value)} from type ${typeof value} to ${type}`);
}

/**
 * `_enforce_params_schema`: params the signature declares, with defaults for those not given.
 * Without a params schema, given params are ignored (MLflow logs a warning) and `undefined` is
 * returned; unknown keys are dropped; a value of the wrong type is INVALID_PARAMETER_VALUE.
 */
export function enforceParams(params: Record<string, unknown> | undefined, specs: ParamSpec[] | undefined): Record<string, unknown> | undefined {
  if (specs === undefined) return undefined;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Parameters must be a dictionary. Got type '${Array.isArray(params) ? 'list' : typeof params}'.`);
  }
  const result: Record<string, unknown> = {};
  const invalid: Record<string, string> = {};
  for (const spec of specs) {
    const given = params?.[spec.name];
    if (given === undefined) {
      result[spec.name] = spec.default;
      continue;
    }
    try {
      if (spec.shape !== null) {
        if (!Array.isArray(given)) throw new Error(`Value must be a 1D array with shape (-1,) for param '${spec.name}': ${spec.type} (default: ${JSON.stringify(spec.default)}) (shape: (-1,)), received ${typeof given}`);
        result[spec.name] = given.map((item) => paramValueFits(item, spec.type));
      } else {
        result[spec.name] = paramValueFits(given, spec.type);
      }
    } catch (error) {
      invalid[spec.name] = (error as Error).message;
    }
  }
  if (Object.keys(invalid).length > 0) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid parameters found: {${Object.entries(invalid).map(([k, v]) => `'${k}': '${v}'`).join(', ')}}`);
  }
  return result;
}
