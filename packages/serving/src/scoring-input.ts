/**
 * The scoring protocol's request bodies → `ModelInput`, as MLflow 2.12's scoring server reads them
 * (mlflow/pyfunc/scoring_server and mlflow/utils/proto_json_utils): `dataframe_split`,
 * `dataframe_records`, `instances`, `inputs` (+ `params`) in JSON, and CSV with a header row.
 * With `cast` (the server), values are cast to the signature's types while parsing, as MLflow's
 * server does; without (the predict CLI) they keep the types JSON gave them.
 */
import { OrreryError, pythonTypeName } from '@orrery/core';
import type { ColSpec, DataFrame, FrameDType, ModelInput, Schema, TensorDType, TensorSpec } from '@orrery/models';
import { parseCsvTable } from './csv-table.js';
import { FloatLiteral, parseJsonKeepingFloats } from './json-literals.js';
import { InvalidInput, inferDType, tensorFromNested, toFloat, toInt } from './tensor-values.js';

export const FORMAT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
type FormatKey = (typeof FORMAT_KEYS)[number];
const FORMAT_SET = `{${FORMAT_KEYS.map((k) => `'${k}'`).join(', ')}}`;
const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields ${FORMAT_SET}`;
export const SCORING_PROTOCOL_CHANGE_INFO =
  'IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, ' +
  'you are likely using an outdated scoring request format. To resolve the error, either update your request ' +
  "format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, " +
  "change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow " +
  'client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use ' +
  'the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, ' +
  'see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.';

/** A parsed scoring request: what to predict on and the inference parameters sent with it. */
export interface ScoringRequest {
  input: ModelInput;
  params: Record<string, unknown> | undefined;
  /** Rows the request holds (for batching and metrics). */
  rows: number;
}

export interface ParseOptions {
  /** The model's input schema. */
  schema: Schema | undefined;
  /** Cast values to the schema's types while parsing (MLflow's server does; its predict CLI does not). */
  cast: boolean;
}

function pyList(items: readonly string[]): string {
  return `[${items.map((k) => `'${k}'`).join(', ')}]`;
}

/** Python's JSONDecodeError text for a body V8 refused, from V8's position. */
function jsonDecodeError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = /position (\d+)/.exec(message);
  let pos = at ? Number(at[1]) : text.length;
  if (/Unexpected end of JSON input/.test(message)) pos = text.length;
  let what = 'Expecting value';
  if (/property name/i.test(message)) what = 'Expecting property name enclosed in double quotes';
  else if (/after property name/i.test(message)) what = "Expecting ':' delimiter";
  else if (/after (array element|property value)/i.test(message)) what = "Expecting ',' delimiter";
  else if (/Unexpected non-whitespace/i.test(message)) what = 'Extra data';
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `JSONDecodeError('${what}: line ${line} column ${column} (char ${pos})')`;
}

/** Parses a JSON body into its top-level dictionary, with MLflow's messages for anything else. */
export function decodeJsonBody(text: string, keepFloats = false): Record<string, unknown> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
    if (keepFloats) decoded = parseJsonKeepingFloats(text);
  } catch (error) {
    throw new InvalidInput(`Ensure that input is a valid JSON formatted string. Error: '${jsonDecodeError(text, error)}'\nInput: \n${text}\n`);
  }
  if (decoded !== null && typeof decoded === 'object' && !Array.isArray(decoded)) return decoded as Record<string, unknown>;
  if (Array.isArray(decoded)) throw new InvalidInput(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
  throw new InvalidInput(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '<class '${pythonTypeName(decoded)}'>.`);
}

/** The JSON scoring body → ModelInput and params. */
export function parseJsonScoringRequest(text: string, options: ParseOptions): ScoringRequest {
  // Without casting, how a number was spelt decides its dtype (see json-literals.ts).
  return parseScoringObject(decodeJsonBody(text, !options.cast), options);
}

