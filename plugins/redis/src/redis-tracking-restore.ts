import type { DatasetInput, DeletedRunRecord, Experiment, Metric, Param, RestoreOutcome, RunRecord, RunTag, TrackingRestore } from '@orrery/core';
import { DATASET_CONTEXT_TAG, errors, persistenceErrors } from '@orrery/core';
import { WriteSet, writeWithRetry } from './guarded-writes.js';
import { NEXT_EXPERIMENT_ID } from './lua/write-scripts.js';
import type { RedisConnection } from './redis-connection.js';
import { lexMember } from './redis-keys.js';

type Hash = Record<string, string>;
/** Observations per log script call while a history streams in. */
const HISTORY_BATCH = 5000;

/** What the store's log script does (params, tags, metrics of a run, with their indexes), shared with restores. */
export type LogRunData = (runId: string, params: readonly Param[], tags: readonly RunTag[], metrics: readonly Metric[]) => Promise<void>;

/**
 * Redis's restore path (`TrackingRestore`). Redis has no transaction spanning a streamed history,
 * so a run being restored carries `restoring = 1` on its hash (the log script then accepts writes
 * whatever the lifecycle stage) and joins the search indexes only when it is complete; a restore
 * that finds `restoring = 1` purges what the interrupted one wrote and starts again.
 */
export class RedisTrackingRestore implements TrackingRestore {
  constructor(
    private readonly connection: RedisConnection,
    private readonly logRunData: LogRunData,
  ) {}

  private get keys() {
    return this.connection.keys;
  }

  async restoreExperiment(record: Experiment): Promise<RestoreOutcome> {
    const k = this.keys;
    const id = record.experimentId;
    if (!/^\d{1,18}$/.test(id)) throw errors.invalidParameter(`Invalid experiment id '${id}'.`);
    const existingName = (await this.connection.command('HGET', k.experiment(id), 'name')) as string | null;
    if (existingName !== null) {
      if (existingName === record.name) return 'exists';
      throw errors.alreadyExists(`Experiment id ${id} is taken by experiment '${existingName}' (importing '${record.name}').`);
    }
    const writes = new WriteSet()
      .guard({ kind: 'habsent', key: k.experimentNames(), field: record.name })
      .guard({ kind: 'habsent', key: k.experiment(id), field: 'name' })
      .run('HSET', k.experimentNames(), record.name, id)
      .run(
        'HSET', k.experiment(id),
        'name', record.name,
        'artifact_location', record.artifactLocation,
        'lifecycle_stage', record.lifecycleStage,
        'creation_time', record.creationTime,
        'last_update_time', record.lastUpdateTime,
        'rev', 1,
      )
      .run('ZADD', k.experiments(), record.creationTime, id);
    if (record.tags.length > 0) writes.run('HSET', k.experimentTags(id), ...record.tags.flatMap((t) => [t.key, t.value]));
    await writeWithRetry(this.connection, async () => ({ writes, result: undefined, onGuard: () => persistenceErrors.experimentNameTaken(record.name) }));
    // New experiments must be handed ids above the restored ones.
    await this.connection.script(NEXT_EXPERIMENT_ID, [k.schema(), k.experimentSequence()], [Number(id), 'raise']);
    return 'created';
  }

  async unusedExperimentId(): Promise<string> {
    const k = this.keys;
    return String(await this.connection.script(NEXT_EXPERIMENT_ID, [k.schema(), k.experimentSequence()], [0]));
  }

