import type { RegisteredModelRecord, RegistryRestore, RestoreOutcome } from '@orrery/core';
import type { SqlExecutor } from '../sql-executor.js';
import { sql } from '../sql-fragment.js';

/** The SQL backends' registry restore path: a model, its versions, tags and aliases in one transaction. */
export class SqlRegistryRestore implements RegistryRestore {
  constructor(private readonly db: SqlExecutor) {}

  async restoreRegisteredModel(record: RegisteredModelRecord): Promise<RestoreOutcome> {
    const { name } = record;
    return this.db.transaction(async (tx) => {
      if (await tx.get(sql`SELECT 1 AS found FROM registered_models WHERE name = ${name}`)) return 'exists';
      const lastVersion = Math.max(record.lastVersion, ...record.versions.map((v) => v.version), 0);
      await tx.run(
        sql`INSERT INTO registered_models (name, creation_time, last_updated_time, description, user_id, last_version)
            VALUES (${name}, ${record.creationTimestamp}, ${record.lastUpdatedTimestamp}, ${record.description ?? null}, NULL, ${lastVersion})`,
      );
      if (record.tags.length > 0) {
        await tx.insertMany('registered_model_tags', ['name', 'key', 'value'], record.tags.map((t) => [name, t.key, t.value]));
      }
      for (const v of record.versions) {
        await tx.run(
          sql`INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage,
                                          source, storage_location, run_id, run_link, status, status_message)
              VALUES (${name}, ${v.version}, ${v.creationTimestamp}, ${v.lastUpdatedTimestamp}, ${v.description ?? null}, ${v.userId ?? null},
                      ${v.currentStage}, ${v.source}, ${v.storageLocation}, ${v.runId || null}, ${v.runLink || null}, ${v.status},
                      ${v.statusMessage ?? null})`,
        );
        if (v.tags.length > 0) {
          await tx.insertMany('model_version_tags', ['name', 'version', 'key', 'value'], v.tags.map((t) => [name, v.version, t.key, t.value]));
        }
      }
      if (record.aliases.length > 0) {
        await tx.insertMany('registered_model_aliases', ['name', 'alias', 'version'], record.aliases.map((a) => [name, a.alias, a.version]));
      }
      return 'created';
    });
  }
}