export function parseScoringObject(body: Record<string, unknown>, options: ParseOptions): ScoringRequest {
  const formats = FORMAT_KEYS.filter((k) => k in body);
  if (formats.length !== 1) {
    throw new OrreryError(
      'BAD_REQUEST',
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${pyList(formats)}. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    );
  }
  const format = formats[0] as FormatKey;
  const rawParams = body.params;
  const params = rawParams !== null && typeof rawParams === 'object' && !Array.isArray(rawParams) ? (unwrapLiterals(rawParams) as Record<string, unknown>) : undefined;
  const value = body[format];
  const input =
    format === 'dataframe_split' ? frameInput(splitFrame(value), options)
    : format === 'dataframe_records' ? frameInput(recordsFrame(value), options)
    : format === 'instances' ? instancesInput(value, options)
    : inputsInput(value, options);
  return { input, params, rows: inputRows(input) };
}

/** CSV with a header row → a DataFrame, types as pandas' read_csv infers (or the schema's). */
export function parseCsvScoringRequest(text: string, options: ParseOptions): ScoringRequest {
  if (options.schema?.kind === 'tensors') {
    // MLflow asks the schema for pandas types, which a tensor schema cannot give.
    throw new OrreryError(
      'BAD_REQUEST',
      'Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame ' +
        "produced using the `pandas.DataFrame.to_csv()` method. Error: 'TensorSpec only supports numpy types, use numpy_types() instead'",
    );
  }
  let frame: DataFrame;
  try {
    frame = parseCsvTable(text);
  } catch (error) {
    throw new OrreryError(
      'BAD_REQUEST',
      'Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame ' +
        `produced using the \`pandas.DataFrame.to_csv()\` method. Error: '${error instanceof Error ? error.message : String(error)}'`,
    );
  }
  const input = frameInput(frame, options);
  return { input, params: undefined, rows: frame.rows.length };
}

export function inputRows(input: ModelInput): number {
  if (input.kind === 'dataframe') return input.frame.rows.length;
  if (input.kind === 'tensor') return input.tensor.shape[0] ?? 1;
  const first = Object.values(input.tensors)[0];
  return first ? first.shape[0] ?? 1 : 0;
}

function pythonRepr(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value !== null && typeof value === 'object') return 'dictionary';
  return `type <class '${pythonTypeName(value)}'>`;
}

function splitFrame(value: unknown): DataFrame {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInput(`Dataframe split format must be a dictionary. Got ${pythonRepr(value)}.`);
  }
  const split = value as Record<string, unknown>;
  const keys = Object.keys(split);
  const extra = keys.filter((k) => k !== 'columns' && k !== 'data' && k !== 'index');
  if (!('data' in split) || extra.length > 0) {
    throw new InvalidInput(
      `Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {${keys.map((k) => `'${k}'`).join(', ')}}.'`,
    );
  }
  const invalid = (reason: string): InvalidInput =>
    new InvalidInput(`Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${reason}'`);
  const data = split.data;
  if (!Array.isArray(data)) throw invalid('DataFrame constructor not properly called!');
  // pandas reads a list of scalars as one column.
  const rows = data.map((row) => (Array.isArray(row) ? row : [row]));
  const width = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== width)) throw invalid('columns passed have different lengths');
  let columns: string[];
  if (split.columns === undefined || split.columns === null) columns = Array.from({ length: width }, (_, i) => String(i));
  else if (Array.isArray(split.columns)) columns = split.columns.map(String);
  else throw invalid('columns must be a list');
  if (rows.length > 0 && columns.length !== width) throw invalid(`${columns.length} columns passed, passed data had ${width} columns`);
  return { columns, rows };
}

function recordsFrame(value: unknown): DataFrame {
  if (!Array.isArray(value)) {
    throw new InvalidInput(`Dataframe records format must be a list of records. Got ${pythonRepr(value)}.`);
  }
  if (value.every((r) => Array.isArray(r))) return splitFrame({ data: value });
  const columns: string[] = [];
  const index = new Map<string, number>();
  for (const record of value) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new InvalidInput(
        "Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: 'Mixing dicts with non-Series may lead to ambiguous ordering.'",
      );
    }
    for (const key of Object.keys(record)) {
      if (!index.has(key)) {
        index.set(key, columns.length);
        columns.push(key);
      }
    }
  }
  const rows = value.map((record: Record<string, unknown>) => columns.map((c) => (c in record ? record[c] : null)));
  return { columns, rows };
}