  async restoreRun(record: RunRecord, history: AsyncIterable<Metric[]>): Promise<RestoreOutcome> {
    const k = this.keys;
    const { info } = record;
    const runId = info.runId;
    const existing = (await this.connection.command('HMGET', k.run(runId), 'experiment_id', 'restoring')) as [string | null, string | null];
    if (existing[0] !== null && existing[1] !== '1') return 'exists';
    if (existing[0] !== null) await this.purgeRun(runId);
    const e = info.experimentId;
    if ((await this.connection.command('HGET', k.experiment(e), 'name')) === null) throw persistenceErrors.experimentNotFound(e);
    const fields: (string | number)[] = [
      'experiment_id', e, 'name', info.runName, 'user_id', info.userId, 'status', info.status, 'start_time', info.startTime,
      'artifact_uri', info.artifactUri, 'deleted', '0', 'rev', 1, 'restoring', '1',
    ];
    if (info.endTime !== null) fields.push('end_time', info.endTime);
    await this.connection.command('HSET', k.run(runId), ...fields);
    if (record.params.length > 0 || record.tags.length > 0) await this.logRunData(runId, record.params, record.tags, []);
    // The name goes back after the tags: a differing `mlflow.runName` tag must not rename the run.
    await this.connection.command('HSET', k.run(runId), 'name', info.runName);
    let pending: Metric[] = [];
    for await (const batch of history) {
      pending = pending.length === 0 ? batch : pending.concat(batch);
      if (pending.length >= HISTORY_BATCH) {
        await this.logRunData(runId, [], [], pending);
        pending = [];
      }
    }
    if (pending.length > 0) await this.logRunData(runId, [], [], pending);
    const deleted = info.lifecycleStage === 'deleted';
    const writes = new WriteSet()
      .run('ZADD', deleted ? k.deletedRuns(e) : k.activeRuns(e), info.startTime, runId)
      .run('ZADD', k.attributeIndex(e, 'run_name'), 0, lexMember(info.runName, runId))
      .run('ZADD', k.attributeIndex(e, 'user_id'), 0, lexMember(info.userId, runId))
      .run('ZADD', k.attributeIndex(e, 'status'), 0, lexMember(info.status, runId))
      .run('ZADD', k.attributeIndex(e, 'artifact_uri'), 0, lexMember(info.artifactUri, runId));
    if (info.endTime !== null) writes.run('ZADD', k.endTimes(e), info.endTime, runId);
    this.addInputs(writes, runId, e, record.datasetInputs);
    if (deleted) writes.run('HSET', k.run(runId), 'deleted', '1', ...(record.deletedTime !== null ? ['deleted_time', record.deletedTime] : []));
    writes.run('HDEL', k.run(runId), 'restoring');
    await writeWithRetry(this.connection, async () => ({ writes, result: undefined }));
    return 'created';
  }

  private addInputs(writes: WriteSet, runId: string, e: string, datasets: readonly DatasetInput[]): void {
    const k = this.keys;
    for (const input of datasets) {
      const d = input.dataset;
      const field = `${d.name}\u0000${d.digest}`;
      const description = { name: d.name, digest: d.digest, sourceType: d.sourceType, source: d.source, ...(d.schema !== undefined ? { schema: d.schema } : {}), ...(d.profile !== undefined ? { profile: d.profile } : {}) };
      writes
        .run('HSETNX', k.datasets(e), field, JSON.stringify(description))
        .run('HSET', k.runInputs(runId), field, JSON.stringify(input.tags))
        .run('ZADD', k.datasetIndex(e, 'name'), 0, lexMember(d.name, runId))
        .run('ZADD', k.datasetIndex(e, 'digest'), 0, lexMember(d.digest, runId));
      for (const tag of input.tags) {
        if (tag.key === DATASET_CONTEXT_TAG) writes.run('ZADD', k.datasetIndex(e, 'context'), 0, lexMember(tag.value, runId));
      }
    }
  }

  async listDeletedRuns(): Promise<DeletedRunRecord[]> {
    const k = this.keys;
    const out: DeletedRunRecord[] = [];
    const experimentIds = (await this.connection.command('ZRANGE', k.experiments(), 0, -1)) as string[];
    for (const e of experimentIds) {
      const [stage, updated] = (await this.connection.command('HMGET', k.experiment(e), 'lifecycle_stage', 'last_update_time')) as [string | null, string | null];
      // A run counts as deleted while its experiment is (see the store's setExperimentLifecycle).
      const sources = stage === 'deleted' ? [k.deletedRuns(e), k.activeRuns(e)] : [k.deletedRuns(e)];
      for (const source of sources) {
        for (const runId of (await this.connection.command('ZRANGE', source, 0, -1)) as string[]) {
          const [deletedTime, artifactUri] = (await this.connection.command('HMGET', k.run(runId), 'deleted_time', 'artifact_uri')) as [string | null, string | null];
          const time = source === k.deletedRuns(e) && deletedTime !== null ? Number(deletedTime) : updated !== null ? Number(updated) : null;
          out.push({ runId, experimentId: e, deletedTime: time, artifactUri: artifactUri ?? '' });
        }
      }
    }
    return out.sort((a, b) => (a.runId < b.runId ? -1 : 1));
  }

