import type {
  CreateModelVersionInput,
  ModelRegistryStore,
  ModelStage,
  ModelVersion,
  ModelVersionTag,
  Page,
  RegisteredModel,
  RegisteredModelAlias,
  RegisteredModelTag,
  SearchModelVersionsInput,
  SearchRegisteredModelsInput,
  UpdateModelVersionInput,
} from '@orrery/core';
import { LIMITS, MODEL_STAGES, errors, isOrreryError, parseOrderBy, parseSearchFilter, validateMaxResults } from '@orrery/core';
import type { SortKey } from '../keyset.js';
import { keysetAfter, makeKeysetToken, orderByKeys, queryFingerprint, readKeysetToken } from '../keyset.js';
import { migrate } from '../migrations.js';
import { readSearchRows, type SqlExecutor } from '../sql-executor.js';
import type { SqlFragment } from '../sql-fragment.js';
import { joinSql, sql, sqlList, trustedSql } from '../sql-fragment.js';
import type { ModelVersionRow, RegisteredModelRow } from './registry-rows.js';
import { MODEL_VERSION_COLUMNS, REGISTERED_MODEL_COLUMNS, toModelVersion, toRegisteredModel } from './registry-rows.js';
import {
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
} from './registry-search.js';
import {
  ACTIVE_MODEL_STAGES,
  canonicalModelStage,
  validateCreateModelVersion,
  validateCreateRegisteredModel,
  parseModelVersionReference,
  type ModelVersionReference,
  parseModelVersionNumber,
  validateAliasName,
  validateModelName,
  validateModelVersionStatus,
  validateOptionalString,
  validateRegistryTag,
  validateRegistryTagKey,
} from '@orrery/core';

const RM_COLUMNS = trustedSql(REGISTERED_MODEL_COLUMNS);
const MV_COLUMNS = trustedSql(MODEL_VERSION_COLUMNS);

type Db = SqlExecutor;

/** Keeps the last value given for each key, as MLflow does for tags repeated in one request. */
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

/** What a `models:/` source URI names: a version, a stage, an alias, or the latest version. */
/**
 * The ModelRegistryStore on any SQL database the shared layer speaks (SQLite now, PostgreSQL
 * later), with MLflow's registry semantics. Every write is one transaction that first checks what
 * it touches, so a rejected call has written nothing. Version numbers come from the per-model
 * counter `registered_models.last_version` (see the migration), so they rise without gaps under
 * concurrent creates and are never reused after a delete.
 */
export class SqlModelRegistryStore implements ModelRegistryStore {
  private readonly db: SqlExecutor;