const COLUMN_NUMPY: Record<ColSpec['type'], string> = {
  double: 'float64',
  float: 'float32',
  long: 'int64',
  integer: 'int32',
  boolean: 'bool',
  string: 'object',
  binary: 'object',
  datetime: 'datetime64[ns]',
};

/** What a cast column holds afterwards, as pandas' dtype (datetimes are left to the model). */
function frameDType(type: ColSpec['type']): FrameDType | undefined {
  const numpy = COLUMN_NUMPY[type];
  return numpy.startsWith('datetime') ? undefined : (numpy as FrameDType);
}

function castCell(value: unknown, type: ColSpec['type']): unknown {
  switch (type) {
    case 'double':
    case 'float':
      return toFloat(value);
    case 'long':
    case 'integer':
      return toInt(value);
    case 'boolean':
      return Boolean(value);
    case 'string':
      return value === null || value === undefined ? value : typeof value === 'string' ? value : String(value);
    default:
      return value;
  }
}

/** MLflow's cast_df_types_according_to_schema: each column the schema names, cast to its type. */
function castFrame(frame: DataFrame, schema: Schema): DataFrame {
  const specs = new Map<number, ColSpec['type']>();
  if (schema.kind === 'columns') {
    const named = schema.columns.every((c) => c.name !== undefined);
    schema.columns.forEach((spec, i) => {
      const at = named ? frame.columns.indexOf(spec.name!) : i < frame.columns.length ? i : -1;
      if (at >= 0) specs.set(at, spec.type);
    });
  }
  if (specs.size === 0) return frame;
  const dtypes: Array<FrameDType | undefined> = frame.columns.map((_, i) => frame.dtypes?.[i]);
  // The common case, numbers in float columns, needs no conversion and no copy of the rows.
  const converting = [...specs].filter(([at, type]) => {
    const floats = type === 'double' || type === 'float';
    if (floats && frame.rows.every((row) => typeof row[at] === 'number')) {
      dtypes[at] = frameDType(type);
      return false;
    }
    return true;
  });
  const rows = converting.length === 0 ? frame.rows : frame.rows.map((row) => row.slice());
  for (const [at, type] of converting) {
    if (rows.some((row) => Array.isArray(row[at]))) continue;
    try {
      for (const row of rows) row[at] = castCell(row[at], type);
      dtypes[at] = frameDType(type);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const name = error instanceof TypeError && /could not convert|invalid literal/.test(reason) ? 'ValueError' : 'TypeError';
      throw new InvalidInput(
        `Data is not compatible with model signature. Failed to convert column ${frame.columns[at]} to type '${COLUMN_NUMPY[type]}'. Error: '${name}("${reason}")'`,
      );
    }
  }
  return { columns: frame.columns, rows, dtypes };
}

function unwrapLiterals(value: unknown): unknown {
  if (value instanceof FloatLiteral) return value.value;
  if (Array.isArray(value)) return value.some((v) => v instanceof FloatLiteral || typeof v === 'object') ? value.map(unwrapLiterals) : value;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapLiterals(v)]));
  return value;
}

/** A frame's float-spelt columns marked float64 (pandas' dtype for them), the literals unwrapped. */
function literalFrame(frame: DataFrame): DataFrame {
  const floats = frame.columns.map((_, c) => frame.rows.some((row) => row[c] instanceof FloatLiteral));
  if (!floats.some(Boolean) && !frame.rows.some((row) => row.some((v) => typeof v === 'object' && v !== null))) return frame;
  return {
    columns: frame.columns,
    rows: frame.rows.map((row) => row.map(unwrapLiterals)),
    dtypes: floats.map((f, c) => (f && frame.rows.every((row) => row[c] === null || typeof row[c] === 'number' || row[c] instanceof FloatLiteral) ? 'float64' : undefined)),
  };
}

function frameInput(frame: DataFrame, options: ParseOptions): ModelInput {
  return { kind: 'dataframe', frame: options.cast ? (options.schema ? castFrame(frame, options.schema) : frame) : literalFrame(frame) };
}

