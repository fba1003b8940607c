import type { TrackingStore } from '../contracts/tracking-store.js';
import type { Experiment } from '../entities/tracking.js';
import { errors } from '../errors/orrery-error.js';
import type { DeletedRunRecord, TrackingRestore } from './restore-ports.js';

/**
 * Parses an age written as MLflow's `gc --older-than` takes it: days, hours, minutes and seconds,
 * each optional, in that order (`1d2h3m4s`, `8h`, `2m4s`, `1.5d`). Returns milliseconds.
 */
export function parseOlderThan(text: string): number {
  const match = /^(?:([\d.]+)d)?(?:([\d.]+)h)?(?:([\d.]+)m)?(?:([\d.]+)s)?$/.exec(text.trim());
  const parts = match?.slice(1).map((p) => (p === undefined ? 0 : Number(p)));
  if (!match || text.trim() === '' || !parts || parts.some((p) => !Number.isFinite(p))) {
    throw errors.invalidParameter(`Could not parse any time information from '${text}'. Examples of valid strings: '8h', '2d8h5m20s', '2m4s'.`);
  }
  const [d = 0, h = 0, m = 0, s = 0] = parts;
  return Math.round((((d * 24 + h) * 60 + m) * 60 + s) * 1000);
}

/** What `orrery gc` was asked to collect. */
export interface GarbageCollectionRequest {
  /** Only what was deleted (runs) or last updated (experiments) longer ago than this (ms). */
  olderThanMs?: number;
  /** Only these runs (each must be deleted); default: every deleted run old enough. */
  runIds?: string[];
  /** Only these experiments (each must be deleted); default: every deleted experiment old enough. */
  experimentIds?: string[];
  /** The clock (ms), for tests. */
  now?: number;
}

/** What a garbage collection will purge: decided by the rules below, carried out by the caller. */
export interface GarbageCollectionPlan {
  runs: DeletedRunRecord[];
  experiments: Experiment[];
}

async function deletedExperiments(store: TrackingStore): Promise<Experiment[]> {
  const found: Experiment[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchExperiments({ viewType: 'DELETED_ONLY', maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    found.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return found;
}

/**
 * MLflow's garbage-collection rules, written once: only runs and experiments in the deleted
 * lifecycle stage may be purged; with an age, only those deleted (runs: their deletion time;
 * experiments: their last update) longer ago than it; naming one that does not qualify refuses
 * the whole collection (INVALID_PARAMETER_VALUE) before anything is purged. Purging an experiment
 * purges all its runs.
 */
export async function planGarbageCollection(
  store: TrackingStore,
  restore: TrackingRestore,
  request: GarbageCollectionRequest,
): Promise<GarbageCollectionPlan> {
  const now = request.now ?? Date.now();
  const threshold = request.olderThanMs === undefined ? undefined : now - request.olderThanMs;
  const oldEnough = (time: number | null) => threshold === undefined || (time !== null && time < threshold);
  const deleted = await restore.listDeletedRuns();
  const byId = new Map(deleted.map((r) => [r.runId, r]));

  let experiments: Experiment[];
  if (request.experimentIds !== undefined && request.experimentIds.length > 0) {
    experiments = await Promise.all(request.experimentIds.map((id) => store.getExperiment(id)));
    const active = experiments.filter((e) => e.lifecycleStage !== 'deleted').map((e) => e.experimentId);
    if (active.length > 0) {
      throw errors.invalidParameter(
        `Experiments ${active.join(', ')} are not in the deleted lifecycle stage. Only experiments in the deleted lifecycle stage can be purged.`,
      );
    }
    const young = experiments.filter((e) => !oldEnough(e.lastUpdateTime)).map((e) => e.experimentId);
    if (young.length > 0) {
      throw errors.invalidParameter(`Experiments ${young.join(', ')} are not older than the required age.`);
    }
  } else if (request.runIds !== undefined && request.runIds.length > 0) {
    // Runs named alone: experiments are left as they are (as MLflow does with --run-ids only).
    experiments = [];
  } else {
    experiments = (await deletedExperiments(store)).filter((e) => oldEnough(e.lastUpdateTime));
  }

  let runs: DeletedRunRecord[];
  if (request.runIds !== undefined && request.runIds.length > 0) {
    runs = [];
    for (const runId of new Set(request.runIds)) {
      const record = byId.get(runId);
      if (!record) {
        const run = await store.getRun(runId); // RESOURCE_DOES_NOT_EXIST for an unknown id
        throw errors.invalidParameter(
          `Run ${run.info.runId} is not in the deleted lifecycle stage. Only runs in the deleted lifecycle stage can be purged.`,
        );
      }
      if (!oldEnough(record.deletedTime)) {
        throw errors.invalidParameter(`Run ${runId} is not older than the required age.`);
      }
      runs.push(record);
    }
  } else {
    runs = deleted.filter((r) => oldEnough(r.deletedTime));
  }
  // The runs of a purged experiment go with it, whatever their age.
  const purgedExperiments = new Set(experiments.map((e) => e.experimentId));
  const chosen = new Set(runs.map((r) => r.runId));
  for (const record of deleted) {
    if (purgedExperiments.has(record.experimentId) && !chosen.has(record.runId)) runs.push(record);
  }
  return { runs, experiments };
}
