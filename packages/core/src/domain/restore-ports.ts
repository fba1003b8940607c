import type { ModelStage, ModelVersionStatus, ModelVersionTag, RegisteredModelTag } from '../entities/registry.js';
import type { DatasetInput, Experiment, Metric, Param, RunInfo, RunTag } from '../entities/tracking.js';

/**
 * A run as another store recorded it: every field kept (id, times, status, lifecycle stage,
 * artifact URI), for `orrery import`. Nothing in it is decided by Orrery.
 */
export interface RunRecord {
  info: RunInfo;
  /** When the run was deleted (ms), or null; only meaningful for a deleted run. */
  deletedTime: number | null;
  params: Param[];
  tags: RunTag[];
  datasetInputs: DatasetInput[];
}

/** A deleted run as garbage collection sees it. */
export interface DeletedRunRecord {
  runId: string;
  experimentId: string;
  /** When it was deleted (ms); null when the store never recorded it. */
  deletedTime: number | null;
  artifactUri: string;
}

/** Outcome of a restore: written now, or already there from an earlier (complete) restore. */
export type RestoreOutcome = 'created' | 'exists';

/**
 * The bulk path that keeps ids and timestamps: what `orrery import` writes through and what
 * `orrery gc` purges through. It sits beside the tracking persistence port (a port offers it as
 * `restore`) because it bypasses the domain rules on purpose: a restored record is history, not a
 * new write (a deleted run keeps its metrics, an experiment keeps its id and creation time).
 * Callers decide what may be restored or purged (core's `planGarbageCollection`, the importer);
 * the backend only persists.
 */
export interface TrackingRestore {
  /**
   * Writes the experiment with its id, name, location, stage, times and tags. Returns `exists`
   * (writing nothing) when an experiment with that id and name is there already;
   * RESOURCE_ALREADY_EXISTS when the id belongs to an experiment of another name, or the name to
   * another id. Atomic.
   */
  restoreExperiment(record: Experiment): Promise<RestoreOutcome>;
  /** An experiment id no experiment has (for an experiment moved to a new id). */
  unusedExperimentId(): Promise<string>;
  /**
   * Writes a run whole: its row, params, tags, dataset inputs and every observation `history`
   * yields, into an existing experiment, whatever the run's or the experiment's lifecycle stage.
   * Returns `exists` (writing nothing, `history` not read) when the run is there already. A call
   * that fails part-way leaves no visible run, and what it wrote is cleared by the next call for
   * that run, so an interrupted import can be run again.
   */
  restoreRun(record: RunRecord, history: AsyncIterable<Metric[]>): Promise<RestoreOutcome>;
  /** Every run in the deleted lifecycle stage, in any experiment. */
  listDeletedRuns(): Promise<DeletedRunRecord[]>;
  /** Removes a run and everything it holds (params, tags, metrics, inputs). A no-op for an unknown run. Atomic. */
  purgeRun(runId: string): Promise<void>;
  /** Removes an experiment, its tags, datasets and every run it holds. A no-op for an unknown id. */
  purgeExperiment(experimentId: string): Promise<void>;
}

/** A model version as another registry recorded it. */
export interface ModelVersionRecord {
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  currentStage: ModelStage;
  description?: string;
  source: string;
  /** Where the files are read from (the source unless it was itself a `models:/` URI). */
  storageLocation: string;
  runId?: string;
  runLink?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: ModelVersionTag[];
}

/** A registered model with its versions and aliases, as another registry recorded it. */
export interface RegisteredModelRecord {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  tags: RegisteredModelTag[];
  versions: ModelVersionRecord[];
  aliases: { alias: string; version: number }[];
  /** The highest version number ever issued (deleted versions included), so none is issued twice. */
  lastVersion: number;
}

/** The registry's bulk path that keeps names, version numbers and timestamps (`orrery import`). */
export interface RegistryRestore {
  /**
   * Writes the model with its versions, tags and aliases in one atomic step; `exists` (writing
   * nothing) when a model of that name is there already.
   */
  restoreRegisteredModel(record: RegisteredModelRecord): Promise<RestoreOutcome>;
}

/** The tracking restore path behind a store, when its backend offers one. */
export function trackingRestoreOf(store: unknown): TrackingRestore | undefined {
  const persistence = (store as { persistence?: { restore?: TrackingRestore } } | null)?.persistence;
  return persistence?.restore ?? (store as { restore?: TrackingRestore } | null)?.restore;
}

/** The registry restore path behind a store, when its backend offers one. */
export function registryRestoreOf(store: unknown): RegistryRestore | undefined {
  const persistence = (store as { persistence?: { restore?: RegistryRestore } } | null)?.persistence;
  return persistence?.restore ?? (store as { restore?: RegistryRestore } | null)?.restore;
}
