import type { DatasetInput, Experiment, Metric, ModelVersionRecord, RegisteredModelRecord, RunRecord } from '@orrery/core';
import { errors, MODEL_STAGES, RUN_STATUSES } from '@orrery/core';
import { mlflowSchemaRevision, sql, sqlList, toDatasetInput, type DatasetInputRow, type SqlExecutor, type SqlFragment } from '@orrery/sql';
import type { MlflowSource, SourceCounts } from './mlflow-source.js';
import { MLFLOW_SCHEMA_REVISIONS, revisionIndex } from './mlflow-schema-revisions.js';

/** Runs read per page, and metric observations per history batch. */
const RUN_PAGE = 500;
const HISTORY_PAGE = 10_000;

type Num = number | string | null;
const num = (v: Num): number => Number(v ?? 0);

interface MlflowRunRow {
  run_uuid: string;
  name: string | null;
  experiment_id: Num;
  user_id: string | null;
  status: string | null;
  start_time: Num;
  end_time: Num;
  artifact_uri: string | null;
  lifecycle_stage: string | null;
  deleted_time: Num;
}

/** Which optional parts of MLflow's schema a revision has (each arrived with one migration). */
function featuresOf(revision: string) {
  const at = revisionIndex(revision);
  const since = (r: string) => at >= revisionIndex(r);
  return {
    experimentTimes: since('97727af70f4d'),
    deletedTime: since('0c779009ac13'),
    aliases: since('3500859a5d39'),
    datasets: since('7f2a7d5fae7d'),
    storageLocation: since('acf3f17fdcc7'),
  };
}

/**
 * Reads an MLflow SQL store (SQLite or PostgreSQL, any 2.x revision listed in
 * `MLFLOW_SCHEMA_REVISIONS`) through a read-only use of Orrery's SQL executor. Runs are read a page
 * at a time by run id, and each history by its primary key in pages, so memory stays flat.
 */
export class MlflowSqlSource implements MlflowSource {
  readonly description: string;
  private readonly features: ReturnType<typeof featuresOf>;

  private constructor(
    private readonly db: SqlExecutor,
    readonly revision: string,
    kind: string,
  ) {
    this.description = `MLflow ${kind} database (schema revision ${revision})`;
    this.features = featuresOf(revision);
  }

  /** Opens the source after checking it is an MLflow database of a known revision. */
  static async open(db: SqlExecutor, kind: string): Promise<MlflowSqlSource> {
    const revision = await mlflowSchemaRevision(db);
    if (revision === undefined) {
      throw errors.invalidParameter(`The ${kind} database given to --from was not made by MLflow: it has no alembic_version table.`);
    }
    if (revisionIndex(revision) < 0) {
      throw errors.invalidParameter(
        `The MLflow database is at schema revision '${revision}', which this Orrery release does not know (it reads MLflow 2.x up to ${MLFLOW_SCHEMA_REVISIONS[MLFLOW_SCHEMA_REVISIONS.length - 1]}). Upgrade Orrery, or export the data with an MLflow release it knows.`,
      );
    }
    return new MlflowSqlSource(db, revision, kind);
  }

  async counts(): Promise<SourceCounts> {
    const count = async (query: SqlFragment) => num((await this.db.get<{ n: Num }>(query))?.n ?? 0);
    return {
      experiments: await count(sql`SELECT COUNT(*) AS n FROM experiments`),
      runs: await count(sql`SELECT COUNT(*) AS n FROM runs`),
      params: await count(sql`SELECT COUNT(*) AS n FROM params`),
      tags: await count(sql`SELECT COUNT(*) AS n FROM tags`),
      metricPoints: await count(sql`SELECT COUNT(*) AS n FROM metrics`),
      registeredModels: await count(sql`SELECT COUNT(*) AS n FROM registered_models`),
      modelVersions: await count(sql`SELECT COUNT(*) AS n FROM model_versions WHERE current_stage <> 'Deleted_Internal'`),
    };
  }

  async *experiments(): AsyncIterable<Experiment> {
    const times = this.features.experimentTimes ? sql`creation_time, last_update_time` : sql`NULL AS creation_time, NULL AS last_update_time`;
    const rows = await this.db.all<{ experiment_id: Num; name: string; artifact_location: string | null; lifecycle_stage: string | null; creation_time: Num; last_update_time: Num }>(
      sql`SELECT experiment_id, name, artifact_location, lifecycle_stage, ${times} FROM experiments ORDER BY experiment_id`,
    );
    for (const row of rows) {
      const tags = await this.db.all<{ key: string; value: string | null }>(
        sql`SELECT key, value FROM experiment_tags WHERE experiment_id = ${num(row.experiment_id)} ORDER BY key`,
      );
      yield {
        experimentId: String(num(row.experiment_id)),
        name: row.name,
        artifactLocation: row.artifact_location ?? '',
        lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
        creationTime: num(row.creation_time),
        lastUpdateTime: num(row.last_update_time ?? row.creation_time),
        tags: tags.map((t) => ({ key: t.key, value: t.value ?? '' })),
      };
    }
  }

