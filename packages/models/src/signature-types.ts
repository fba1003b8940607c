/**
 * A model signature as MLflow's `ModelSignature` holds it: an input schema, an output schema and
 * inference parameters. A schema is either named columns (a DataFrame's) or tensors, never both.
 */
import type { TensorDType } from './model-data.js';

/** MLflow's column types (`mlflow.types.DataType`). */
export type ColumnType = 'boolean' | 'integer' | 'long' | 'float' | 'double' | 'string' | 'binary' | 'datetime';

/** One column: MLflow's ColSpec. `name` is absent for a positional column. */
export interface ColSpec {
  type: ColumnType;
  name?: string;
  /** Whether the column must be present (MLflow 2.10+ writes `required: true` by default). */
  required: boolean;
}

/** One tensor: MLflow's TensorSpec. -1 in `shape` is any size. */
export interface TensorSpec {
  name?: string;
  dtype: TensorDType;
  shape: number[];
}

/** An input or output schema. */
export type Schema =
  | { kind: 'columns'; columns: ColSpec[] }
  | { kind: 'tensors'; tensors: TensorSpec[] };

/** The types an inference parameter may have (MLflow's ParamSpec). */
export type ParamType = ColumnType;

/** One inference parameter: MLflow's ParamSpec. `shape` is null for a scalar, `[-1]` for a list. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  default: unknown;
  shape: number[] | null;
}

/** MLflow's ModelSignature. */
export interface ModelSignature {
  inputs?: Schema;
  outputs?: Schema;
  params?: ParamSpec[];
}
