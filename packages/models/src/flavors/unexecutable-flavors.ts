/**
 * Flavors Orrery lists, describes, downloads and registers but cannot execute: Python pickles and
 * framework checkpoints. Predicting with one fails with a message naming the flavor and the way
 * out (export to ONNX).
 */
import { OrreryError } from '@orrery/core';

/** What each well-known Python flavor holds, for the message. */
const KNOWN_PYTHON_FLAVORS: Record<string, string> = {
  sklearn: 'a scikit-learn model pickled by mlflow.sklearn',
  pytorch: 'a PyTorch model saved by mlflow.pytorch',
  tensorflow: 'a TensorFlow SavedModel saved by mlflow.tensorflow',
  keras: 'a Keras model saved by mlflow.keras',
  xgboost: 'an XGBoost booster saved by mlflow.xgboost',
  lightgbm: 'a LightGBM booster saved by mlflow.lightgbm',
  transformers: 'a Hugging Face pipeline saved by mlflow.transformers',
  python_function: 'a Python model (mlflow.pyfunc)',
};

const EXPORT_HINTS: Record<string, string> = {
  sklearn: 'skl2onnx',
  pytorch: 'torch.onnx.export',
  tensorflow: 'tf2onnx',
  keras: 'tf2onnx',
  xgboost: 'onnxmltools',
  lightgbm: 'onnxmltools',
};

/** The error predict throws for a model whose flavors Orrery cannot execute. */
export function unexecutableFlavorError(flavors: string[], installedHint: string): OrreryError {
  const main = flavors.find((f) => f !== 'python_function') ?? flavors[0] ?? 'none';
  const what = KNOWN_PYTHON_FLAVORS[main] ?? `a model of the '${main}' flavor`;
  const tool = EXPORT_HINTS[main];
  return new OrreryError(
    'NOT_IMPLEMENTED',
    `Orrery cannot execute the '${main}' flavor (${what}; the model's flavors: ${flavors.join(', ')}). ` +
      `Export the model to ONNX${tool !== undefined ? ` (e.g. with ${tool})` : ''} and log it with mlflow.onnx.log_model or Orrery's onnx.logModel, ` +
      `or install a model flavor plugin for '${main}'${installedHint}.`,
  );
}