  async *runs(): AsyncIterable<RunRecord> {
    const deleted = this.features.deletedTime ? sql`deleted_time` : sql`NULL AS deleted_time`;
    let after = '';
    for (;;) {
      const page = await this.db.all<MlflowRunRow>(
        sql`SELECT run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage, ${deleted}
            FROM runs WHERE run_uuid > ${after} ORDER BY run_uuid LIMIT ${RUN_PAGE}`,
      );
      if (page.length === 0) return;
      const ids = sqlList(page.map((r) => r.run_uuid));
      const params = groupBy(await this.db.all<{ run_uuid: string; key: string; value: string }>(sql`SELECT run_uuid, key, value FROM params WHERE run_uuid IN ${ids} ORDER BY key`));
      const tags = groupBy(await this.db.all<{ run_uuid: string; key: string; value: string | null }>(sql`SELECT run_uuid, key, value FROM tags WHERE run_uuid IN ${ids} ORDER BY key`));
      const inputs = this.features.datasets ? await this.datasetInputs(ids) : new Map<string, DatasetInput[]>();
      for (const row of page) {
        const status = RUN_STATUSES.find((s) => s === row.status) ?? 'RUNNING';
        const runTags = (tags.get(row.run_uuid) ?? []).map((t) => ({ key: t.key, value: t.value ?? '' }));
        const runName = row.name ?? runTags.find((t) => t.key === 'mlflow.runName')?.value ?? '';
        yield {
          info: {
            runId: row.run_uuid,
            runName,
            experimentId: String(num(row.experiment_id)),
            userId: row.user_id ?? '',
            status,
            startTime: num(row.start_time),
            endTime: row.end_time === null ? null : num(row.end_time),
            artifactUri: row.artifact_uri ?? '',
            lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
          },
          deletedTime: row.deleted_time === null ? null : num(row.deleted_time),
          params: (params.get(row.run_uuid) ?? []).map((p) => ({ key: p.key, value: p.value })),
          tags: runTags,
          datasetInputs: inputs.get(row.run_uuid) ?? [],
        };
      }
      after = page[page.length - 1]!.run_uuid;
    }
  }

  private async datasetInputs(ids: SqlFragment): Promise<Map<string, DatasetInput[]>> {
    const rows = await this.db.all<DatasetInputRow>(
      sql`SELECT i.input_uuid, i.destination_id AS run_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile
          FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
          WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ${ids}
          ORDER BY i.destination_id, d.name, d.digest`,
    );
    const result = new Map<string, DatasetInput[]>();
    if (rows.length === 0) return result;
    const tagRows = await this.db.all<{ input_uuid: string; name: string; value: string }>(
      sql`SELECT input_uuid, name, value FROM input_tags WHERE input_uuid IN ${sqlList(rows.map((r) => r.input_uuid))} ORDER BY name`,
    );
    const tagsOf = groupBy(tagRows.map((t) => ({ run_uuid: t.input_uuid, key: t.name, value: t.value })));
    for (const r of rows) {
      let list = result.get(r.run_uuid);
      if (!list) result.set(r.run_uuid, (list = []));
      list.push(toDatasetInput(r, (tagsOf.get(r.input_uuid) ?? []).map((t) => ({ key: t.key, value: t.value }))));
    }
    return result;
  }

  async *history(run: RunRecord): AsyncIterable<Metric[]> {
    // Keyset paging on MLflow's primary key (key, timestamp, step, run_uuid, value, is_nan). The
    // order is written `key || ''` so that planners read the run's rows through the run_uuid index
    // and sort them: ordering by the key's columns as they are made SQLite walk the whole primary
    // key (every run's points) for each run, which made imports quadratic.
    // is_nan is bound as a boolean: SQLite's executor stores it as 0/1, PostgreSQL's column is boolean.
    let cursor: [string, number, number, number, boolean] | undefined;
    for (;;) {
      const after = cursor
        ? sql` AND (key, timestamp, step, value, is_nan) > (${cursor[0]}, ${cursor[1]}, ${cursor[2]}, ${cursor[3]}, ${cursor[4]})`
        : sql``;
      const rows = await this.db.all<{ key: string; value: Num; timestamp: Num; step: Num; is_nan: number | boolean | string }>(
        sql`SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ${run.info.runId}${after}
            ORDER BY key || '', timestamp, step, value, is_nan LIMIT ${HISTORY_PAGE}`,
      );
      if (rows.length === 0) return;
      const batch: Metric[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        const nan = r.is_nan === true || r.is_nan === 1 || r.is_nan === '1' || r.is_nan === 't';
        batch[i] = { key: r.key, value: nan ? Number.NaN : Number(r.value), timestamp: num(r.timestamp), step: num(r.step) };
      }
      yield batch;
      if (rows.length < HISTORY_PAGE) return;
      const last = rows[rows.length - 1]!;
      const lastNan = last.is_nan === true || last.is_nan === 1 || last.is_nan === '1' || last.is_nan === 't';
      cursor = [last.key, num(last.timestamp), num(last.step), Number(last.value), lastNan];
    }
  }

