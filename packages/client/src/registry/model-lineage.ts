/**
 * Lineage of registered model versions: the run that produced a version (its params, latest
 * metrics and experiment), and the runs behind what an alias or a stage serves now.
 */
import {
  canonicalModelStage,
  isOrreryError,
  type ModelRegistryStore,
  type ModelStage,
  type ModelVersion,
  type RunStatus,
  type TrackingStore,
} from '@orrery/core';

/** The run that produced a model version, as lineage shows it. */
export interface LineageRun {
  runId: string;
  runName: string;
  status: RunStatus;
  userId: string;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: string;
  experimentId: string;
  /** Absent when the experiment cannot be read. */
  experimentName?: string;
  /** The web UI's route to the run, `#/experiments/<experiment_id>/runs/<run_id>`. */
  link: string;
  /** The link made absolute when the tracking URI is a server (`http(s)://...`). */
  url?: string;
  params: Record<string, string>;
  /** Each metric's latest value (the key metrics of the run). */
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

/** A model version with the run that produced it. */
export interface ModelVersionLineage {
  modelVersion: ModelVersion;
  /** Absent when the version has no run id, or the run cannot be read here (see `runUnavailable`). */
  run?: LineageRun;
  /** Why `run` is absent. */
  runUnavailable?: string;
}

/** Selects the versions whose producing runs `runsBehind` reports. */
export type RunsBehindSelector = { alias: string } | { stage: ModelStage | string };

/** The web UI route of a run. */
export function runLink(experimentId: string, runId: string): string {
  return `#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;
}

function absoluteUrl(trackingUri: string, link: string): string | undefined {
  if (!/^https?:\/\//i.test(trackingUri)) return undefined;
  return `${trackingUri.replace(/\/+$/, '')}/${link}`;
}

/** The lineage of one version; a run that is gone or elsewhere is reported, not thrown. */
export async function lineageOf(version: ModelVersion, trackingStore: TrackingStore, trackingUri: string): Promise<ModelVersionLineage> {
  if (!version.runId) return { modelVersion: version, runUnavailable: 'The version was registered without a run id.' };
  let run;
  try {
    run = await trackingStore.getRun(version.runId);
  } catch (error) {
    if (isOrreryError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') {
      return {
        modelVersion: version,
        runUnavailable: `Run '${version.runId}' is not in the tracking store at ${trackingUri}${version.runLink ? ` (run link: ${version.runLink})` : ''}.`,
      };
    }
    throw error;
  }
  let experimentName: string | undefined;
  try {
    experimentName = (await trackingStore.getExperiment(run.info.experimentId)).name;
  } catch (error) {
    if (!isOrreryError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
  }
  const link = runLink(run.info.experimentId, run.info.runId);
  const url = absoluteUrl(trackingUri, link);
  return {
    modelVersion: version,
    run: {
      runId: run.info.runId,
      runName: run.info.runName,
      status: run.info.status,
      userId: run.info.userId,
      startTime: run.info.startTime,
      endTime: run.info.endTime ?? null,
      artifactUri: run.info.artifactUri,
      lifecycleStage: run.info.lifecycleStage,
      experimentId: run.info.experimentId,
      ...(experimentName !== undefined ? { experimentName } : {}),
      link,
      ...(url !== undefined ? { url } : {}),
      params: Object.fromEntries(run.data.params.map((p) => [p.key, p.value])),
      metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
      tags: Object.fromEntries(run.data.tags.map((t) => [t.key, t.value])),
    },
  };
}

/** A string literal of the search grammar: single-quoted, quotes doubled. */
function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Every version of a model now in a stage, newest first. */
async function versionsInStage(registry: ModelRegistryStore, name: string, stage: ModelStage): Promise<ModelVersion[]> {
  // Fails with RESOURCE_DOES_NOT_EXIST for an unknown model, rather than answering "none".
  await registry.getRegisteredModel(name);
  const found: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await registry.searchModelVersions({
      filter: `name = ${quoted(name)}`,
      maxResults: 1000,
      ...(pageToken !== undefined ? { pageToken } : {}),
    });
    found.push(...page.items.filter((version) => version.currentStage === stage));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return found.sort((a, b) => Number(b.version) - Number(a.version));
}

/**
 * The versions an alias (one) or a stage (every version now in it, newest first) selects, each
 * with the run that produced it.
 */
export async function runsBehind(
  registry: ModelRegistryStore,
  trackingStore: TrackingStore,
  trackingUri: string,
  name: string,
  selector: RunsBehindSelector,
): Promise<ModelVersionLineage[]> {
  const versions =
    'alias' in selector
      ? [await registry.getModelVersionByAlias(name, selector.alias)]
      : await versionsInStage(registry, name, canonicalModelStage(selector.stage));
  const lineages: ModelVersionLineage[] = [];
  for (const version of versions) lineages.push(await lineageOf(version, trackingStore, trackingUri));
  return lineages;
}
