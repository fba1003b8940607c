export type { TensorDType, Tensor, DataFrame, ModelInput, ModelOutput } from './model-data.js';
export type { ColumnType, ColSpec, TensorSpec, Schema, ParamType, ParamSpec, ModelSignature } from './signature-types.js';
export type { MlModel } from './mlmodel-types.js';
export type { LoadedModel, LoadModelOptions } from './loaded-model.js';
export { loadModel, resolveModelVersion } from './load-model.js';
