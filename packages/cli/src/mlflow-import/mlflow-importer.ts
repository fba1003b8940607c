import type { ArtifactRepository, Experiment, ModelRegistryStore, RunRecord, TrackingRestore, TrackingStore, TrustedArtifactRoots } from '@orrery/core';
import { errors, registryRestoreOf, trackingRestoreOf } from '@orrery/core';
import type { MlflowSource, SourceCounts } from './mlflow-source.js';

/** MLflow's Default experiment, which merges into the target's. */
const DEFAULT_EXPERIMENT_ID = '0';
/** Progress is printed at most this often (ms). */
const PROGRESS_INTERVAL_MS = 2000;

export interface ImportOptions {
  source: MlflowSource;
  tracking: TrackingStore;
  /** The target registry; models are skipped (with a warning) when absent and the source has some. */
  registry?: ModelRegistryStore;
  /** Give an experiment whose id the target already uses for another experiment a new id. */
  remapIds?: boolean;
  /** Copy run artifacts under this root (`<root>/<experiment id>/<run id>/artifacts`). */
  copyArtifactsTo?: string;
  /** Opens an artifact repository; undefined when no installed plugin serves the URI. */
  openRepository?: (uri: string) => Promise<ArtifactRepository | undefined>;
  /** The target server's trusted artifact roots, to list imported locations outside them. */
  trustedRoots?: TrustedArtifactRoots;
  /** One line of progress or warning. */
  log?: (line: string) => void;
}

export interface ImportReport {
  source: SourceCounts;
  experiments: { created: number; existing: number; merged: number };
  runs: { created: number; existing: number };
  metricPoints: number;
  registeredModels: { created: number; existing: number };
  /** Source experiment id → target id, for every experiment whose id changed. */
  remapped: Map<string, string>;
  /** Imported experiment artifact locations the server will not open with its own credentials. */
  untrustedLocations: string[];
  warnings: string[];
}

interface ExperimentPlan {
  record: Experiment;
  targetId: string;
  action: 'create' | 'exists' | 'merge';
}

/**
 * Decides where every experiment goes before anything is written, so a conflict refuses the whole
 * import with nothing changed: MLflow's Default (0) merges into the target's; an experiment whose
 * name the target has under the same id is already imported; a taken id is refused unless
 * `remapIds`, which gives it a new id (and on a re-run, finds it again by name).
 */
async function planExperiments(source: MlflowSource, tracking: TrackingStore, restore: TrackingRestore, remapIds: boolean): Promise<ExperimentPlan[]> {
  const plans: ExperimentPlan[] = [];
  const conflicts: string[] = [];
  const claimed = new Set<string>();
  for await (const record of source.experiments()) {
    if (record.experimentId === DEFAULT_EXPERIMENT_ID) {
      plans.push({ record, targetId: DEFAULT_EXPERIMENT_ID, action: 'merge' });
      continue;
    }
    const byName = await tracking.getExperimentByName(record.name);
    if (byName) {
      if (byName.experimentId === record.experimentId || remapIds) {
        plans.push({ record, targetId: byName.experimentId, action: 'exists' });
        continue;
      }
      conflicts.push(`experiment '${record.name}' (id ${record.experimentId}) exists in the target with id ${byName.experimentId}`);
      continue;
    }
    const byId = await tracking.getExperiment(record.experimentId).catch(() => undefined);
    if (byId === undefined && !claimed.has(record.experimentId)) {
      plans.push({ record, targetId: record.experimentId, action: 'create' });
      claimed.add(record.experimentId);
    } else if (remapIds) {
      plans.push({ record, targetId: '', action: 'create' });
    } else {
      conflicts.push(`id ${record.experimentId} ('${record.name}') is taken by experiment '${byId?.name ?? '?'}'`);
    }
  }
  if (conflicts.length > 0) {
    throw errors.alreadyExists(
      `The target store already has experiments that conflict with the import: ${conflicts.join('; ')}. ` +
        'Nothing was imported. Run again with --remap-ids to give the imported experiments new ids (the mapping is printed).',
    );
  }
  // New ids are handed out only once every conflict is known (and none refused the import).
  let next: number | undefined;
  for (const plan of plans) {
    if (plan.action === 'create' && plan.targetId === '') {
      next = next === undefined ? Number(await restore.unusedExperimentId()) : next + 1;
      while (claimed.has(String(next))) next++;
      plan.targetId = String(next);
      claimed.add(plan.targetId);
    }
  }
  return plans;
}

