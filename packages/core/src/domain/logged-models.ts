import { errors } from '../errors/orrery-error.js';

/** The `mlflow.log-model.history` run tag: a JSON list of every model logged to the run. */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';

/** Fields MLflow requires in a logged model's JSON. */
const REQUIRED_MODEL_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'];

/** Reads a log-model request's `model_json`: a JSON object with MLflow's mandatory fields. */
export function parseLoggedModel(modelJson: unknown): Record<string, unknown> {
  if (typeof modelJson !== 'string') {
    throw errors.invalidParameter(`Invalid model_json ${String(modelJson)}: it must be a string holding a JSON object.`);
  }
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    throw errors.invalidParameter(`Malformed model info. \n ${modelJson.slice(0, 500)} \n is not a valid JSON.`);
  }
  if (typeof model !== 'object' || model === null || Array.isArray(model)) {
    throw errors.invalidParameter(`Malformed model info: model_json must be a JSON object, got ${modelJson.slice(0, 200)}.`);
  }
  const missing = REQUIRED_MODEL_FIELDS.filter((field) => !(field in model));
  if (missing.length > 0) {
    throw errors.invalidParameter(`Model json is missing mandatory fields: ${missing.map((f) => `'${f}'`).join(', ')}`);
  }
  return model as Record<string, unknown>;
}

/**
 * The history tag's next value: the previous list (`null` when the run has none) with `model`
 * appended. Stores call it inside their atomic step. A corrupt previous value is replaced rather
 * than blocking every later log-model call.
 */
export function appendToModelHistory(previous: string | null | undefined, model: Record<string, unknown>): string {
  let history: unknown[] = [];
  if (previous !== null && previous !== undefined) {
    try {
      const parsed: unknown = JSON.parse(previous);
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      // Replaced below.
    }
  }
  history.push(model);
  return JSON.stringify(history);
}
