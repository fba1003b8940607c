/**
 * The reference evaluator of run filters over the core `Run` entity. Stores compile the AST to
 * their own query languages; this is the oracle the conformance suite and property tests check
 * them against, so it states MLflow's semantics plainly:
 * - metrics compare their latest value (what `run.data.metrics` holds), with IEEE rules for NaN
 *   (`NaN != x` holds, every other comparison with NaN fails);
 * - a run without the metric, param or tag (or with no end time) matches no clause on it, `!=`
 *   included;
 * - LIKE is case-sensitive, ILIKE is not (see `compareLike`);
 * - a dataset clause holds when any of the run's dataset inputs satisfies it; a dataset's context
 *   is its input tag `mlflow.data.context` (inputs without one never match a context clause).
 */
import { errors } from '../errors/orrery-error.js';
import type { Run } from '../entities/tracking.js';
import type { Comparison, FilterAst, NumericComparator } from './ast.js';
import { compareLike } from './like-pattern.js';

/** The input tag that records a dataset's role (training, evaluation, ...). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

type Lhs = number | string | null | undefined;

/** Whether `run` satisfies every clause of `ast` (an empty filter matches every run). */
export function evaluateFilter(ast: FilterAst, run: Run): boolean {
  return ast.clauses.every((clause) => clauseMatches(clause, run));
}

function clauseMatches(clause: Comparison, run: Run): boolean {
  if (clause.type === 'dataset') {
    return datasetValues(clause, run).some((value) => comparisonHolds(clause, value));
  }
  return comparisonHolds(clause, runValue(clause, run));
}

function runValue(clause: Comparison, run: Run): Lhs {
  const { key } = clause;
  switch (clause.type) {
    case 'metric':
      return run.data.metrics.find((m) => m.key === key)?.value;
    case 'param':
      return run.data.params.find((p) => p.key === key)?.value;
    case 'tag':
      return run.data.tags.find((t) => t.key === key)?.value;
    case 'attribute':
      return runAttribute(clause, run);
    case 'dataset':
      throw errors.internal('dataset clauses are evaluated per input');
  }
}

function runAttribute(clause: Comparison, run: Run): Lhs {
  const { info } = run;
  switch (clause.key) {
    case 'run_id':
      return info.runId;
    case 'run_name':
      return info.runName;
    case 'status':
      return info.status;
    case 'user_id':
      return info.userId;
    case 'artifact_uri':
      return info.artifactUri;
    case 'lifecycle_stage':
      return info.lifecycleStage;
    case 'start_time':
      return info.startTime;
    case 'end_time':
      return info.endTime;
    default:
      throw errors.invalidParameter(`Cannot evaluate run attribute '${clause.key}': not a searchable run attribute.`);
  }
}

function datasetValues(clause: Comparison, run: Run): string[] {
  const inputs = run.inputs.datasetInputs;
  switch (clause.key) {
    case 'name':
      return inputs.map((input) => input.dataset.name);
    case 'digest':
      return inputs.map((input) => input.dataset.digest);
    case 'context':
      return inputs.flatMap((input) => input.tags.filter((t) => t.key === DATASET_CONTEXT_TAG).map((t) => t.value));
    default:
      throw errors.invalidParameter(`Cannot evaluate dataset key '${clause.key}': use name, digest or context.`);
  }
}

/**
 * Whether one value satisfies one comparison, with the rules above: a missing value (undefined or
 * null) satisfies nothing, numbers follow IEEE 754, LIKE/ILIKE as `compareLike`. Stores that must
 * evaluate a clause in memory (a scan they document) use this instead of their own switch.
 */
export function comparisonHolds(clause: Comparison, lhs: Lhs): boolean {
  if (lhs === undefined || lhs === null) return false;
  switch (clause.kind) {
    case 'numeric':
      if (typeof lhs !== 'number') throw mismatch(clause, 'number');
      return compareNumbers(lhs, clause.comparator, clause.value);
    case 'string':
      if (typeof lhs !== 'string') throw mismatch(clause, 'string');
      switch (clause.comparator) {
        case '=':
          return lhs === clause.value;
        case '!=':
          return lhs !== clause.value;
        case 'LIKE':
          return compareLike(lhs, clause.value, false);
        case 'ILIKE':
          return compareLike(lhs, clause.value, true);
      }
      break;
    case 'set':
      if (typeof lhs !== 'string') throw mismatch(clause, 'list of strings');
      return clause.comparator === 'IN' ? clause.values.includes(lhs) : !clause.values.includes(lhs);
  }
  // Reached only by an AST built by hand with a comparator outside the grammar.
  throw errors.invalidParameter(`Cannot evaluate comparator '${String((clause as Comparison).comparator)}'.`);
}

/** JavaScript's comparison operators follow IEEE 754, which is the rule we want for NaN. */
function compareNumbers(lhs: number, comparator: NumericComparator, rhs: number): boolean {
  switch (comparator) {
    case '=':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
  }
}

function mismatch(clause: Comparison, expected: string) {
  return errors.invalidParameter(
    `Cannot evaluate a ${clause.kind} comparison on ${clause.type} '${clause.key}': its value is not a ${expected}.`,
  );
}
