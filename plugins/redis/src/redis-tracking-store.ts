import {
  appendToModelHistory,
  comparisonHolds,
  DATASET_CONTEXT_TAG,
  DEFAULT_EXPERIMENT_ID,
  DEFAULT_EXPERIMENT_NAME,
  errors,
  persistenceErrors,
  experimentNotActiveError,
  filterInSlices,
  LOGGED_MODELS_TAG,
  RUN_NAME_TAG,
  runNotActiveError,
  type Comparison,
  type CreateExperimentInput,
  type DatasetInput,
  type Experiment,
  type ExperimentQuery,
  type ExperimentTag,
  type InputTag,
  type Metric,
  type MetricHistoryIntervalInput,
  type NewRun,
  type OrderByTerm,
  type Page,
  type Param,
  type Run,
  type RunDataBatch,
  type RunInfo,
  type RunMetric,
  type RunQuery,
  type RunStatus,
  type RunTag,
  type TrackingPersistence,
  type UpdateRunInput,
  sampleSortedHistory,
} from '@orrery/core';
import { WriteSet, makeOffsetToken, queryFingerprint, readOffsetToken, writeWithRetry } from './guarded-writes.js';
import { LOG_RUN_DATA, NEXT_EXPERIMENT_ID } from './lua/write-scripts.js';
import { exactNumberText, indexScore, isLaterMetric, packHistory, readLatest, unpackHistory } from './metric-encoding.js';
import type { RedisConnection } from './redis-connection.js';
import { lexMember } from './redis-keys.js';
import { RedisTrackingRestore } from './redis-tracking-restore.js';
import { RunSearch, viewSources, type PlanExperiment } from './redis-run-search.js';

const RUN_ID_PATTERN = /^[0-9a-f]{32}$/;
const EXPERIMENT_ID_PATTERN = /^\d{1,18}$/;
/** Data-model version written to the schema key (docs/redis.md). */
export const REDIS_SCHEMA_VERSION = '1';

export interface RedisTrackingStoreOptions {
  /** Where new experiments put their artifacts: `<defaultArtifactRoot>/<experiment id>`. */
  defaultArtifactRoot: string;
  /**
   * Runs one call of the run-search script may check before it hands back a continuation
   * (default 5000): bounds how long one search holds Redis, which runs one script at a time.
   */
  searchVisitBudget?: number;
}

type Hash = Record<string, string>;

function datasetField(name: string, digest: string): string {
  return `${name}\u0000${digest}`;
}

function toExperiment(id: string, hash: Hash, tags: Hash): Experiment {
  return {
    experimentId: id,
    name: hash.name!,
    artifactLocation: hash.artifact_location!,
    lifecycleStage: hash.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: Number(hash.creation_time),
    lastUpdateTime: Number(hash.last_update_time),
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  };
}

function toRunInfo(runId: string, hash: Hash, experimentDeleted: boolean): RunInfo {
  return {
    runId,
    runName: hash.name ?? '',
    experimentId: hash.experiment_id!,
    userId: hash.user_id ?? '',
    status: (hash.status ?? 'RUNNING') as RunStatus,
    startTime: Number(hash.start_time),
    endTime: hash.end_time !== undefined ? Number(hash.end_time) : null,
    artifactUri: hash.artifact_uri ?? '',
    lifecycleStage: hash.deleted === '1' || experimentDeleted ? 'deleted' : 'active',
  };
}

/** Experiment filter semantics, as core's evaluator states them for runs. */
function experimentMatches(clause: Comparison, experiment: Experiment): boolean {
  let value: string | number | undefined;
  if (clause.type === 'tag') value = experiment.tags.find((t) => t.key === clause.key)?.value;
  else if (clause.key === 'name') value = experiment.name;
  else if (clause.key === 'creation_time') value = experiment.creationTime;
  else if (clause.key === 'last_update_time') value = experiment.lastUpdateTime;
  else throw errors.invalidParameter(`Invalid ${clause.type} key '${clause.key}' in an experiment search filter.`);
  return comparisonHolds(clause, value);
}

