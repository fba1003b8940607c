import { errors, type OrreryError } from '../errors/orrery-error.js';

/**
 * The errors persistence ports raise from inside their atomic writes, worded once so that every
 * backend answers alike (MLflow's wording where MLflow has one).
 */
export const persistenceErrors = {
  experimentNotFound: (experimentId: unknown): OrreryError => errors.notFound(`No experiment with id '${String(experimentId)}' exists.`),
  experimentNameTaken: (name: string): OrreryError => errors.alreadyExists(`Experiment '${name}' already exists.`),
  experimentTagNotFound: (experimentId: string, key: unknown): OrreryError =>
    errors.notFound(`No tag with key '${String(key)}' on experiment ${experimentId}.`),
  runNotFound: (runId: unknown): OrreryError => errors.notFound(`Run '${String(runId)}' not found.`),
  runTagNotFound: (runId: string, key: unknown): OrreryError => errors.notFound(`No tag with key '${String(key)}' on run '${runId}'.`),
  modelNotFound: (name: string): OrreryError => errors.notFound(`Registered Model with name=${name} not found.`),
  modelNameTaken: (name: string): OrreryError => errors.alreadyExists(`Registered Model (name=${name}) already exists.`),
  modelVersionNotFound: (name: string, version: number): OrreryError =>
    errors.notFound(`Model Version (name=${name}, version=${version}) not found.`),
  aliasNotFound: (name: string, alias: string): OrreryError => errors.notFound(`Registered model '${name}' has no alias '${alias}'.`),
};
