import { errors, type OrreryError } from '../errors/orrery-error.js';

/**
 * The rule "only active runs and experiments change", stated once for every store and route.
 *
 * A write to a deleted run or experiment is the caller's mistake, not the server's: it answers
 * INVALID_PARAMETER_VALUE (HTTP 400), as MLflow 2.12's stores do (`_check_run_is_active`,
 * `_check_experiment_is_active`). A 5xx here would make MLflow's clients retry a request that can
 * never succeed. Orrery also answers 400 where MLflow answers 500 (renaming a deleted experiment).
 */

/** The error for a write to run `runId`, which is deleted (or sits in a deleted experiment). */
export function runNotActiveError(runId: string, lifecycleStage = 'deleted'): OrreryError {
  return errors.invalidParameter(
    `The run '${runId}' must be in the 'active' state to be changed; its state is '${lifecycleStage}'. Restore it first.`,
  );
}

/**
 * The error for `action` (e.g. `create a run in`, `rename`, `change`) on experiment
 * `experimentId`, which is deleted.
 */
export function experimentNotActiveError(experimentId: string, action = 'change'): OrreryError {
  return errors.invalidParameter(
    `Cannot ${action} experiment ${experimentId}: it must be in the 'active' state and it is deleted. Restore it first.`,
  );
}
