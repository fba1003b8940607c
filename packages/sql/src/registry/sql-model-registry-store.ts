import type {
  ModelRegistryPersistence,
  ModelStage,
  ModelVersion,
  ModelVersionQuery,
  ModelVersionReference,
  ModelVersionRow,
  ModelVersionTag,
  NewModelVersion,
  Page,
  RegisteredModel,
  RegisteredModelAlias,
  RegisteredModelQuery,
  RegisteredModelRow,
  RegisteredModelTag,
  UpdateModelVersionInput,
} from '@orrery/core';
import { MODEL_STAGES, isOrreryError, persistenceErrors, toModelVersion, toRegisteredModel } from '@orrery/core';
import type { SortKey } from '../keyset.js';
import { keysetAfter, makeKeysetToken, orderByKeys, queryFingerprint, readKeysetToken } from '../keyset.js';
import { migrate } from '../migrations.js';
import { readSearchRows, type SqlExecutor } from '../sql-executor.js';
import type { SqlFragment } from '../sql-fragment.js';
import { joinSql, sql, sqlList, trustedSql } from '../sql-fragment.js';
import { MODEL_VERSION_COLUMNS, REGISTERED_MODEL_COLUMNS } from './registry-rows.js';
import { SqlRegistryRestore } from './sql-registry-restore.js';
import {
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
} from './registry-search.js';
const RM_COLUMNS = trustedSql(REGISTERED_MODEL_COLUMNS);
const MV_COLUMNS = trustedSql(MODEL_VERSION_COLUMNS);

type Db = SqlExecutor;

function selectKeys(keys: readonly SortKey[]): SqlFragment {
  return joinSql(keys.map((k, i) => sql`${k.expr} AS ${trustedSql(`s${i}`)}`));
}

function cursorOf(row: Record<string, unknown>, keyCount: number): unknown[] {
  return Array.from({ length: keyCount }, (_, i) => row[`s${i}`]);
}

const versionKey = (name: string, version: number | string): string => `${name}\u0000${String(version)}`;

/** Orders versions by their stage's place in MODEL_STAGES (None, Staging, Production, Archived). */
function byStageOrder(a: ModelVersion, b: ModelVersion): number {
  return MODEL_STAGES.indexOf(a.currentStage) - MODEL_STAGES.indexOf(b.currentStage);
}

/**
 * The model-registry persistence port on any SQL database the shared layer speaks (SQLite,
 * PostgreSQL); MLflow's registry rules are core's `ModelRegistryService` in front of it. Every write is one transaction that first checks what
 * it touches, so a rejected call has written nothing. Version numbers come from the per-model
 * counter `registered_models.last_version` (see the migration), so they rise without gaps under
 * concurrent creates and are never reused after a delete.
 */
export class SqlModelRegistryStore implements ModelRegistryPersistence {
  readonly port = 'modelRegistry' as const;
  readonly restore: SqlRegistryRestore;
  private readonly db: SqlExecutor;

  constructor(executor: SqlExecutor) {
    this.db = executor;
    this.restore = new SqlRegistryRestore(executor);
  }

