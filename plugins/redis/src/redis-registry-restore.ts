import type { RegisteredModelRecord, RegistryRestore, RestoreOutcome } from '@orrery/core';
import { WriteSet, writeWithRetry } from './guarded-writes.js';
import type { RedisConnection } from './redis-connection.js';

/** Redis's registry restore path: a model, its versions, tags and aliases in one guarded write. */
export class RedisRegistryRestore implements RegistryRestore {
  constructor(private readonly connection: RedisConnection) {}

  async restoreRegisteredModel(record: RegisteredModelRecord): Promise<RestoreOutcome> {
    const k = this.connection.keys;
    const { name } = record;
    if (Number(await this.connection.command('EXISTS', k.model(name))) === 1) return 'exists';
    const lastVersion = Math.max(record.lastVersion, ...record.versions.map((v) => v.version), 0);
    const writes = new WriteSet()
      .guard({ kind: 'habsent', key: k.model(name), field: 'creation_time' })
      .run('HSET', k.model(name), 'creation_time', record.creationTimestamp, 'last_updated_time', record.lastUpdatedTimestamp, 'last_version', lastVersion, 'rev', 1)
      .run('ZADD', k.modelNames(), 0, name);
    if (record.description !== undefined) writes.run('HSET', k.model(name), 'description', record.description);
    if (record.tags.length > 0) writes.run('HSET', k.modelTags(name), ...record.tags.flatMap((t) => [t.key, t.value]));
    for (const v of record.versions) {
      const fields: (string | number)[] = [
        'version', v.version, 'rev', 1, 'creation_time', v.creationTimestamp, 'last_updated_time', v.lastUpdatedTimestamp,
        'current_stage', v.currentStage, 'source', v.source, 'storage_location', v.storageLocation, 'status', v.status,
      ];
      if (v.description !== undefined) fields.push('description', v.description);
      if (v.userId) fields.push('user_id', v.userId);
      if (v.runId) fields.push('run_id', v.runId);
      if (v.runLink) fields.push('run_link', v.runLink);
      if (v.statusMessage !== undefined) fields.push('status_message', v.statusMessage);
      writes.run('HSET', k.modelVersion(name, v.version), ...fields).run('ZADD', k.modelVersions(name), v.version, v.version);
      if (v.tags.length > 0) writes.run('HSET', k.modelVersionTags(name, v.version), ...v.tags.flatMap((t) => [t.key, t.value]));
    }
    if (record.aliases.length > 0) writes.run('HSET', k.modelAliases(name), ...record.aliases.flatMap((a) => [a.alias, a.version]));
    // A concurrent restore of the same model got there first: what it wrote stands.
    return writeWithRetry<RestoreOutcome>(this.connection, async () => ({ writes, result: 'created', onGuard: () => new Error('exists') })).catch(
      (error: unknown) => {
        if (error instanceof Error && error.message === 'exists') return 'exists';
        throw error;
      },
    );
  }
}
