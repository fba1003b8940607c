/**
 * The abstract syntax of MLflow's search filters. One parser (`parseRunFilter` and friends)
 * produces it; every store compiles it (to SQL, to Redis index lookups, ...). Stores never
 * re-parse filter strings.
 */

/** What a key refers to. `attribute` covers run (or experiment/model) columns. */
export type SearchKeyType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export type NumericComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
export type SetComparator = 'IN' | 'NOT IN';
export type Comparator = NumericComparator | StringComparator | SetComparator;

/** A comparison against a number (metrics and numeric attributes). */
export interface NumericComparison {
  kind: 'numeric';
  type: SearchKeyType;
  /** Canonical key: attribute aliases are resolved (`created` becomes `start_time`). */
  key: string;
  comparator: NumericComparator;
  value: number;
}

/** A comparison against a string (params, tags, string attributes, dataset fields). */
export interface StringComparison {
  kind: 'string';
  type: SearchKeyType;
  key: string;
  comparator: StringComparator;
  value: string;
}

/** `IN` / `NOT IN` against a list of strings (run_id, dataset fields, model run_id). */
export interface SetComparison {
  kind: 'set';
  type: SearchKeyType;
  key: string;
  comparator: SetComparator;
  values: string[];
}

export type Comparison = NumericComparison | StringComparison | SetComparison;

/** A filter: comparisons joined by AND (MLflow has no OR). An empty list matches everything. */
export interface FilterAst {
  clauses: Comparison[];
}

/** One `order_by` term. */
export interface OrderByTerm {
  type: Exclude<SearchKeyType, 'dataset'>;
  key: string;
  ascending: boolean;
}