  /** Migrates the schema (shared with the tracking store) and returns the store; takes ownership of the executor. */
  static async open(executor: SqlExecutor): Promise<SqlModelRegistryStore> {
    await migrate(executor);
    return new SqlModelRegistryStore(executor);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // ---- registered models ----

  async createRegisteredModel(
    name: string,
    input: { description?: string; tags: RegisteredModelTag[] },
  ): Promise<RegisteredModel> {
    const tags = input.tags;
    try {
      return await this.db.transaction(async (tx) => {
        if (await this.findModel(tx, name)) throw persistenceErrors.modelNameTaken(name);
        const now = Date.now();
        await tx.run(
          sql`INSERT INTO registered_models (name, creation_time, last_updated_time, description, user_id, last_version)
              VALUES (${name}, ${now}, ${now}, ${input.description ?? null}, NULL, 0)`,
        );
        await this.upsertModelTags(tx, name, tags);
        return this.loadModel(tx, name);
      });
    } catch (error) {
      if (!isOrreryError(error) && this.db.isUniqueViolation(error)) {
        throw persistenceErrors.modelNameTaken(name);
      }
      throw error;
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.loadModel(this.db, name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    try {
      return await this.db.transaction(async (tx) => {
        await this.requireModel(tx, name);
        if (newName !== name && (await this.findModel(tx, newName))) {
          throw persistenceErrors.modelNameTaken(newName);
        }
        const now = Date.now();
        // Versions, tags and aliases follow through ON UPDATE CASCADE.
        await tx.run(sql`UPDATE registered_models SET name = ${newName}, last_updated_time = ${now} WHERE name = ${name}`);
        await tx.run(sql`UPDATE model_versions SET last_updated_time = ${now} WHERE name = ${newName}`);
        return this.loadModel(tx, newName);
      });
    } catch (error) {
      if (!isOrreryError(error) && this.db.isUniqueViolation(error)) {
        throw persistenceErrors.modelNameTaken(newName);
      }
      throw error;
    }
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await tx.run(
        sql`UPDATE registered_models SET description = ${description ?? null}, last_updated_time = ${Date.now()} WHERE name = ${name}`,
      );
      return this.loadModel(tx, name);
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      // Versions, tags and aliases go with it through ON DELETE CASCADE.
      await tx.run(sql`DELETE FROM registered_models WHERE name = ${name}`);
    });
  }

  async searchRegisteredModels(input: RegisteredModelQuery): Promise<Page<RegisteredModel>> {
    const { maxResults, filterAst: filter } = input;
    const keys = compileRegisteredModelOrder(input.orderByTerms);
    const fingerprint = queryFingerprint(['registered_models', input.filter ?? '', input.orderBy ?? []]);
    const after = input.pageToken ? keysetAfter(keys, readKeysetToken(input.pageToken, fingerprint, keys.length)) : sql`1 = 1`;
    const rows = await readSearchRows<RegisteredModelRow & Record<string, unknown>>(
      this.db,
      sql`SELECT ${RM_COLUMNS}, ${selectKeys(keys)} FROM registered_models rm
          WHERE ${compileRegisteredModelFilter(filter)} AND ${after}
          ORDER BY ${orderByKeys(keys)} LIMIT ${maxResults + 1}`,
    );
    const pageRows = rows.slice(0, maxResults);
    const items = await this.loadModels(this.db, pageRows);
    const last = pageRows[pageRows.length - 1];
    return rows.length > maxResults && last
      ? { items, nextPageToken: makeKeysetToken(fingerprint, cursorOf(last, keys.length)) }
      : { items };
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await this.upsertModelTags(tx, name, [tag]);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await tx.run(sql`DELETE FROM registered_model_tags WHERE name = ${name} AND key = ${key}`);
    });
  }

  // ---- model versions ----

  async createModelVersion(input: NewModelVersion): Promise<ModelVersion> {
    const { name, tags, storageLocation } = input;
    return this.db.transaction(async (tx) => {
      const now = Date.now();
      // Taking the next number is one statement on the model's row: under SQLite's write lock, and
      // a row lock on PostgreSQL, so concurrent creates queue here and get consecutive numbers.
      const counter = await tx.get<{ last_version: number | string }>(
        sql`UPDATE registered_models SET last_version = last_version + 1, last_updated_time = ${now}
            WHERE name = ${name} RETURNING last_version`,
      );
      if (!counter) throw persistenceErrors.modelNotFound(name);
      const version = Number(counter.last_version);
      await tx.run(
        sql`INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage,
                                        source, storage_location, run_id, run_link, status, status_message)
            VALUES (${name}, ${version}, ${now}, ${now}, ${input.description ?? null}, ${input.userId ?? null}, 'None',
                    ${input.source}, ${storageLocation}, ${input.runId || null}, ${input.runLink || null}, 'READY', NULL)`,
      );
      await this.upsertVersionTags(tx, name, version, tags);
      return this.loadVersion(tx, name, version);
    });
  }

  async getModelVersion(name: string, number: number): Promise<ModelVersion> {
    return this.loadVersion(this.db, name, number);
  }

  async updateModelVersion(name: string, number: number, input: UpdateModelVersionInput): Promise<ModelVersion> {
    return this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      const sets: SqlFragment[] = [sql`last_updated_time = ${Date.now()}`];
      if (input.description !== undefined) sets.push(sql`description = ${input.description}`);
      if (input.status !== undefined && input.status !== null) sets.push(sql`status = ${input.status}`);
      if (input.statusMessage !== undefined) sets.push(sql`status_message = ${input.statusMessage}`);
      await tx.run(sql`UPDATE model_versions SET ${joinSql(sets)} WHERE name = ${name} AND version = ${number}`);
      return this.loadVersion(tx, name, number);
    });
  }

  async deleteModelVersion(name: string, number: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      // Its tags and aliases go with it (ON DELETE CASCADE); the counter keeps the number used.
      await tx.run(sql`DELETE FROM model_versions WHERE name = ${name} AND version = ${number}`);
      await tx.run(sql`UPDATE registered_models SET last_updated_time = ${Date.now()} WHERE name = ${name}`);
    });
  }

  async searchModelVersions(input: ModelVersionQuery): Promise<Page<ModelVersion>> {
    const { maxResults, filterAst: filter } = input;
    const keys = compileModelVersionOrder(input.orderByTerms);
    const fingerprint = queryFingerprint(['model_versions', input.filter ?? '', input.orderBy ?? []]);
    const after = input.pageToken ? keysetAfter(keys, readKeysetToken(input.pageToken, fingerprint, keys.length)) : sql`1 = 1`;
    const rows = await readSearchRows<ModelVersionRow & Record<string, unknown>>(
      this.db,
      sql`SELECT ${MV_COLUMNS}, ${selectKeys(keys)} FROM model_versions mv
          WHERE ${compileModelVersionFilter(filter)} AND ${after}
          ORDER BY ${orderByKeys(keys)} LIMIT ${maxResults + 1}`,
    );
    const pageRows = rows.slice(0, maxResults);
    const items = await this.loadVersions(this.db, pageRows);
    const last = pageRows[pageRows.length - 1];
    return rows.length > maxResults && last
      ? { items, nextPageToken: makeKeysetToken(fingerprint, cursorOf(last, keys.length)) }
      : { items };
  }

  async setModelVersionTag(name: string, number: number, tag: ModelVersionTag): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      await this.upsertVersionTags(tx, name, number, [tag]);
    });
  }

  async deleteModelVersionTag(name: string, number: number, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      await tx.run(sql`DELETE FROM model_version_tags WHERE name = ${name} AND version = ${number} AND key = ${key}`);
    });
  }

  async getModelVersionDownloadUri(name: string, number: number): Promise<string> {
    return (await this.requireVersion(this.db, name, number)).storage_location;
  }

  // ---- stages ----

  async transitionModelVersionStage(name: string, number: number, target: ModelStage, archiveExistingVersions: boolean): Promise<ModelVersion> {
    return this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      const now = Date.now();
      if (archiveExistingVersions) {
        await tx.run(
          sql`UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ${now}
              WHERE name = ${name} AND current_stage = ${target} AND version != ${number}`,
        );
      }
      await tx.run(
        sql`UPDATE model_versions SET current_stage = ${target}, last_updated_time = ${now} WHERE name = ${name} AND version = ${number}`,
      );
      await tx.run(sql`UPDATE registered_models SET last_updated_time = ${now} WHERE name = ${name}`);
      return this.loadVersion(tx, name, number);
    });
  }

  async getLatestVersions(name: string): Promise<ModelVersion[]> {
    await this.requireModel(this.db, name);
    const latest = await this.loadLatestVersions(this.db, [name]);
    return latest.get(name) ?? [];
  }

  // ---- aliases ----

  async setRegisteredModelAlias(name: string, alias: string, number: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      // One statement: the alias points at the old version or the new one, never at none.
      await tx.run(
        sql`INSERT INTO registered_model_aliases (name, alias, version) VALUES (${name}, ${alias}, ${number})
            ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version`,
      );
    });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await tx.run(sql`DELETE FROM registered_model_aliases WHERE name = ${name} AND alias = ${alias}`);
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const row = await this.db.get<{ version: number | string }>(
      sql`SELECT version FROM registered_model_aliases WHERE name = ${name} AND alias = ${alias}`,
    );
    if (!row) {
      await this.requireModel(this.db, name);
      throw persistenceErrors.aliasNotFound(name, alias);
    }
    return this.loadVersion(this.db, name, Number(row.version));
  }

  // ---- helpers ----


  private async findModel(db: Db, name: string): Promise<RegisteredModelRow | undefined> {
    return db.get<RegisteredModelRow>(sql`SELECT ${RM_COLUMNS} FROM registered_models rm WHERE rm.name = ${name}`);
  }

  private async requireModel(db: Db, name: string): Promise<RegisteredModelRow> {
    const row = await this.findModel(db, name);
    if (!row) throw persistenceErrors.modelNotFound(name);
    return row;
  }

  private async requireVersion(db: Db, name: string, version: number): Promise<ModelVersionRow> {
    const row = await db.get<ModelVersionRow>(
      sql`SELECT ${MV_COLUMNS} FROM model_versions mv WHERE mv.name = ${name} AND mv.version = ${version}`,
    );
    if (!row) {
      await this.requireModel(db, name);
      throw persistenceErrors.modelVersionNotFound(name, version);
    }
    return row;
  }

  async storageLocationOf(ref: ModelVersionReference): Promise<string | null> {
    const db = this.db;
    let row: { storage_location: string } | undefined;
    switch (ref.kind) {
      case 'version':
        row = await db.get(sql`SELECT storage_location FROM model_versions WHERE name = ${ref.name} AND version = ${ref.version}`);
        break;
      case 'alias':
        row = await db.get(
          sql`SELECT mv.storage_location FROM registered_model_aliases a
              JOIN model_versions mv ON mv.name = a.name AND mv.version = a.version
              WHERE a.name = ${ref.name} AND a.alias = ${ref.alias}`,
        );
        break;
      case 'stage':
        row = await db.get(
          sql`SELECT storage_location FROM model_versions WHERE name = ${ref.name} AND current_stage = ${ref.stage}
              ORDER BY version DESC LIMIT 1`,
        );
        break;
      case 'latest':
        row = await db.get(sql`SELECT storage_location FROM model_versions WHERE name = ${ref.name} ORDER BY version DESC LIMIT 1`);
        break;
    }
    return row?.storage_location ?? null;
  }

  private async upsertModelTags(db: Db, name: string, tags: readonly RegisteredModelTag[]): Promise<void> {
    for (const tag of tags) {
      await db.run(
        sql`INSERT INTO registered_model_tags (name, key, value) VALUES (${name}, ${tag.key}, ${tag.value})
            ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
      );
    }
  }

  private async upsertVersionTags(db: Db, name: string, version: number, tags: readonly ModelVersionTag[]): Promise<void> {
    for (const tag of tags) {
      await db.run(
        sql`INSERT INTO model_version_tags (name, version, key, value) VALUES (${name}, ${version}, ${tag.key}, ${tag.value})
            ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value`,
      );
    }
  }

  private async loadVersion(db: Db, name: string, version: number): Promise<ModelVersion> {
    const row = await this.requireVersion(db, name, version);
    const [loaded] = await this.loadVersions(db, [row]);
    return loaded!;
  }

  /**
   * Entities for version rows, with tags and aliases read in two queries for the whole list. The
   * queries select by the sets of names and of numbers (portable lists, one parameter each) and
   * the exact (name, version) pairs are picked here.
   */
  private async loadVersions(db: Db, rows: readonly ModelVersionRow[]): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const names = [...new Set(rows.map((r) => r.name))];
    const numbers = [...new Set(rows.map((r) => Number(r.version)))];
    const wanted = new Set(rows.map((r) => versionKey(r.name, r.version)));
    const tagRows = await db.all<{ name: string; version: number | string; key: string; value: string }>(
      sql`SELECT name, version, key, value FROM model_version_tags
          WHERE name IN ${sqlList(names)} AND version IN ${sqlList(numbers, 'bigint')} ORDER BY name, version, key`,
    );
    const aliasRows = await db.all<{ name: string; version: number | string; alias: string }>(
      sql`SELECT name, version, alias FROM registered_model_aliases WHERE name IN ${sqlList(names)} ORDER BY name, alias`,
    );
    const tags = new Map<string, ModelVersionTag[]>();
    for (const t of tagRows) {
      const key = versionKey(t.name, t.version);
      if (!wanted.has(key)) continue;
      let list = tags.get(key);
      if (!list) tags.set(key, (list = []));
      list.push({ key: t.key, value: t.value });
    }
    const aliases = new Map<string, string[]>();
    for (const a of aliasRows) {
      const key = versionKey(a.name, a.version);
      if (!wanted.has(key)) continue;
      let list = aliases.get(key);
      if (!list) aliases.set(key, (list = []));
      list.push(a.alias);
    }
    return rows.map((row) => {
      const key = versionKey(row.name, row.version);
      return toModelVersion(row, tags.get(key) ?? [], aliases.get(key) ?? []);
    });
  }

  /** The newest version in each stage, per model, in stage order. */
  private async loadLatestVersions(db: Db, names: readonly string[]): Promise<Map<string, ModelVersion[]>> {
    const rows = await db.all<ModelVersionRow>(
      sql`SELECT ${MV_COLUMNS} FROM model_versions mv
          JOIN (SELECT name, current_stage, MAX(version) AS version FROM model_versions
                WHERE name IN ${sqlList(names)} GROUP BY name, current_stage) latest
            ON latest.name = mv.name AND latest.version = mv.version`,
    );
    const versions = await this.loadVersions(db, rows);
    const byModel = new Map<string, ModelVersion[]>();
    for (const v of versions) {
      let list = byModel.get(v.name);
      if (!list) byModel.set(v.name, (list = []));
      list.push(v);
    }
    for (const list of byModel.values()) list.sort(byStageOrder);
    return byModel;
  }

  private async loadModel(db: Db, name: string): Promise<RegisteredModel> {
    const row = await this.requireModel(db, name);
    const [model] = await this.loadModels(db, [row]);
    return model!;
  }

  /** Entities for model rows: tags, aliases and latest versions read in bulk for the whole list. */
  private async loadModels(db: Db, rows: readonly RegisteredModelRow[]): Promise<RegisteredModel[]> {
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.name);
    const tagRows = await db.all<{ name: string; key: string; value: string }>(
      sql`SELECT name, key, value FROM registered_model_tags WHERE name IN ${sqlList(names)} ORDER BY name, key`,
    );
    const aliasRows = await db.all<{ name: string; alias: string; version: number | string }>(
      sql`SELECT name, alias, version FROM registered_model_aliases WHERE name IN ${sqlList(names)} ORDER BY name, alias`,
    );
    const latest = await this.loadLatestVersions(db, names);
    const tags = new Map<string, RegisteredModelTag[]>();
    for (const t of tagRows) {
      let list = tags.get(t.name);
      if (!list) tags.set(t.name, (list = []));
      list.push({ key: t.key, value: t.value });
    }
    const aliases = new Map<string, RegisteredModelAlias[]>();
    for (const a of aliasRows) {
      let list = aliases.get(a.name);
      if (!list) aliases.set(a.name, (list = []));
      list.push({ alias: a.alias, version: String(a.version) });
    }
    return rows.map((row) =>
      toRegisteredModel(row, {
        latestVersions: latest.get(row.name) ?? [],
        tags: tags.get(row.name) ?? [],
        aliases: aliases.get(row.name) ?? [],
      }),
    );
  }
}