function columnDType(spec: ColSpec | TensorSpec | undefined): TensorDType | undefined {
  if (!spec) return undefined;
  if ('dtype' in spec) return spec.dtype;
  const numpy = COLUMN_NUMPY[spec.type];
  if (numpy === 'object') return 'string';
  if (numpy.startsWith('datetime')) return undefined;
  return numpy as TensorDType;
}

/** The spec a schema gives a named input. */
function specFor(schema: Schema | undefined, name: string): ColSpec | TensorSpec | undefined {
  if (!schema) return undefined;
  return schema.kind === 'columns' ? schema.columns.find((c) => c.name === name) : schema.tensors.find((t) => t.name === name);
}

function hasNames(schema: Schema | undefined): boolean {
  if (!schema) return false;
  return schema.kind === 'columns' ? schema.columns.some((c) => c.name !== undefined) : schema.tensors.some((t) => t.name !== undefined);
}

/** A dict of columns / named tensors → a DataFrame for a column schema, named tensors otherwise. */
function dictInput(dict: Record<string, unknown>, options: ParseOptions): ModelInput {
  const { schema } = options;
  if (schema && !hasNames(schema)) {
    throw new InvalidInput(
      'Failed to parse input data. This model contains an un-named tensor-based model signature which expects a single ' +
        "n-dimensional array as input, however, an input of type <class 'dict'> was found.",
    );
  }
  if (schema?.kind === 'columns') {
    const columns = Object.keys(dict);
    const values = columns.map((c) => {
      const v = dict[c];
      const spec = specFor(schema, c) as ColSpec | undefined;
      const list = Array.isArray(v) ? v : [v];
      if (!options.cast || !spec) return list;
      try {
        return list.map((x) => (Array.isArray(x) ? x : castCell(x, spec.type)));
      } catch (error) {
        throw new InvalidInput(error instanceof Error ? error.message : String(error));
      }
    });
    const n = values[0]?.length ?? 0;
    if (values.some((v) => v.length !== n)) throw new InvalidInput('The length of values for each input/column name are not the same');
    const rows = Array.from({ length: n }, (_, i) => values.map((v) => v[i]));
    return { kind: 'dataframe', frame: options.cast ? { columns, rows } : literalFrame({ columns, rows }) };
  }
  const tensors: Record<string, ReturnType<typeof tensorFromNested>> = {};
  for (const [name, v] of Object.entries(dict)) {
    tensors[name] = tensorFromNested(v, options.cast ? columnDType(specFor(schema, name)) : undefined);
  }
  return { kind: 'tensors', tensors };
}

function recordsToColumns(records: Record<string, unknown>[]): Record<string, unknown[]> {
  const columns: Record<string, unknown[]> = {};
  for (const record of records) {
    for (const [k, v] of Object.entries(record)) (columns[k] ??= []).push(v);
  }
  return columns;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function listInput(list: unknown[], options: ParseOptions): ModelInput {
  const { schema } = options;
  if (schema?.kind === 'columns' && schema.columns.length === 1 && schema.columns[0]!.name !== undefined) {
    return dictInput({ [schema.columns[0]!.name]: list }, options);
  }
  const spec = schema ? (schema.kind === 'columns' ? schema.columns[0] : schema.tensors[0]) : undefined;
  return { kind: 'tensor', tensor: tensorFromNested(list, options.cast ? columnDType(spec) : undefined) };
}

function instancesInput(value: unknown, options: ParseOptions): ModelInput {
  if (Array.isArray(value) && value.length > 0 && isRecord(value[0])) {
    if (!value.every(isRecord)) throw new InvalidInput("Ensure that the input is a valid JSON-formatted string.\nError: AttributeError(\"'list' object has no attribute 'items'\")");
    return dictInput(recordsToColumns(value), options);
  }
  return inputsInput(value, options);
}

function inputsInput(value: unknown, options: ParseOptions): ModelInput {
  if (isRecord(value)) return dictInput(value, options);
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isRecord)) return dictInput(recordsToColumns(value), options);
    return listInput(value, options);
  }
  const spec = options.schema ? (options.schema.kind === 'columns' ? options.schema.columns[0] : options.schema.tensors[0]) : undefined;
  return { kind: 'tensor', tensor: tensorFromNested(value, options.cast ? columnDType(spec) ?? inferDType([value]) : undefined) };
}
