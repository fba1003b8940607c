/**
 * What a model predicts on and returns, in the shapes MLflow's pyfunc accepts and produces
 * (pandas DataFrame, numpy ndarray, dict of ndarrays, list). Shared with @orrery/serving, which
 * turns the scoring protocol's JSON and CSV into these and back.
 */

/** numpy dtypes a tensor can hold, named as MLflow's TensorSpec names them. */
export type TensorDType =
  | 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool' | 'string';

/** A dense n-dimensional array, row-major, as numpy's ndarray. `data.length` = product of shape. */
export interface Tensor {
  dtype: TensorDType;
  shape: number[];
  data:
    | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
    | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | boolean[] | string[];
}

/**
 * A table (pandas DataFrame): named columns, rows in column order. Cell values are JSON values
 * (number, string, boolean, null) or nested arrays for tensor-valued columns.
 */
export interface DataFrame {
  columns: string[];
  rows: unknown[][];
  /**
   * Each column's numpy dtype when the producer knows it (JSON text `1.0` is a float even though
   * JavaScript reads it as 1); a missing entry is inferred from the values as pandas does.
   */
  dtypes?: Array<FrameDType | undefined>;
}

/** The numpy dtypes a DataFrame column can have here (`object` for strings, lists and mixtures). */
export type FrameDType = 'float64' | 'float32' | 'int64' | 'int32' | 'bool' | 'object';

/** What a model predicts on, as MLflow's pyfunc accepts it. */
export type ModelInput =
  | { kind: 'dataframe'; frame: DataFrame }
  /** One unnamed ndarray. */
  | { kind: 'tensor'; tensor: Tensor }
  /** A dict of named ndarrays. */
  | { kind: 'tensors'; tensors: Record<string, Tensor> };

/** What a model returns; serving turns it into MLflow's JSON as MLflow's predictions_to_json does. */
export type ModelOutput =
  | { kind: 'dataframe'; frame: DataFrame }
  | { kind: 'tensor'; tensor: Tensor }
  | { kind: 'tensors'; tensors: Record<string, Tensor> }
  | { kind: 'list'; values: unknown[] };
