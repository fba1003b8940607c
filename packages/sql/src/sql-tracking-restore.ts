import type { DeletedRunRecord, Experiment, Metric, RestoreOutcome, RunRecord, TrackingRestore } from '@orrery/core';
import { errors, persistenceErrors } from '@orrery/core';
import type { SqlExecutor } from './sql-executor.js';
import { byDialect, sql } from './sql-fragment.js';
import { insertDatasetInputs, insertMetricRows } from './sql-tracking-store.js';

/** Observations written per statement group while a history streams in. */
const HISTORY_BATCH = 5000;

/**
 * After experiments were written with their own ids, PostgreSQL's identity must move past them or
 * the next `createExperiment` would be handed a taken id; SQLite's `INTEGER PRIMARY KEY` already
 * continues from the largest id.
 */
const RESYNC_EXPERIMENT_IDS = byDialect({
  sqlite: sql`SELECT 1`,
  postgres: sql`SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), GREATEST((SELECT MAX(experiment_id) FROM experiments), 1))`,
});

/**
 * The SQL backends' restore path (`TrackingRestore`): records written with their ids and times.
 * A run is written in one transaction, so an interrupted import leaves no part of a run behind.
 */
export class SqlTrackingRestore implements TrackingRestore {
  constructor(private readonly db: SqlExecutor) {}

  async restoreExperiment(record: Experiment): Promise<RestoreOutcome> {
    const id = Number(record.experimentId);
    if (!Number.isSafeInteger(id) || id < 0) throw errors.invalidParameter(`Invalid experiment id '${record.experimentId}'.`);
    return this.db.transaction(async (tx) => {
      const byId = await tx.get<{ name: string }>(sql`SELECT name FROM experiments WHERE experiment_id = ${id}`);
      if (byId) {
        if (byId.name === record.name) return 'exists';
        throw errors.alreadyExists(`Experiment id ${id} is taken by experiment '${byId.name}' (importing '${record.name}').`);
      }
      const byName = await tx.get<{ experiment_id: number | string }>(sql`SELECT experiment_id FROM experiments WHERE name = ${record.name}`);
      if (byName) throw persistenceErrors.experimentNameTaken(record.name);
      await tx.run(
        sql`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
            VALUES (${id}, ${record.name}, ${record.artifactLocation}, ${record.lifecycleStage}, ${record.creationTime}, ${record.lastUpdateTime})`,
      );
      if (record.tags.length > 0) {
        await tx.insertMany('experiment_tags', ['experiment_id', 'key', 'value'], record.tags.map((t) => [id, t.key, t.value]),
          'ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value');
      }
      await tx.get(RESYNC_EXPERIMENT_IDS);
      return 'created';
    });
  }

  async unusedExperimentId(): Promise<string> {
    const row = await this.db.get<{ top: number | string | null }>(sql`SELECT MAX(experiment_id) AS top FROM experiments`);
    return String(Number(row?.top ?? 0) + 1);
  }

  async restoreRun(record: RunRecord, history: AsyncIterable<Metric[]>): Promise<RestoreOutcome> {
    const { info } = record;
    return this.db.transaction(async (tx) => {
      const existing = await tx.get(sql`SELECT 1 AS found FROM runs WHERE run_uuid = ${info.runId}`);
      if (existing) return 'exists';
      const experiment = await tx.get(sql`SELECT 1 AS found FROM experiments WHERE experiment_id = ${Number(info.experimentId)}`);
      if (!experiment) throw persistenceErrors.experimentNotFound(info.experimentId);
      await tx.run(
        sql`INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage, deleted_time)
            VALUES (${info.runId}, ${info.runName}, ${Number(info.experimentId)}, ${info.userId}, ${info.status}, ${info.startTime},
                    ${info.endTime}, ${info.artifactUri}, ${info.lifecycleStage}, ${info.lifecycleStage === 'deleted' ? record.deletedTime : null})`,
      );
      if (record.params.length > 0) {
        await tx.insertMany('params', ['run_uuid', 'key', 'value'], record.params.map((p) => [info.runId, p.key, p.value]), 'ON CONFLICT (run_uuid, key) DO NOTHING');
      }
      if (record.tags.length > 0) {
        await tx.insertMany('tags', ['run_uuid', 'key', 'value'], record.tags.map((t) => [info.runId, t.key, t.value]),
          'ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value');
      }
      if (record.datasetInputs.length > 0) await insertDatasetInputs(tx, Number(info.experimentId), info.runId, record.datasetInputs);
      let pending: Metric[] = [];
      for await (const batch of history) {
        pending = pending.length === 0 ? batch : pending.concat(batch);
        if (pending.length >= HISTORY_BATCH) {
          await insertMetricRows(tx, info.runId, pending);
          pending = [];
        }
      }
      if (pending.length > 0) await insertMetricRows(tx, info.runId, pending);
      return 'created';
    });
  }