  async purgeRun(runId: string): Promise<void> {
    const k = this.keys;
    const [hash, params, tags, latest, inputs] = (await this.connection.batch([
      ['HGETALL', k.run(runId)],
      ['HGETALL', k.runParams(runId)],
      ['HGETALL', k.runTags(runId)],
      ['HGETALL', k.runLatestMetrics(runId)],
      ['HGETALL', k.runInputs(runId)],
    ])) as [Hash, Hash, Hash, Hash, Hash];
    const e = hash.experiment_id;
    if (e === undefined) return;
    const writes = new WriteSet()
      .run('ZREM', k.activeRuns(e), runId)
      .run('ZREM', k.deletedRuns(e), runId)
      .run('ZREM', k.endTimes(e), runId)
      .run('ZREM', k.attributeIndex(e, 'run_name'), lexMember(hash.name ?? '', runId))
      .run('ZREM', k.attributeIndex(e, 'user_id'), lexMember(hash.user_id ?? '', runId))
      .run('ZREM', k.attributeIndex(e, 'status'), lexMember(hash.status ?? '', runId))
      .run('ZREM', k.attributeIndex(e, 'artifact_uri'), lexMember(hash.artifact_uri ?? '', runId));
    for (const [key, value] of Object.entries(params)) writes.run('ZREM', k.paramIndex(e, key), lexMember(value, runId));
    for (const [key, value] of Object.entries(tags)) writes.run('ZREM', k.tagIndex(e, key), lexMember(value, runId));
    for (const key of Object.keys(latest)) {
      writes.run('ZREM', k.metricIndex(e, key), runId).run('SREM', k.nanMetricIndex(e, key), runId).run('DEL', k.metricHistory(runId, key));
    }
    for (const [field, tagJson] of Object.entries(inputs)) {
      const [name = '', digest = ''] = field.split('\u0000');
      writes.run('ZREM', k.datasetIndex(e, 'name'), lexMember(name, runId)).run('ZREM', k.datasetIndex(e, 'digest'), lexMember(digest, runId));
      for (const tag of JSON.parse(tagJson) as { key: string; value: string }[]) {
        if (tag.key === DATASET_CONTEXT_TAG) writes.run('ZREM', k.datasetIndex(e, 'context'), lexMember(tag.value, runId));
      }
    }
    writes.run('DEL', k.run(runId), k.runParams(runId), k.runTags(runId), k.runLatestMetrics(runId), k.runInputs(runId));
    await writeWithRetry(this.connection, async () => ({ writes, result: undefined }));
  }

  async purgeExperiment(experimentId: string): Promise<void> {
    const k = this.keys;
    const name = (await this.connection.command('HGET', k.experiment(experimentId), 'name')) as string | null;
    if (name === null) return;
    for (const source of [k.activeRuns(experimentId), k.deletedRuns(experimentId)]) {
      for (const runId of (await this.connection.command('ZRANGE', source, 0, -1)) as string[]) await this.purgeRun(runId);
    }
    // Whatever index keys remain for the experiment (emptied sorted sets vanish by themselves).
    const pattern = `${k.activeRuns(experimentId).slice(0, -'active'.length).replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    let cursor = '0';
    do {
      const [next, found] = (await this.connection.command('SCAN', cursor, 'MATCH', pattern, 'COUNT', 500)) as [string, string[]];
      if (found.length > 0) await this.connection.command('DEL', ...found);
      cursor = next;
    } while (cursor !== '0');
    await this.connection.batch([
      ['DEL', k.experiment(experimentId), k.experimentTags(experimentId)],
      ['HDEL', k.experimentNames(), name],
      ['ZREM', k.experiments(), experimentId],
    ]);
  }
}