function compareExperiments(terms: readonly OrderByTerm[]): (a: Experiment, b: Experiment) => number {
  const keyOf = (e: Experiment, key: string): string | number => {
    switch (key) {
      case 'name':
        return e.name;
      case 'creation_time':
        return e.creationTime;
      case 'last_update_time':
        return e.lastUpdateTime;
      case 'experiment_id':
        return Number(e.experimentId);
      default:
        throw errors.invalidParameter(`Invalid order_by key '${key}' for experiments.`);
    }
  };
  for (const term of terms) {
    if (term.type !== 'attribute') {
      throw errors.invalidParameter(`Invalid order_by key '${term.type}.${term.key}' for experiments: only attributes can be ordered by.`);
    }
  }
  const effective = terms.length > 0 ? [...terms] : [{ type: 'attribute' as const, key: 'creation_time', ascending: false }];
  if (!effective.some((t) => t.key === 'experiment_id')) effective.push({ type: 'attribute', key: 'experiment_id', ascending: true });
  return (a, b) => {
    for (const term of effective) {
      const x = keyOf(a, term.key);
      const y = keyOf(b, term.key);
      if (x === y) continue;
      const c = x < y ? -1 : 1;
      return term.ascending ? c : -c;
    }
    return 0;
  };
}

/**
 * The tracking persistence port on Redis (MLflow's rules are core's `TrackingService` in front): one hash per experiment and run, hashes for params, tags and latest
 * metric values, one sorted set per metric history, and per-experiment indexes for search (the
 * data model is in docs/redis.md). Writes that touch several keys run as one Lua script, so a
 * rejected call has written nothing and a log-batch lands whole.
 */
export class RedisTrackingStore implements TrackingPersistence {
  readonly port = 'tracking' as const;
  readonly restore: RedisTrackingRestore;
  private readonly artifactRoot: string;
  private readonly runSearch: RunSearch;

  private constructor(
    private readonly connection: RedisConnection,
    options: RedisTrackingStoreOptions,
  ) {
    this.artifactRoot = options.defaultArtifactRoot.replace(/\/+$/, '');
    this.runSearch = new RunSearch(connection, options.searchVisitBudget);
    this.restore = new RedisTrackingRestore(connection, (runId, params, tags, metrics) => this.logRunData(runId, params, tags, metrics));
  }

  /** Makes sure the Default experiment exists and returns the store. Takes ownership of the connection. */
  static async open(connection: RedisConnection, options: RedisTrackingStoreOptions): Promise<RedisTrackingStore> {
    const store = new RedisTrackingStore(connection, options);
    await store.ensureDefaultExperiment();
    return store;
  }

  private get keys() {
    return this.connection.keys;
  }

  /**
   * The highest experiment id this process handed out, raised to the clock (Unix seconds) when it
   * finds the store's keys lost. New ids are always above it, so an id handed out before a loss is
   * never handed out again by this process, and ids after a loss start above every sequential id
   * a store realistically reached (see docs/redis.md, "When Redis loses its data").
   */
  private experimentIdFloor = 0;

  /**
   * Puts back what the store needs when Redis lost its keys while this process ran (a FLUSHDB, a
   * restart without persistence): the schema marker, the Default experiment and an experiment
   * counter above `experimentIdFloor`. Returns false when nothing was lost.
   */
  private async restoreAfterDataLoss(): Promise<boolean> {
    const k = this.keys;
    if (Number(await this.connection.command('EXISTS', k.schema())) === 1) return false;
    this.experimentIdFloor = Math.max(this.experimentIdFloor, Math.floor(Date.now() / 1000));
    // The counter first: another process creating an experiment once the marker is back must not
    // start again at 1.
    await this.connection.script(NEXT_EXPERIMENT_ID, [k.schema(), k.experimentSequence()], [this.experimentIdFloor, 'raise']);
    await this.ensureDefaultExperiment();
    return true;
  }