  async *registeredModels(): AsyncIterable<RegisteredModelRecord> {
    const models = await this.db.all<{ name: string; creation_time: Num; last_updated_time: Num; description: string | null }>(
      sql`SELECT name, creation_time, last_updated_time, description FROM registered_models ORDER BY name`,
    );
    const storage = this.features.storageLocation ? sql`storage_location` : sql`NULL AS storage_location`;
    for (const model of models) {
      const tags = await this.db.all<{ key: string; value: string | null }>(sql`SELECT key, value FROM registered_model_tags WHERE name = ${model.name} ORDER BY key`);
      const versionRows = await this.db.all<{
        version: Num;
        creation_time: Num;
        last_updated_time: Num;
        description: string | null;
        user_id: string | null;
        current_stage: string | null;
        source: string | null;
        storage_location: string | null;
        run_id: string | null;
        run_link: string | null;
        status: string | null;
        status_message: string | null;
      }>(
        sql`SELECT version, creation_time, last_updated_time, description, user_id, current_stage, source, ${storage}, run_id, run_link, status, status_message
            FROM model_versions WHERE name = ${model.name} ORDER BY version`,
      );
      const versionTags = groupBy(
        (await this.db.all<{ version: Num; key: string; value: string | null }>(sql`SELECT version, key, value FROM model_version_tags WHERE name = ${model.name} ORDER BY key`)).map(
          (t) => ({ run_uuid: String(num(t.version)), key: t.key, value: t.value ?? '' }),
        ),
      );
      const aliases = this.features.aliases
        ? await this.db.all<{ alias: string; version: Num }>(sql`SELECT alias, version FROM registered_model_aliases WHERE name = ${model.name} ORDER BY alias`)
        : [];
      const versions: ModelVersionRecord[] = [];
      let lastVersion = 0;
      for (const v of versionRows) {
        const number = num(v.version);
        lastVersion = Math.max(lastVersion, number);
        // MLflow keeps deleted versions as 'Deleted_Internal' rows; they stay deleted here.
        if (v.current_stage === 'Deleted_Internal') continue;
        versions.push({
          version: number,
          creationTimestamp: num(v.creation_time),
          lastUpdatedTimestamp: num(v.last_updated_time ?? v.creation_time),
          ...(v.user_id !== null ? { userId: v.user_id } : {}),
          currentStage: MODEL_STAGES.find((s) => s.toLowerCase() === (v.current_stage ?? 'None').toLowerCase()) ?? 'None',
          ...(v.description !== null ? { description: v.description } : {}),
          source: v.source ?? '',
          storageLocation: v.storage_location ?? v.source ?? '',
          ...(v.run_id !== null ? { runId: v.run_id } : {}),
          ...(v.run_link !== null ? { runLink: v.run_link } : {}),
          status: v.status === 'PENDING_REGISTRATION' || v.status === 'FAILED_REGISTRATION' ? v.status : 'READY',
          ...(v.status_message !== null ? { statusMessage: v.status_message } : {}),
          tags: (versionTags.get(String(number)) ?? []).map((t) => ({ key: t.key, value: t.value })),
        });
      }
      yield {
        name: model.name,
        creationTimestamp: num(model.creation_time),
        lastUpdatedTimestamp: num(model.last_updated_time ?? model.creation_time),
        ...(model.description !== null ? { description: model.description } : {}),
        tags: tags.map((t) => ({ key: t.key, value: t.value ?? '' })),
        versions,
        aliases: aliases.map((a) => ({ alias: a.alias, version: num(a.version) })),
        lastVersion,
      };
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function groupBy<T extends { run_uuid: string }>(rows: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    let list = map.get(row.run_uuid);
    if (!list) map.set(row.run_uuid, (list = []));
    list.push(row);
  }
  return map;
}