/** Every file under a repository path, recursively. */
async function* artifactFiles(repo: ArtifactRepository, dir = ''): AsyncGenerator<string> {
  for (const info of await repo.listArtifacts(dir || undefined)) {
    if (info.isDir) yield* artifactFiles(repo, info.path);
    else yield info.path;
  }
}

/**
 * Imports an MLflow store into an Orrery store through the stores' restore ports: experiments,
 * then runs one at a time (each written whole, with its history streamed from the source), then
 * registered models. Ids and timestamps are kept. Running it again imports only what is missing.
 */
export async function importMlflowStore(options: ImportOptions): Promise<ImportReport> {
  const { source, tracking } = options;
  const log = options.log ?? (() => undefined);
  const restore = trackingRestoreOf(tracking);
  if (!restore) throw errors.invalidParameter('The target tracking store cannot take an import: its backend offers no restore path (use a sqlite:, postgresql: or redis: store).');
  const counts = await source.counts();
  log(
    `Importing ${source.description}: ${counts.experiments} experiments, ${counts.runs} runs, ${counts.metricPoints} metric points, ` +
      `${counts.registeredModels} registered models (${counts.modelVersions} versions)`,
  );
  const report: ImportReport = {
    source: counts,
    experiments: { created: 0, existing: 0, merged: 0 },
    runs: { created: 0, existing: 0 },
    metricPoints: 0,
    registeredModels: { created: 0, existing: 0 },
    remapped: new Map(),
    untrustedLocations: [],
    warnings: [],
  };
  const warn = (line: string) => {
    report.warnings.push(line);
    log(`warning: ${line}`);
  };

  const plans = await planExperiments(source, tracking, restore, options.remapIds === true);
  const targetOf = new Map(plans.map((p) => [p.record.experimentId, p.targetId]));
  const copyRoot = options.copyArtifactsTo?.replace(/\/+$/, '');
  for (const plan of plans) {
    if (plan.targetId !== plan.record.experimentId) {
      report.remapped.set(plan.record.experimentId, plan.targetId);
      log(`experiment ${plan.record.experimentId} ('${plan.record.name}') -> ${plan.targetId}`);
    }
    if (plan.action === 'merge') {
      const target = await tracking.getExperiment(DEFAULT_EXPERIMENT_ID);
      const have = new Set(target.tags.map((t) => t.key));
      for (const tag of plan.record.tags) if (!have.has(tag.key)) await tracking.setExperimentTag(DEFAULT_EXPERIMENT_ID, tag);
      report.experiments.merged++;
    } else if (plan.action === 'exists') {
      report.experiments.existing++;
    } else {
      const artifactLocation = copyRoot !== undefined ? `${copyRoot}/${plan.targetId}` : plan.record.artifactLocation;
      const outcome = await restore.restoreExperiment({ ...plan.record, experimentId: plan.targetId, artifactLocation });
      report.experiments[outcome === 'created' ? 'created' : 'existing']++;
    }
  }

  const started = Date.now();
  let lastProgress = started;
  let seen = 0;
  for await (const record of source.runs()) {
    seen++;
    const experimentId = targetOf.get(record.info.experimentId);
    if (experimentId === undefined) {
      warn(`run ${record.info.runId} names experiment ${record.info.experimentId}, which the source does not have; skipped`);
      continue;
    }
    let run: RunRecord = { ...record, info: { ...record.info, experimentId } };
    if (copyRoot !== undefined) run = await copyRunArtifacts(run, copyRoot, tracking, options, warn);
    let points = 0;
    const history = (async function* () {
      for await (const batch of source.history(record)) {
        points += batch.length;
        yield batch;
      }
    })();
    const outcome = await restore.restoreRun(run, history);
    report.runs[outcome === 'created' ? 'created' : 'existing']++;
    report.metricPoints += points;
    const now = Date.now();
    if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
      lastProgress = now;
      const rate = Math.round(seen / ((now - started) / 1000));
      log(`runs ${seen}/${counts.runs} (${Math.floor((100 * seen) / Math.max(1, counts.runs))}%), ${report.metricPoints} metric points, ${rate} runs/s`);
    }
  }

  if (counts.registeredModels > 0) {
    const registryRestore = options.registry ? registryRestoreOf(options.registry) : undefined;
    if (!registryRestore) {
      warn(`the target has no model registry that can take an import; ${counts.registeredModels} registered models were not imported`);
    } else {
      for await (const model of source.registeredModels()) {
        const outcome = await registryRestore.restoreRegisteredModel(model);
        report.registeredModels[outcome === 'created' ? 'created' : 'existing']++;
      }
    }
  }

  await checkCounts(report, tracking, plans);
  if (options.trustedRoots) {
    const locations = new Set<string>();
    for (const plan of plans) {
      const location = plan.action === 'merge' ? undefined : copyRoot !== undefined ? `${copyRoot}/${plan.targetId}` : plan.record.artifactLocation;
      if (location && (await options.trustedRoots.resolve(location)) === undefined) locations.add(location);
    }
    report.untrustedLocations = [...locations].sort();
  }
  return report;
}

