/**
 * Tracking entities. Field meanings follow MLflow's `service.proto`; names are camelCase here
 * and snake_case on the wire (the server and REST client translate).
 */

export type LifecycleStage = 'active' | 'deleted';

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Which runs or experiments a search returns, by lifecycle stage. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

export interface ExperimentTag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  /** Milliseconds since the epoch. */
  creationTime: number;
  /** Milliseconds since the epoch. */
  lastUpdateTime: number;
  tags: ExperimentTag[];
}

/**
 * One metric observation. `value` may be NaN or ±Infinity. `timestamp` is in milliseconds;
 * `step` defaults to 0.
 */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** A metric observation together with the run it belongs to (bulk history reads). */
export interface RunMetric extends Metric {
  runId: string;
}

export interface Param {
  key: string;
  value: string;
}

export interface RunTag {
  key: string;
  value: string;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  /** Milliseconds since the epoch. */
  startTime: number;
  /** Milliseconds since the epoch, or null while the run has not ended. */
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface RunData {
  /** The latest value of each metric (greatest step, then greatest timestamp, then greatest value). */
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

export interface InputTag {
  key: string;
  value: string;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags: InputTag[];
  dataset: Dataset;
}

export interface RunInputs {
  datasetInputs: DatasetInput[];
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: RunInputs;
}

/** A page of results plus the opaque token that fetches the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
