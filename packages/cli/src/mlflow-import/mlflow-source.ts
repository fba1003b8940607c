import type { Experiment, Metric, RegisteredModelRecord, RunRecord } from '@orrery/core';

/** How much an MLflow store holds, counted before the import and checked after it. */
export interface SourceCounts {
  experiments: number;
  runs: number;
  params: number;
  tags: number;
  metricPoints: number;
  registeredModels: number;
  modelVersions: number;
}

/**
 * An MLflow store being read for `orrery import`: its SQL database (`mlflow-sql-source.ts`) or its
 * `mlruns/` file store (`mlflow-file-source.ts`). Every list is streamed, a page or one record at a
 * time, so memory stays flat whatever the store's size.
 */
export interface MlflowSource {
  /** What the source is, for progress lines: `MLflow SQLite database (revision acf3f17fdcc7)`. */
  readonly description: string;
  counts(): Promise<SourceCounts>;
  /** Every experiment, active and deleted, in id order. */
  experiments(): AsyncIterable<Experiment>;
  /** Every run with its params, tags and dataset inputs, in a stable order. */
  runs(): AsyncIterable<RunRecord>;
  /** A run's full metric history, in batches. */
  history(run: RunRecord): AsyncIterable<Metric[]>;
  /** Every registered model with its versions (deleted versions left out), tags and aliases. */
  registeredModels(): AsyncIterable<RegisteredModelRecord>;
  close(): Promise<void>;
}

/** MLflow's run statuses as its file store writes them (an integer enum in meta.yaml). */
export const MLFLOW_RUN_STATUS_BY_NUMBER: Record<number, RunRecord['info']['status']> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};