/** Copies a run's artifacts under the new root, or keeps its URI (with a warning) when its location has no repository. */
async function copyRunArtifacts(
  run: RunRecord,
  copyRoot: string,
  tracking: TrackingStore,
  options: ImportOptions,
  warn: (line: string) => void,
): Promise<RunRecord> {
  const destination = `${copyRoot}/${run.info.experimentId}/${run.info.runId}/artifacts`;
  // A run imported before keeps what it has; only new runs are copied.
  if (await tracking.getRun(run.info.runId).then(() => true, () => false)) return { ...run, info: { ...run.info, artifactUri: destination } };
  const from = run.info.artifactUri ? await options.openRepository?.(run.info.artifactUri).catch(() => undefined) : undefined;
  if (!from) {
    warn(`run ${run.info.runId}: no artifact repository serves ${run.info.artifactUri || '(no location)'}; its artifact URI is kept`);
    return run;
  }
  const to = await options.openRepository?.(destination);
  if (!to) throw errors.invalidParameter(`No artifact repository serves the --copy-artifacts destination ${destination}.`);
  try {
    for await (const file of artifactFiles(from)) {
      await to.writeArtifactStream(file, await from.readArtifactStream(file));
    }
  } finally {
    await from.close?.();
    await to.close?.();
  }
  return { ...run, info: { ...run.info, artifactUri: destination } };
}

/** Compares what the source holds with what the import saw and the target holds; a shortfall fails the import. */
async function checkCounts(report: ImportReport, tracking: TrackingStore, plans: ExperimentPlan[]): Promise<void> {
  const { source } = report;
  const problems: string[] = [];
  const experiments = report.experiments.created + report.experiments.existing + report.experiments.merged;
  if (experiments !== source.experiments) problems.push(`experiments: source ${source.experiments}, imported ${experiments}`);
  const runs = report.runs.created + report.runs.existing;
  if (runs !== source.runs) problems.push(`runs: source ${source.runs}, imported ${runs}`);
  let inTarget = 0;
  const ids = [...new Set(plans.map((p) => p.targetId))];
  for (let i = 0; i < ids.length; i += 100) {
    let pageToken: string | undefined;
    do {
      const page = await tracking.searchRuns({ experimentIds: ids.slice(i, i + 100), runViewType: 'ALL', maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
      inTarget += page.items.length;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }
  if (inTarget < source.runs) problems.push(`runs in the target's imported experiments: ${inTarget}, fewer than the source's ${source.runs}`);
  if (report.runs.existing === 0 && report.metricPoints !== source.metricPoints) {
    problems.push(`metric points: source ${source.metricPoints}, imported ${report.metricPoints}`);
  }
  const models = report.registeredModels.created + report.registeredModels.existing;
  if (models !== source.registeredModels && !report.warnings.some((w) => w.includes('registered models were not imported'))) {
    problems.push(`registered models: source ${source.registeredModels}, imported ${models}`);
  }
  if (problems.length > 0) throw errors.internal(`The import's count check failed: ${problems.join('; ')}.`);
}