  /** A new experiment id: never one this process handed out, nor (after a data loss) an old one. */
  private async nextExperimentId(): Promise<string> {
    const k = this.keys;
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = Number(await this.connection.script(NEXT_EXPERIMENT_ID, [k.schema(), k.experimentSequence()], [this.experimentIdFloor]));
      if (id > 0) {
        this.experimentIdFloor = Math.max(this.experimentIdFloor, id);
        return String(id);
      }
      await this.restoreAfterDataLoss();
    }
    throw errors.unavailable(`Redis at ${this.connection.target.redacted} keeps losing the store's keys; no experiment id could be handed out. Retry later.`);
  }

  private async ensureDefaultExperiment(): Promise<void> {
    const k = this.keys;
    const now = Date.now();
    const writes = new WriteSet()
      .guard({ kind: 'habsent', key: k.experiment(DEFAULT_EXPERIMENT_ID), field: 'name' })
      .guard({ kind: 'habsent', key: k.experimentNames(), field: DEFAULT_EXPERIMENT_NAME })
      .run('SET', k.schema(), REDIS_SCHEMA_VERSION)
      .run('HSET', k.experimentNames(), DEFAULT_EXPERIMENT_NAME, DEFAULT_EXPERIMENT_ID)
      .run(
        'HSET', k.experiment(DEFAULT_EXPERIMENT_ID),
        'name', DEFAULT_EXPERIMENT_NAME,
        'artifact_location', `${this.artifactRoot}/${DEFAULT_EXPERIMENT_ID}`,
        'lifecycle_stage', 'active',
        'creation_time', now,
        'last_update_time', now,
        'rev', 1,
      )
      .run('ZADD', k.experiments(), now, DEFAULT_EXPERIMENT_ID);
    await writeWithRetry(this.connection, async () => ({ writes, result: undefined, onGuard: () => new Error('exists') })).catch(
      (error: unknown) => {
        if (error instanceof Error && error.message === 'exists') return;
        throw error;
      },
    );
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  // ---- experiments ----

  async createExperiment(input: CreateExperimentInput): Promise<string> {
    const tags = input.tags ?? [];
    const k = this.keys;
    const name = input.name;
    if (await this.connection.command('HEXISTS', k.experimentNames(), name)) {
      throw persistenceErrors.experimentNameTaken(name);
    }
    const id = await this.nextExperimentId();
    const now = Date.now();
    const writes = new WriteSet()
      .guard({ kind: 'habsent', key: k.experimentNames(), field: name })
      .run('HSET', k.experimentNames(), name, id)
      .run(
        'HSET', k.experiment(id),
        'name', name,
        'artifact_location', input.artifactLocation || `${this.artifactRoot}/${id}`,
        'lifecycle_stage', 'active',
        'creation_time', now,
        'last_update_time', now,
        'rev', 1,
      )
      .run('ZADD', k.experiments(), now, id);
    const latest = new Map(tags.map((t) => [t.key, t.value]));
    if (latest.size > 0) writes.run('HSET', k.experimentTags(id), ...[...latest].flat());
    return writeWithRetry(this.connection, async () => ({
      writes,
      result: id,
      onGuard: () => persistenceErrors.experimentNameTaken(name),
    }));
  }

  private async readExperiment(experimentId: string): Promise<{ hash: Hash; tags: Hash } | undefined> {
    if (typeof experimentId !== 'string' || !EXPERIMENT_ID_PATTERN.test(experimentId)) return undefined;
    const [hash, tags] = (await this.connection.batch([
      ['HGETALL', this.keys.experiment(experimentId)],
      ['HGETALL', this.keys.experimentTags(experimentId)],
    ])) as [Hash, Hash];
    if (!hash.name) {
      // The Default experiment is never removed: without it, Redis lost the store's keys.
      if (experimentId === DEFAULT_EXPERIMENT_ID && (await this.restoreAfterDataLoss())) return this.readExperiment(experimentId);
      return undefined;
    }
    return { hash, tags };
  }

  private async requireExperiment(experimentId: string): Promise<{ hash: Hash; tags: Hash }> {
    const found = await this.readExperiment(experimentId);
    if (!found) throw persistenceErrors.experimentNotFound(experimentId);
    return found;
  }

  private async requireActiveExperiment(experimentId: string): Promise<{ hash: Hash; tags: Hash }> {
    const found = await this.requireExperiment(experimentId);
    if (found.hash.lifecycle_stage !== 'active') {
      throw experimentNotActiveError(experimentId);
    }
    return found;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const { hash, tags } = await this.requireExperiment(experimentId);
    return toExperiment(experimentId, hash, tags);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    let id = (await this.connection.command('HGET', this.keys.experimentNames(), name)) as string | null;
    if (id === null && name === DEFAULT_EXPERIMENT_NAME && (await this.restoreAfterDataLoss())) {
      id = (await this.connection.command('HGET', this.keys.experimentNames(), name)) as string | null;
    }
    if (id === null) return null;
    const found = await this.readExperiment(id);
    return found ? toExperiment(id, found.hash, found.tags) : null;
  }

  async searchExperiments(input: ExperimentQuery): Promise<Page<Experiment>> {
    const { viewType, maxResults, filterAst: filter } = input;
    const compare = compareExperiments(input.orderByTerms);
    const fingerprint = queryFingerprint(['experiments', input.filter ?? '', input.orderBy ?? [], viewType]);
    const offset = readOffsetToken(input.pageToken, fingerprint);
    // Experiments are few (thousands at most): read them all and filter here.
    let ids = (await this.connection.command('ZRANGE', this.keys.experiments(), 0, -1)) as string[];
    // The Default experiment is never removed: without it, Redis lost the store's keys.
    if (!ids.includes(DEFAULT_EXPERIMENT_ID) && (await this.restoreAfterDataLoss())) {
      ids = (await this.connection.command('ZRANGE', this.keys.experiments(), 0, -1)) as string[];
    }
    const replies = await this.connection.batch(
      ids.flatMap((id) => [
        ['HGETALL', this.keys.experiment(id)] as const,
        ['HGETALL', this.keys.experimentTags(id)] as const,
      ]),
    );
    const all: Experiment[] = [];
    ids.forEach((id, i) => {
      const hash = replies[2 * i] as Hash;
      if (hash.name) all.push(toExperiment(id, hash, replies[2 * i + 1] as Hash));
    });
    const inView = all.filter((e) => viewType === 'ALL' || (viewType === 'ACTIVE_ONLY') === (e.lifecycleStage === 'active'));
    // LIKE over names and tag values costs pattern × value each: let other requests in between.
    const selected = (await filterInSlices(inView, (e) => filter.clauses.every((clause) => experimentMatches(clause, e)))).sort(compare);
    const items = selected.slice(offset, offset + maxResults);
    return selected.length > offset + maxResults ? { items, nextPageToken: makeOffsetToken(fingerprint, offset + maxResults) } : { items };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireExperiment(experimentId);
      if (hash.lifecycle_stage !== 'active') {
        throw experimentNotActiveError(experimentId, 'rename');
      }
      if (hash.name === newName) return { done: undefined };
      const writes = new WriteSet()
        .guard({ kind: 'habsent', key: k.experimentNames(), field: newName })
        .unchanged(k.experiment(experimentId), 'rev', hash.rev)
        .run('HDEL', k.experimentNames(), hash.name!)
        .run('HSET', k.experimentNames(), newName, experimentId)
        .run('HSET', k.experiment(experimentId), 'name', newName, 'last_update_time', Date.now())
        .run('HINCRBY', k.experiment(experimentId), 'rev', 1);
      return {
        writes,
        result: undefined,
        onGuard: (index) => (index === 0 ? persistenceErrors.experimentNameTaken(newName) : undefined),
      };
    });
  }

  private async setExperimentLifecycle(experimentId: string, stage: 'active' | 'deleted'): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireExperiment(experimentId);
      if (hash.lifecycle_stage === stage) return { done: undefined };
      // Runs are not touched: a run counts as deleted while its experiment is, so restoring the
      // experiment brings back exactly the runs deleted with it.
      const writes = new WriteSet()
        .unchanged(k.experiment(experimentId), 'rev', hash.rev)
        .run('HSET', k.experiment(experimentId), 'lifecycle_stage', stage, 'last_update_time', Date.now())
        .run('HINCRBY', k.experiment(experimentId), 'rev', 1);
      return { writes, result: undefined };
    });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.setExperimentLifecycle(experimentId, 'deleted');
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.setExperimentLifecycle(experimentId, 'active');
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireActiveExperiment(experimentId);
      const writes = new WriteSet()
        .unchanged(k.experiment(experimentId), 'rev', hash.rev)
        .run('HSET', k.experimentTags(experimentId), tag.key, tag.value);
      return { writes, result: undefined };
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash, tags } = await this.requireActiveExperiment(experimentId);
      if (typeof key !== 'string' || tags[key] === undefined) {
        throw persistenceErrors.experimentTagNotFound(experimentId, key);
      }
      const writes = new WriteSet()
        .unchanged(k.experiment(experimentId), 'rev', hash.rev)
        .run('HDEL', k.experimentTags(experimentId), key);
      return { writes, result: undefined };
    });
  }

  // ---- runs ----

  private async readRun(runId: string): Promise<{ hash: Hash; experimentDeleted: boolean; experimentRev: string } | undefined> {
    if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) return undefined;
    const hash = (await this.connection.command('HGETALL', this.keys.run(runId))) as Hash;
    // A run `orrery import` is still writing (or was interrupted writing) does not exist yet.
    if (!hash.experiment_id || hash.restoring === '1') return undefined;
    const [stage, rev] = (await this.connection.command('HMGET', this.keys.experiment(hash.experiment_id), 'lifecycle_stage', 'rev')) as [
      string | null,
      string | null,
    ];
    return { hash, experimentDeleted: stage !== 'active', experimentRev: rev ?? '' };
  }

  private async requireRun(runId: string) {
    const found = await this.readRun(runId);
    if (!found) throw persistenceErrors.runNotFound(runId);
    return found;
  }

  private async requireActiveRun(runId: string) {
    const found = await this.requireRun(runId);
    if (found.hash.deleted === '1' || found.experimentDeleted) {
      throw runNotActiveError(runId);
    }
    return found;
  }

  async createRun(input: NewRun): Promise<Run> {
    const { runId, runName, startTime, userId } = input;
    const k = this.keys;
    return writeWithRetry(this.connection, async () => {
      const experiment = await this.readExperiment(input.experimentId);
      if (!experiment) throw persistenceErrors.experimentNotFound(input.experimentId);
      if (experiment.hash.lifecycle_stage !== 'active') {
        throw experimentNotActiveError(input.experimentId, 'create a run in');
      }
      const e = input.experimentId;
      const artifactUri = `${experiment.hash.artifact_location!.replace(/\/+$/, '')}/${runId}/artifacts`;
      const allTags = new Map(input.tags.map((t) => [t.key, t.value]));
      const writes = new WriteSet()
        .unchanged(k.experiment(e), 'rev', experiment.hash.rev)
        .run(
          'HSET', k.run(runId),
          'experiment_id', e,
          'name', runName,
          'user_id', userId,
          'status', 'RUNNING',
          'start_time', startTime,
          'artifact_uri', artifactUri,
          'deleted', '0',
          'rev', 1,
        )
        .run('ZADD', k.activeRuns(e), startTime, runId)
        .run('ZADD', k.attributeIndex(e, 'run_name'), 0, lexMember(runName, runId))
        .run('ZADD', k.attributeIndex(e, 'user_id'), 0, lexMember(userId, runId))
        .run('ZADD', k.attributeIndex(e, 'status'), 0, lexMember('RUNNING', runId))
        .run('ZADD', k.attributeIndex(e, 'artifact_uri'), 0, lexMember(artifactUri, runId))
        .run('HSET', k.runTags(runId), ...[...allTags].flat());
      for (const [key, value] of allTags) writes.run('ZADD', k.tagIndex(e, key), 0, lexMember(value, runId));
      const run: Run = {
        info: {
          runId,
          runName,
          experimentId: e,
          userId,
          status: 'RUNNING',
          startTime,
          endTime: null,
          artifactUri,
          lifecycleStage: 'active',
        },
        data: { metrics: [], params: [], tags: [...allTags].map(([key, value]) => ({ key, value })) },
        inputs: { datasetInputs: [] },
      };
      return { writes, result: run };
    });
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    const k = this.keys;
    return writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireActiveRun(runId);
      const e = hash.experiment_id!;
      const oldNameTag = (await this.connection.command('HGET', k.runTags(runId), RUN_NAME_TAG)) as string | null;
      const writes = new WriteSet()
        .unchanged(k.run(runId), 'rev', hash.rev)
        .unchanged(k.runTags(runId), RUN_NAME_TAG, oldNameTag ?? undefined)
        .unchanged(k.experiment(e), 'lifecycle_stage', 'active');
      const next: Hash = { ...hash };
      if (input.status) {
        writes
          .run('HSET', k.run(runId), 'status', input.status)
          .run('ZREM', k.attributeIndex(e, 'status'), lexMember(hash.status ?? '', runId))
          .run('ZADD', k.attributeIndex(e, 'status'), 0, lexMember(input.status, runId));
        next.status = input.status;
      }
      if (input.endTime !== undefined && input.endTime !== null) {
        writes.run('HSET', k.run(runId), 'end_time', input.endTime).run('ZADD', k.endTimes(e), input.endTime, runId);
        next.end_time = String(input.endTime);
      }
      if (input.runName) {
        writes
          .run('HSET', k.run(runId), 'name', input.runName)
          .run('ZREM', k.attributeIndex(e, 'run_name'), lexMember(hash.name ?? '', runId))
          .run('ZADD', k.attributeIndex(e, 'run_name'), 0, lexMember(input.runName, runId))
          .run('HSET', k.runTags(runId), RUN_NAME_TAG, input.runName);
        if (oldNameTag !== null) writes.run('ZREM', k.tagIndex(e, RUN_NAME_TAG), lexMember(oldNameTag, runId));
        writes.run('ZADD', k.tagIndex(e, RUN_NAME_TAG), 0, lexMember(input.runName, runId));
        next.name = input.runName;
      }
      writes.run('HINCRBY', k.run(runId), 'rev', 1);
      return { writes, result: toRunInfo(runId, next, false) };
    });
  }

  private async setRunDeleted(runId: string, deleted: boolean): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireRun(runId);
      if ((hash.deleted === '1') === deleted) return { done: undefined };
      const e = hash.experiment_id!;
      const [from, to] = deleted ? [k.activeRuns(e), k.deletedRuns(e)] : [k.deletedRuns(e), k.activeRuns(e)];
      const writes = new WriteSet()
        .unchanged(k.run(runId), 'rev', hash.rev)
        .run('HSET', k.run(runId), 'deleted', deleted ? '1' : '0', 'deleted_time', deleted ? Date.now() : '')
        .run('ZREM', from, runId)
        .run('ZADD', to, hash.start_time!, runId)
        .run('HINCRBY', k.run(runId), 'rev', 1);
      return { writes, result: undefined };
    });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.setRunDeleted(runId, true);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.setRunDeleted(runId, false);
  }

  async getRun(runId: string): Promise<Run> {
    const found = await this.requireRun(runId);
    const [run] = await this.loadRuns([runId], new Map([[found.hash.experiment_id!, found.experimentDeleted]]));
    if (!run) throw persistenceErrors.runNotFound(runId);
    return run;
  }

  /** Reads whole runs with one pipeline (plus one for dataset descriptions when any run has inputs). */
  private async loadRuns(runIds: readonly string[], experimentDeleted: Map<string, boolean>): Promise<Run[]> {
    const k = this.keys;
    const replies = await this.connection.batch(
      runIds.flatMap((id) => [
        ['HGETALL', k.run(id)] as const,
        ['HGETALL', k.runParams(id)] as const,
        ['HGETALL', k.runTags(id)] as const,
        ['HGETALL', k.runLatestMetrics(id)] as const,
        ['HGETALL', k.runInputs(id)] as const,
      ]),
    );
    const runs: Run[] = [];
    const wantedDatasets: Array<[Run, string, InputTag[]]> = [];
    runIds.forEach((id, i) => {
      const hash = replies[5 * i] as Hash;
      if (!hash.experiment_id) return;
      const params = replies[5 * i + 1] as Hash;
      const tags = replies[5 * i + 2] as Hash;
      const latest = replies[5 * i + 3] as Hash;
      const inputs = replies[5 * i + 4] as Hash;
      const run: Run = {
        info: toRunInfo(id, hash, experimentDeleted.get(hash.experiment_id) ?? false),
        data: {
          metrics: Object.entries(latest).map(([key, text]) => readLatest(key, text)),
          params: Object.entries(params).map(([key, value]) => ({ key, value })),
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        },
        inputs: { datasetInputs: [] },
      };
      for (const [field, json] of Object.entries(inputs)) wantedDatasets.push([run, field, JSON.parse(json) as InputTag[]]);
      runs.push(run);
    });
    if (wantedDatasets.length > 0) {
      const descriptions = await this.connection.batch(
        wantedDatasets.map(([run, field]) => ['HGET', k.datasets(run.info.experimentId), field] as const),
      );
      wantedDatasets.forEach(([run, , tags], i) => {
        const json = descriptions[i] as string | null;
        if (json) run.inputs.datasetInputs.push({ tags, dataset: JSON.parse(json) as DatasetInput['dataset'] });
      });
    }
    return runs;
  }

  async searchRuns(input: RunQuery): Promise<Page<Run>> {
    const { runViewType: viewType, maxResults, filterAst: filter, orderByTerms: orderBy } = input;
    const experimentIds = [...new Set(input.experimentIds)];
    const fingerprint = queryFingerprint(['runs', [...experimentIds].sort(), input.filter ?? '', input.orderBy ?? [], viewType]);
    const offset = readOffsetToken(input.pageToken, fingerprint);
    if (experimentIds.length === 0) return { items: [] };
    const stages = (await this.connection.batch(
      experimentIds.map((id) => ['HGET', this.keys.experiment(id), 'lifecycle_stage'] as const),
    )) as Array<string | null>;
    const exps: PlanExperiment[] = [];
    const experimentDeleted = new Map<string, boolean>();
    experimentIds.forEach((id, i) => {
      const stage = stages[i];
      if (stage === null || stage === undefined) return;
      const deleted = stage !== 'active';
      experimentDeleted.set(id, deleted);
      exps.push({ id, sources: viewSources(viewType, deleted), deleted });
    });
    const { ids, more } = await this.runSearch.search(exps, filter, orderBy, offset, maxResults);
    const items = await this.loadRuns(ids, experimentDeleted);
    return more ? { items, nextPageToken: makeOffsetToken(fingerprint, offset + maxResults) } : { items };
  }

  // ---- logging ----

  async logBatch(runId: string, batch: RunDataBatch): Promise<void> {
    await this.logRunData(runId, batch.params, batch.tags, batch.metrics);
  }

  /** One LOG_RUN_DATA script call: checks (run, lifecycle, param conflicts) and writes, atomically. */
  private async logRunData(runId: string, params: readonly Param[], tags: readonly RunTag[], metrics: readonly Metric[]): Promise<void> {
    if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) throw persistenceErrors.runNotFound(runId);
    const args: Array<string | number | Buffer> = [this.keys.head, runId];
    const uniqueParams = new Map(params.map((p) => [p.key, p.value]));
    args.push(uniqueParams.size, ...[...uniqueParams].flat());
    const lastTags = new Map(tags.map((t) => [t.key, t.value]));
    args.push(lastTags.size, ...[...lastTags].flat());
    const latest = new Map<string, Metric>();
    const groups = new Map<string, Metric[]>();
    for (const m of metrics) {
      const current = latest.get(m.key);
      if (!current || isLaterMetric(m, current)) latest.set(m.key, m);
      let group = groups.get(m.key);
      if (!group) groups.set(m.key, (group = []));
      group.push(m);
    }
    args.push(latest.size);
    for (const m of latest.values()) {
      args.push(m.key, m.step, m.timestamp, exactNumberText(m.value), indexScore(m.value) ?? 'nan');
    }
    args.push(groups.size);
    for (const [key, group] of groups) args.push(key, packHistory(group));
    const reply = (await this.connection.script(LOG_RUN_DATA, [this.keys.run(runId)], args)) as string[];
    switch (reply[0]) {
      case 'ok':
        return;
      case 'notfound':
        throw persistenceErrors.runNotFound(runId);
      case 'deleted':
        throw runNotActiveError(runId);
      case 'param':
        throw errors.invalidParameter(
          `Changing param values is not allowed. Run '${runId}' already has a different value for key '${reply[1]}': ` +
            `logged value '${reply[2]}', new value '${reply[3]}'.`,
        );
      default:
        throw errors.internal(`Unexpected reply from the log script: ${JSON.stringify(reply).slice(0, 200)}`);
    }
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireActiveRun(runId);
      const value = typeof key === 'string' ? ((await this.connection.command('HGET', k.runTags(runId), key)) as string | null) : null;
      if (value === null) throw persistenceErrors.runTagNotFound(runId, key);
      const e = hash.experiment_id!;
      const writes = new WriteSet()
        .unchanged(k.runTags(runId), key, value)
        .unchanged(k.run(runId), 'deleted', '0')
        .unchanged(k.experiment(e), 'lifecycle_stage', 'active')
        .run('HDEL', k.runTags(runId), key)
        .run('ZREM', k.tagIndex(e, key), lexMember(value, runId));
      return { writes, result: undefined };
    });
  }

  /**
   * Optimistic read-modify-write of the history tag: the write applies only while the tag still
   * holds what was read (and the run and its experiment are still active), else it is read again.
   * So concurrent calls all land, in some order, and none overwrites another's model.
   */
  async appendLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireActiveRun(runId);
      const e = hash.experiment_id!;
      const previous = (await this.connection.command('HGET', k.runTags(runId), LOGGED_MODELS_TAG)) as string | null;
      const next = appendToModelHistory(previous, model);
      const writes = new WriteSet()
        .unchanged(k.runTags(runId), LOGGED_MODELS_TAG, previous ?? undefined)
        .unchanged(k.run(runId), 'deleted', '0')
        .unchanged(k.experiment(e), 'lifecycle_stage', 'active')
        .run('HSET', k.runTags(runId), LOGGED_MODELS_TAG, next)
        .run('ZADD', k.tagIndex(e, LOGGED_MODELS_TAG), 0, lexMember(next, runId));
      if (previous !== null) writes.run('ZREM', k.tagIndex(e, LOGGED_MODELS_TAG), lexMember(previous, runId));
      return { writes, result: undefined };
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { hash } = await this.requireActiveRun(runId);
      const e = hash.experiment_id!;
      const writes = new WriteSet()
        .unchanged(k.run(runId), 'deleted', '0')
        .unchanged(k.experiment(e), 'lifecycle_stage', 'active');
      const existing = (await this.connection.command('HKEYS', k.runInputs(runId))) as string[];
      const seen = new Set(existing);
      for (const input of datasets) {
        const d = input.dataset;
        const field = datasetField(d.name, d.digest);
        const description: DatasetInput['dataset'] = {
          name: d.name,
          digest: d.digest,
          sourceType: d.sourceType,
          source: d.source,
          ...(d.schema !== undefined && d.schema !== null ? { schema: d.schema } : {}),
          ...(d.profile !== undefined && d.profile !== null ? { profile: d.profile } : {}),
        };
        writes.run('HSETNX', k.datasets(e), field, JSON.stringify(description));
        if (seen.has(field)) continue;
        seen.add(field);
        const tags = [...new Map((input.tags ?? []).map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));
        writes
          .guard({ kind: 'habsent', key: k.runInputs(runId), field })
          .run('HSET', k.runInputs(runId), field, JSON.stringify(tags))
          .run('ZADD', k.datasetIndex(e, 'name'), 0, lexMember(d.name, runId))
          .run('ZADD', k.datasetIndex(e, 'digest'), 0, lexMember(d.digest, runId));
        for (const tag of tags) {
          if (tag.key === DATASET_CONTEXT_TAG) writes.run('ZADD', k.datasetIndex(e, 'context'), 0, lexMember(tag.value, runId));
        }
      }
      return { writes, result: undefined };
    });
  }

  // ---- reading ----

  async getMetricHistory(runId: string, metricKey: string, input: { maxResults: number; pageToken?: string }): Promise<Page<Metric>> {
    const { maxResults } = input;
    const fingerprint = queryFingerprint(['history', runId, metricKey]);
    const offset = readOffsetToken(input.pageToken, fingerprint);
    if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) throw persistenceErrors.runNotFound(runId);
    const [exists, log] = (await this.connection.batchBuffers([
      ['EXISTS', this.keys.run(runId)],
      ['GET', this.keys.metricHistory(runId, metricKey)],
    ])) as [number, Buffer | null];
    if (!exists) throw persistenceErrors.runNotFound(runId);
    const all = unpackHistory(metricKey, log);
    const items = all.slice(offset, offset + maxResults);
    return all.length > offset + maxResults ? { items, nextPageToken: makeOffsetToken(fingerprint, offset + maxResults) } : { items };
  }

  async getMetricHistoryBulkInterval(input: MetricHistoryIntervalInput & { maxResults: number }): Promise<RunMetric[]> {
    const { runIds, maxResults } = input;
    const unique = [...new Set(runIds)].sort();
    for (const id of unique) {
      if (typeof id !== 'string' || !RUN_ID_PATTERN.test(id)) throw persistenceErrors.runNotFound(id);
    }
    const replies = await this.connection.batchBuffers(
      unique.flatMap((id) => [['EXISTS', this.keys.run(id)] as const, ['GET', this.keys.metricHistory(id, input.metricKey)] as const]),
    );
    const points: RunMetric[] = [];
    unique.forEach((runId, i) => {
      if (!replies[2 * i]) throw persistenceErrors.runNotFound(runId);
      const metrics = unpackHistory(input.metricKey, replies[2 * i + 1] as Buffer | null).filter(
        (m) =>
          (input.startStep === undefined || input.startStep === null || m.step >= input.startStep) &&
          (input.endStep === undefined || input.endStep === null || m.step <= input.endStep),
      );
      for (const m of sampleSortedHistory(metrics, maxResults)) points.push({ runId, ...m });
    });
    return points;
  }
}
