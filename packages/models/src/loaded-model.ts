/**
 * A model loaded for prediction, whatever its flavor: Orrery's counterpart of MLflow's
 * `PyFuncModel`. This is the shape @orrery/serving codes against.
 */
import type { ModelInput, ModelOutput } from './model-data.js';
import type { MlModel } from './mlmodel-types.js';
import type { ModelSignature } from './signature-types.js';

export interface LoadedModel {
  /** The flavor that predicts (e.g. 'onnx', 'js_function'). */
  readonly flavor: string;
  /** The parsed MLmodel file. */
  readonly mlmodel: MlModel;
  readonly signature: ModelSignature | undefined;
  readonly metadata: Record<string, unknown> | undefined;
  /**
   * Enforces the signature (throws OrreryError INVALID_PARAMETER_VALUE naming the column /
   * expected type / shape, as MLflow's messages do), then predicts. Safe to call concurrently.
   */
  predict(input: ModelInput, params?: Record<string, unknown>): Promise<ModelOutput>;
  /** Releases native sessions. */
  close(): Promise<void>;
}

export interface LoadModelOptions {
  /** Tracking/registry server for runs:/ models:/ mlflow-artifacts: URIs (default MLFLOW_TRACKING_URI). */
  trackingUri?: string;
  /** Where remote artifacts are downloaded to (default a temp dir). */
  dstPath?: string;
  /**
   * MLflow's server casts int columns to double; `mlflow models predict` does not.
   * Default true (server behaviour).
   */
  allowIntToFloat?: boolean;
}