  constructor(executor: SqlExecutor) {
    this.db = executor;
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
    input: { description?: string; tags?: RegisteredModelTag[] } = {},
  ): Promise<RegisteredModel> {
    const tags = validateCreateRegisteredModel(name, input);
    try {
      return await this.db.transaction(async (tx) => {
        if (await this.findModel(tx, name)) throw errors.alreadyExists(`Registered Model (name=${name}) already exists.`);
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
        throw errors.alreadyExists(`Registered Model (name=${name}) already exists.`);
      }
      throw error;
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.loadModel(this.db, name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateModelName(newName, 'new_name');
    try {
      return await this.db.transaction(async (tx) => {
        await this.requireModel(tx, name);
        if (newName !== name && (await this.findModel(tx, newName))) {
          throw errors.alreadyExists(`Registered Model (name=${newName}) already exists.`);
        }
        const now = Date.now();
        // Versions, tags and aliases follow through ON UPDATE CASCADE.
        await tx.run(sql`UPDATE registered_models SET name = ${newName}, last_updated_time = ${now} WHERE name = ${name}`);
        await tx.run(sql`UPDATE model_versions SET last_updated_time = ${now} WHERE name = ${newName}`);
        return this.loadModel(tx, newName);
      });
    } catch (error) {
      if (!isOrreryError(error) && this.db.isUniqueViolation(error)) {
        throw errors.alreadyExists(`Registered Model (name=${newName}) already exists.`);
      }
      throw error;
    }
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateOptionalString('description', description);
    return this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await tx.run(
        sql`UPDATE registered_models SET description = ${description ?? null}, last_updated_time = ${Date.now()} WHERE name = ${name}`,
      );
      return this.loadModel(tx, name);
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    validateModelName(name);
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      // Versions, tags and aliases go with it through ON DELETE CASCADE.
      await tx.run(sql`DELETE FROM registered_models WHERE name = ${name}`);
    });
  }

  async searchRegisteredModels(input: SearchRegisteredModelsInput): Promise<Page<RegisteredModel>> {
    const maxResults = validateMaxResults(input.maxResults, LIMITS.searchRegisteredModels);
    const filter = parseSearchFilter(input.filter, 'registeredModel');
    const keys = compileRegisteredModelOrder(parseOrderBy(input.orderBy, 'registeredModel'), input.orderBy);
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
    validateModelName(name);
    validateRegistryTag(tag, 'registered model');
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await this.upsertModelTags(tx, name, [tag]);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateRegistryTagKey(key);
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await tx.run(sql`DELETE FROM registered_model_tags WHERE name = ${name} AND key = ${key}`);
    });
  }

  // ---- model versions ----

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    const { name } = input;
    const tags = validateCreateModelVersion(input);
    const reference = parseModelVersionReference(input.source);
    return this.db.transaction(async (tx) => {
      const storageLocation = reference ? await this.resolveModelVersionReference(tx, input.source, reference) : input.source;
      const now = Date.now();
      // Taking the next number is one statement on the model's row: under SQLite's write lock, and
      // a row lock on PostgreSQL, so concurrent creates queue here and get consecutive numbers.
      const counter = await tx.get<{ last_version: number | string }>(
        sql`UPDATE registered_models SET last_version = last_version + 1, last_updated_time = ${now}
            WHERE name = ${name} RETURNING last_version`,
      );
      if (!counter) throw this.modelNotFound(name);
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

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    return this.loadVersion(this.db, name, number);
  }

  async updateModelVersion(name: string, version: string, input: UpdateModelVersionInput): Promise<ModelVersion> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    validateOptionalString('description', input.description);
    if (input.status !== undefined && input.status !== null) validateModelVersionStatus(input.status);
    validateOptionalString('status_message', input.statusMessage);
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

  async deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    await this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      // Its tags and aliases go with it (ON DELETE CASCADE); the counter keeps the number used.
      await tx.run(sql`DELETE FROM model_versions WHERE name = ${name} AND version = ${number}`);
      await tx.run(sql`UPDATE registered_models SET last_updated_time = ${Date.now()} WHERE name = ${name}`);
    });
  }

  async searchModelVersions(input: SearchModelVersionsInput): Promise<Page<ModelVersion>> {
    const maxResults = validateMaxResults(input.maxResults, LIMITS.searchModelVersions);
    const filter = parseSearchFilter(input.filter, 'modelVersion');
    const keys = compileModelVersionOrder(parseOrderBy(input.orderBy, 'modelVersion'), input.orderBy);
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

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    validateRegistryTag(tag, 'model version');
    await this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      await this.upsertVersionTags(tx, name, number, [tag]);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    validateRegistryTagKey(key);
    await this.db.transaction(async (tx) => {
      await this.requireVersion(tx, name, number);
      await tx.run(sql`DELETE FROM model_version_tags WHERE name = ${name} AND version = ${number} AND key = ${key}`);
    });
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    return (await this.requireVersion(this.db, name, number)).storage_location;
  }

  // ---- stages ----

  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: ModelStage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> {
    validateModelName(name);
    const number = parseModelVersionNumber(version);
    const target = canonicalModelStage(stage);
    if (archiveExistingVersions !== undefined && typeof archiveExistingVersions !== 'boolean') {
      throw errors.invalidParameter(
        `Invalid value ${String(archiveExistingVersions)} for parameter 'archive_existing_versions': it must be true or false.`,
      );
    }
    if (archiveExistingVersions && !ACTIVE_MODEL_STAGES.includes(target)) {
      throw errors.invalidParameter(
        `Cannot archive existing model versions when moving to stage '${target}': archive_existing_versions is only allowed for ${ACTIVE_MODEL_STAGES.join(' and ')}.`,
      );
    }
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

  async getLatestVersions(name: string, stages?: ModelStage[]): Promise<ModelVersion[]> {
    validateModelName(name);
    if (stages !== undefined && stages !== null && !Array.isArray(stages)) {
      throw errors.invalidParameter(`Invalid value ${String(stages)} for parameter 'stages': it must be a list of stages.`);
    }
    const wanted = stages && stages.length > 0 ? new Set(stages.map((s) => canonicalModelStage(s, 'stages'))) : new Set(MODEL_STAGES);
    await this.requireModel(this.db, name);
    const latest = await this.loadLatestVersions(this.db, [name]);
    return (latest.get(name) ?? []).filter((v) => wanted.has(v.currentStage));
  }

  // ---- aliases ----

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    const number = parseModelVersionNumber(version);
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
    validateModelName(name);
    validateAliasName(alias);
    await this.db.transaction(async (tx) => {
      await this.requireModel(tx, name);
      await tx.run(sql`DELETE FROM registered_model_aliases WHERE name = ${name} AND alias = ${alias}`);
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    validateAliasName(alias);
    const row = await this.db.get<{ version: number | string }>(
      sql`SELECT version FROM registered_model_aliases WHERE name = ${name} AND alias = ${alias}`,
    );
    if (!row) {
      await this.requireModel(this.db, name);
      throw errors.notFound(`Registered model '${name}' has no alias '${alias}'.`);
    }
    return this.loadVersion(this.db, name, Number(row.version));
  }

  // ---- helpers ----

  private modelNotFound(name: string) {
    return errors.notFound(`Registered Model with name=${name} not found.`);
  }

  private async findModel(db: Db, name: string): Promise<RegisteredModelRow | undefined> {
    return db.get<RegisteredModelRow>(sql`SELECT ${RM_COLUMNS} FROM registered_models rm WHERE rm.name = ${name}`);
  }

  private async requireModel(db: Db, name: string): Promise<RegisteredModelRow> {
    const row = await this.findModel(db, name);
    if (!row) throw this.modelNotFound(name);
    return row;
  }

  private async requireVersion(db: Db, name: string, version: number): Promise<ModelVersionRow> {
    const row = await db.get<ModelVersionRow>(
      sql`SELECT ${MV_COLUMNS} FROM model_versions mv WHERE mv.name = ${name} AND mv.version = ${version}`,
    );
    if (!row) {
      await this.requireModel(db, name);
      throw errors.notFound(`Model Version (name=${name}, version=${version}) not found.`);
    }
    return row;
  }

  /** Where a `models:/` source's files are: the storage location of the version it names. */
  private async resolveModelVersionReference(db: Db, source: string, ref: ModelVersionReference): Promise<string> {
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
    if (!row) {
      throw errors.invalidParameter(`Invalid source '${source}': it names no existing model version, so its files cannot be located.`);
    }
    return row.storage_location;
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