  async listDeletedRuns(): Promise<DeletedRunRecord[]> {
    const rows = await this.db.all<{ run_uuid: string; experiment_id: number | string; deleted_time: number | string | null; artifact_uri: string }>(
      sql`SELECT run_uuid, experiment_id, deleted_time, artifact_uri FROM runs WHERE lifecycle_stage = 'deleted' ORDER BY run_uuid`,
    );
    return rows.map((r) => ({
      runId: r.run_uuid,
      experimentId: String(r.experiment_id),
      deletedTime: r.deleted_time === null ? null : Number(r.deleted_time),
      artifactUri: r.artifact_uri,
    }));
  }

  async purgeRun(runId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.deleteRunRows(tx, runId);
      await tx.run(sql`DELETE FROM runs WHERE run_uuid = ${runId}`);
    });
  }

  async purgeExperiment(experimentId: string): Promise<void> {
    const id = Number(experimentId);
    if (!/^\d+$/.test(experimentId)) return;
    await this.db.transaction(async (tx) => {
      const runs = await tx.all<{ run_uuid: string }>(sql`SELECT run_uuid FROM runs WHERE experiment_id = ${id}`);
      for (const run of runs) {
        await this.deleteRunRows(tx, run.run_uuid);
        await tx.run(sql`DELETE FROM runs WHERE run_uuid = ${run.run_uuid}`);
      }
      await tx.run(sql`DELETE FROM datasets WHERE experiment_id = ${id}`);
      await tx.run(sql`DELETE FROM experiment_tags WHERE experiment_id = ${id}`);
      await tx.run(sql`DELETE FROM experiments WHERE experiment_id = ${id}`);
    });
  }

  /** Everything a run holds except its row. */
  private async deleteRunRows(tx: SqlExecutor, runId: string): Promise<void> {
    await tx.run(sql`DELETE FROM input_tags WHERE input_uuid IN (SELECT input_uuid FROM inputs WHERE destination_type = 'RUN' AND destination_id = ${runId})`);
    await tx.run(sql`DELETE FROM inputs WHERE destination_type = 'RUN' AND destination_id = ${runId}`);
    await tx.run(sql`DELETE FROM params WHERE run_uuid = ${runId}`);
    await tx.run(sql`DELETE FROM tags WHERE run_uuid = ${runId}`);
    // Every series of a run has its latest_metrics row, so history is removed series by series,
    // through the index each dialect keeps on its history (PostgreSQL's has no run_uuid index).
    const chunks = tx.dialect.fastPaths.metricChunks;
    const keys = await tx.all<{ key: string }>(sql`SELECT key FROM latest_metrics WHERE run_uuid = ${runId}`);
    for (const { key } of keys) {
      const series = chunks ? chunks.rowSeries(sql`${runId}`, sql`${key}`) : sql`run_uuid = ${runId} AND key = ${key}`;
      await tx.run(sql`DELETE FROM metrics WHERE ${series}`);
      if (chunks) await tx.run(chunks.deleteSeriesChunks(sql`${runId}`, sql`${key}`));
    }
    await tx.run(sql`DELETE FROM latest_metrics WHERE run_uuid = ${runId}`);
  }
}
