import {
  comparisonHolds,
  errors,
  persistenceErrors,
  filterInSlices,
  MODEL_STAGES,
  toModelVersion,
  toRegisteredModel,
  type ModelRegistryPersistence,
  type ModelStage,
  type ModelVersion,
  type ModelVersionQuery,
  type ModelVersionReference,
  type ModelVersionRow,
  type ModelVersionTag,
  type NewModelVersion,
  type OrderByTerm,
  type Page,
  type RegisteredModel,
  type RegisteredModelQuery,
  type RegisteredModelRow,
  type RegisteredModelTag,
  type UpdateModelVersionInput,
} from '@orrery/core';
import { WriteSet, makeOffsetToken, queryFingerprint, readOffsetToken, writeWithRetry } from './guarded-writes.js';
import { CREATE_MODEL_VERSION } from './lua/write-scripts.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisRegistryRestore } from './redis-registry-restore.js';

type Hash = Record<string, string>;

const nullable = (value: string | undefined): string | null => (value === undefined ? null : value);

function modelRow(name: string, hash: Hash): RegisteredModelRow {
  return {
    name,
    creation_time: hash.creation_time!,
    last_updated_time: hash.last_updated_time!,
    description: nullable(hash.description),
    user_id: nullable(hash.user_id),
  };
}

function versionRow(name: string, hash: Hash): ModelVersionRow {
  return {
    name,
    version: hash.version!,
    creation_time: hash.creation_time!,
    last_updated_time: hash.last_updated_time!,
    description: nullable(hash.description),
    user_id: nullable(hash.user_id),
    current_stage: hash.current_stage!,
    source: hash.source!,
    storage_location: hash.storage_location!,
    run_id: nullable(hash.run_id),
    run_link: nullable(hash.run_link),
    status: hash.status!,
    status_message: nullable(hash.status_message),
  };
}

function sortBy<T>(items: T[], keys: Array<{ value: (item: T) => string | number; ascending: boolean }>): T[] {
  return items.sort((a, b) => {
    for (const key of keys) {
      const x = key.value(a);
      const y = key.value(b);
      if (x === y) continue;
      const c = x < y ? -1 : 1;
      return key.ascending ? c : -c;
    }
    return 0;
  });
}

/**
 * The model-registry persistence port on Redis (data model in docs/redis.md); MLflow's registry
 * rules are core's `ModelRegistryService` in front of it. Every write is atomic: version
 * creation is one Lua script that takes the next number with HINCRBY on the model's counter; the
 * other writes read, decide, and apply with a guard on the model's `rev` counter, which every
 * write of a model (its versions, tags and aliases included) bumps, retrying when another client
 * wrote in between.
 */
export class RedisModelRegistryStore implements ModelRegistryPersistence {
  readonly port = 'modelRegistry' as const;
  readonly restore: RedisRegistryRestore;
  constructor(private readonly connection: RedisConnection) {
    this.restore = new RedisRegistryRestore(connection);
  }

  private get keys() {
    return this.connection.keys;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }


  private async readModel(name: string): Promise<Hash | undefined> {
    const hash = (await this.connection.command('HGETALL', this.keys.model(name))) as Hash;
    return hash.creation_time ? hash : undefined;
  }

  private async requireModel(name: string): Promise<Hash> {
    const hash = await this.readModel(name);
    if (!hash) throw persistenceErrors.modelNotFound(name);
    return hash;
  }

  private async requireVersion(name: string, version: number): Promise<{ model: Hash; version: Hash }> {
    const [model, hash] = (await this.connection.batch([
      ['HGETALL', this.keys.model(name)],
      ['HGETALL', this.keys.modelVersion(name, version)],
    ])) as [Hash, Hash];
    if (!model.creation_time) throw persistenceErrors.modelNotFound(name);
    if (!hash.creation_time) throw persistenceErrors.modelVersionNotFound(name, version);
    return { model, version: hash };
  }

  /** Version numbers of a model, ascending. */
  private async versionNumbers(name: string): Promise<number[]> {
    return ((await this.connection.command('ZRANGE', this.keys.modelVersions(name), 0, -1)) as string[]).map(Number);
  }

  /** Full entities of (name, version) pairs: hashes, tags and aliases in one pipeline. */
  private async loadVersions(pairs: ReadonlyArray<readonly [string, number]>): Promise<ModelVersion[]> {
    const k = this.keys;
    const replies = await this.connection.batch(
      pairs.flatMap(([name, version]) => [
        ['HGETALL', k.modelVersion(name, version)] as const,
        ['HGETALL', k.modelVersionTags(name, version)] as const,
        ['HGETALL', k.modelAliases(name)] as const,
      ]),
    );
    const versions: ModelVersion[] = [];
    pairs.forEach(([name, version], i) => {
      const hash = replies[3 * i] as Hash;
      if (!hash.creation_time) return;
      const tags = Object.entries(replies[3 * i + 1] as Hash).map(([key, value]) => ({ key, value }));
      const aliases = Object.entries(replies[3 * i + 2] as Hash)
        .filter(([, v]) => v === String(version))
        .map(([alias]) => alias)
        .sort();
      versions.push(toModelVersion(versionRow(name, hash), tags, aliases));
    });
    return versions;
  }

  private async loadVersion(name: string, version: number): Promise<ModelVersion> {
    const [loaded] = await this.loadVersions([[name, version]]);
    if (!loaded) {
      await this.requireModel(name);
      throw persistenceErrors.modelVersionNotFound(name, version);
    }
    return loaded;
  }

  /** The newest version in each stage, in stage order. */
  private async latestVersions(name: string): Promise<ModelVersion[]> {
    const numbers = await this.versionNumbers(name);
    if (numbers.length === 0) return [];
    const stages = (await this.connection.batch(
      numbers.map((n) => ['HGET', this.keys.modelVersion(name, n), 'current_stage'] as const),
    )) as Array<string | null>;
    const newest = new Map<string, number>();
    numbers.forEach((n, i) => {
      const stage = stages[i];
      if (stage && (newest.get(stage) ?? 0) < n) newest.set(stage, n);
    });
    const versions = await this.loadVersions([...newest.values()].map((n) => [name, n] as const));
    return versions.sort((a, b) => MODEL_STAGES.indexOf(a.currentStage) - MODEL_STAGES.indexOf(b.currentStage));
  }

  private async loadModel(name: string, hash?: Hash): Promise<RegisteredModel> {
    const k = this.keys;
    const [model, tags, aliases] = (await this.connection.batch([
      ['HGETALL', k.model(name)],
      ['HGETALL', k.modelTags(name)],
      ['HGETALL', k.modelAliases(name)],
    ])) as [Hash, Hash, Hash];
    const row = hash ?? model;
    if (!row.creation_time) throw persistenceErrors.modelNotFound(name);
    return toRegisteredModel(modelRow(name, row), {
      latestVersions: await this.latestVersions(name),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      aliases: Object.entries(aliases)
        .map(([alias, version]) => ({ alias, version }))
        .sort((a, b) => (a.alias < b.alias ? -1 : 1)),
    });
  }

  // ---- registered models ----

  async createRegisteredModel(name: string, input: { description?: string; tags: RegisteredModelTag[] }): Promise<RegisteredModel> {
    const tags = input.tags;
    const k = this.keys;
    const now = Date.now();
    const writes = new WriteSet()
      .guard({ kind: 'habsent', key: k.model(name), field: 'creation_time' })
      .run('HSET', k.model(name), 'creation_time', now, 'last_updated_time', now, 'last_version', 0, 'rev', 1)
      .run('ZADD', k.modelNames(), 0, name);
    if (input.description !== undefined && input.description !== null) writes.run('HSET', k.model(name), 'description', input.description);
    if (tags.length > 0) writes.run('HSET', k.modelTags(name), ...tags.flatMap((t) => [t.key, t.value]));
    await writeWithRetry(this.connection, async () => ({
      writes,
      result: undefined,
      onGuard: () => persistenceErrors.modelNameTaken(name),
    }));
    return this.loadModel(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.loadModel(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const model = await this.requireModel(name);
      if (name === newName) return { done: undefined };
      const numbers = await this.versionNumbers(name);
      const exists = (await this.connection.batch([
        ['EXISTS', k.modelTags(name)],
        ['EXISTS', k.modelAliases(name)],
        ['EXISTS', k.modelVersions(name)],
        ...numbers.map((n) => ['EXISTS', k.modelVersionTags(name, n)] as const),
      ])) as number[];
      const writes = new WriteSet()
        .unchanged(k.model(name), 'rev', model.rev)
        .guard({ kind: 'habsent', key: k.model(newName), field: 'creation_time' })
        .run('RENAME', k.model(name), k.model(newName))
        .run('HSET', k.model(newName), 'last_updated_time', Date.now())
        .run('HINCRBY', k.model(newName), 'rev', 1)
        .run('ZREM', k.modelNames(), name)
        .run('ZADD', k.modelNames(), 0, newName);
      if (exists[0]) writes.run('RENAME', k.modelTags(name), k.modelTags(newName));
      if (exists[1]) writes.run('RENAME', k.modelAliases(name), k.modelAliases(newName));
      if (exists[2]) writes.run('RENAME', k.modelVersions(name), k.modelVersions(newName));
      numbers.forEach((n, i) => {
        writes.run('RENAME', k.modelVersion(name, n), k.modelVersion(newName, n));
        if (exists[3 + i]) writes.run('RENAME', k.modelVersionTags(name, n), k.modelVersionTags(newName, n));
      });
      return {
        writes,
        result: undefined,
        onGuard: (index) => (index === 1 ? persistenceErrors.modelNameTaken(newName) : undefined),
      };
    });
    return this.loadModel(newName);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    await this.touchModel(name, (writes, k) => {
      if (description === undefined || description === null) writes.run('HDEL', k.model(name), 'description');
      else writes.run('HSET', k.model(name), 'description', description);
    });
    return this.loadModel(name);
  }

  /** A guarded write of one model that also bumps its last-updated time and rev. */
  private async touchModel(
    name: string,
    add: (writes: WriteSet, keys: RedisConnection['keys'], model: Hash) => void | Promise<void>,
    options: { bumpTime?: boolean } = {},
  ): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const model = await this.requireModel(name);
      const writes = new WriteSet().unchanged(k.model(name), 'rev', model.rev);
      await add(writes, k, model);
      if (options.bumpTime !== false) writes.run('HSET', k.model(name), 'last_updated_time', Date.now());
      writes.run('HINCRBY', k.model(name), 'rev', 1);
      return { writes, result: undefined };
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const model = await this.requireModel(name);
      const numbers = await this.versionNumbers(name);
      const writes = new WriteSet()
        .unchanged(k.model(name), 'rev', model.rev)
        .run('DEL', k.model(name), k.modelTags(name), k.modelAliases(name), k.modelVersions(name))
        .run('ZREM', k.modelNames(), name);
      for (const n of numbers) writes.run('DEL', k.modelVersion(name, n), k.modelVersionTags(name, n));
      return { writes, result: undefined };
    });
  }

  async searchRegisteredModels(input: RegisteredModelQuery): Promise<Page<RegisteredModel>> {
    const { maxResults, filterAst: filter, orderByTerms: terms } = input;
    const fingerprint = queryFingerprint(['registered_models', input.filter ?? '', input.orderBy ?? []]);
    const offset = readOffsetToken(input.pageToken, fingerprint);
    // Registered models are few: read every name, filter and sort here (a scan, see docs/redis.md).
    const names = (await this.connection.command('ZRANGE', this.keys.modelNames(), 0, -1)) as string[];
    const replies = await this.connection.batch(
      names.flatMap((name) => [['HGETALL', this.keys.model(name)] as const, ['HGETALL', this.keys.modelTags(name)] as const]),
    );
    const rows = await filterInSlices(
      names.map((name, i) => ({ name, hash: replies[2 * i] as Hash, tags: replies[2 * i + 1] as Hash })).filter((m) => m.hash.creation_time),
      (m) =>
        filter.clauses.every((clause) => {
          if (clause.type === 'tag') return comparisonHolds(clause, m.tags[clause.key]);
          if (clause.type === 'attribute' && clause.key === 'name') return comparisonHolds(clause, m.name);
          throw errors.invalidParameter(`Invalid ${clause.type} key '${clause.key}' in a registered model search filter.`);
        }),
    );
    const keys = terms.map((term) => {
      if (term.type !== 'attribute') throw errors.invalidParameter(`Invalid order_by key '${term.key}' for registered models.`);
      return {
        value: term.key === 'name' ? (m: (typeof rows)[number]) => m.name : (m: (typeof rows)[number]) => Number(m.hash.last_updated_time),
        ascending: term.ascending,
      };
    });
    if (!terms.some((t) => t.key === 'name')) keys.push({ value: (m) => m.name, ascending: true });
    const sorted = sortBy(rows, keys);
    const page = sorted.slice(offset, offset + maxResults);
    const items = await Promise.all(page.map((m) => this.loadModel(m.name)));
    return sorted.length > offset + maxResults ? { items, nextPageToken: makeOffsetToken(fingerprint, offset + maxResults) } : { items };
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    await this.touchModel(name, (writes, k) => void writes.run('HSET', k.modelTags(name), tag.key, tag.value), { bumpTime: false });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.touchModel(name, (writes, k) => void writes.run('HDEL', k.modelTags(name), key), { bumpTime: false });
  }

  // ---- model versions ----

  async storageLocationOf(ref: ModelVersionReference): Promise<string | null> {
    let version: number | undefined;
    if (ref.kind === 'version') {
      version = ref.version;
    } else if (ref.kind === 'alias') {
      const found = (await this.connection.command('HGET', this.keys.modelAliases(ref.name), ref.alias)) as string | null;
      version = found === null ? undefined : Number(found);
    } else {
      const numbers = await this.versionNumbers(ref.name);
      if (ref.kind === 'latest') {
        version = numbers.at(-1);
      } else {
        const stages = (await this.connection.batch(
          numbers.map((n) => ['HGET', this.keys.modelVersion(ref.name, n), 'current_stage'] as const),
        )) as Array<string | null>;
        version = numbers.filter((_, i) => stages[i] === ref.stage).at(-1);
      }
    }
    if (version === undefined) return null;
    return (await this.connection.command('HGET', this.keys.modelVersion(ref.name, version), 'storage_location')) as string | null;
  }

  async createModelVersion(input: NewModelVersion): Promise<ModelVersion> {
    const { name, tags, storageLocation } = input;
    const now = Date.now();
    const fields: Array<string | number> = [
      'creation_time', now,
      'last_updated_time', now,
      'current_stage', 'None',
      'source', input.source,
      'storage_location', storageLocation,
      'status', 'READY',
    ];
    if (input.description !== undefined && input.description !== null) fields.push('description', input.description);
    if (input.userId) fields.push('user_id', input.userId);
    if (input.runId) fields.push('run_id', input.runId);
    if (input.runLink) fields.push('run_link', input.runLink);
    const k = this.keys;
    const versionHead = k.modelVersion(name, 0).slice(0, -1);
    const reply = (await this.connection.script(CREATE_MODEL_VERSION, [k.model(name)], [
      versionHead,
      k.modelVersions(name),
      now,
      fields.length / 2,
      ...fields,
      tags.length,
      ...tags.flatMap((t) => [t.key, t.value]),
    ])) as string[];
    if (reply[0] !== 'ok') throw persistenceErrors.modelNotFound(name);
    return this.loadVersion(name, Number(reply[1]));
  }

  async getModelVersion(name: string, number: number): Promise<ModelVersion> {
    return this.loadVersion(name, number);
  }

  /** A guarded write of one existing version (also bumps the model's rev). */
  private async touchVersion(name: string, version: number, add: (writes: WriteSet, current: Hash) => void): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { model, version: current } = await this.requireVersion(name, version);
      const writes = new WriteSet().unchanged(k.model(name), 'rev', model.rev);
      add(writes, current);
      writes.run('HINCRBY', k.model(name), 'rev', 1);
      return { writes, result: undefined };
    });
  }

  async updateModelVersion(name: string, number: number, input: UpdateModelVersionInput): Promise<ModelVersion> {
    const key = this.keys.modelVersion(name, number);
    await this.touchVersion(name, number, (writes) => {
      writes.run('HSET', key, 'last_updated_time', Date.now());
      if (input.description !== undefined && input.description !== null) writes.run('HSET', key, 'description', input.description);
      if (input.status !== undefined && input.status !== null) writes.run('HSET', key, 'status', input.status);
      if (input.statusMessage !== undefined && input.statusMessage !== null) writes.run('HSET', key, 'status_message', input.statusMessage);
    });
    return this.loadVersion(name, number);
  }

  async deleteModelVersion(name: string, number: number): Promise<void> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { model } = await this.requireVersion(name, number);
      const aliases = (await this.connection.command('HGETALL', k.modelAliases(name))) as Hash;
      const pointing = Object.entries(aliases).filter(([, v]) => v === String(number)).map(([alias]) => alias);
      const writes = new WriteSet()
        .unchanged(k.model(name), 'rev', model.rev)
        .run('DEL', k.modelVersion(name, number), k.modelVersionTags(name, number))
        .run('ZREM', k.modelVersions(name), number)
        .run('HSET', k.model(name), 'last_updated_time', Date.now())
        .run('HINCRBY', k.model(name), 'rev', 1);
      if (pointing.length > 0) writes.run('HDEL', k.modelAliases(name), ...pointing);
      return { writes, result: undefined };
    });
  }

  async searchModelVersions(input: ModelVersionQuery): Promise<Page<ModelVersion>> {
    const { maxResults, filterAst: filter, orderByTerms: terms } = input;
    const fingerprint = queryFingerprint(['model_versions', input.filter ?? '', input.orderBy ?? []]);
    const offset = readOffsetToken(input.pageToken, fingerprint);
    // A `name =` clause narrows the read to one model; otherwise every model's versions are read (a scan).
    const nameClause = filter.clauses.find((c) => c.type === 'attribute' && c.key === 'name' && c.kind === 'string' && c.comparator === '=');
    const names =
      nameClause && nameClause.kind === 'string'
        ? [nameClause.value]
        : ((await this.connection.command('ZRANGE', this.keys.modelNames(), 0, -1)) as string[]);
    const numberLists = (await this.connection.batch(
      names.map((name) => ['ZRANGE', this.keys.modelVersions(name), 0, -1] as const),
    )) as string[][];
    const pairs = names.flatMap((name, i) => (numberLists[i] ?? []).map((n) => [name, Number(n)] as const));
    const all = await this.loadVersions(pairs);
    const selected = await filterInSlices(all, (v) =>
      filter.clauses.every((clause) => {
        if (clause.type === 'tag') return comparisonHolds(clause, v.tags.find((t) => t.key === clause.key)?.value);
        switch (clause.key) {
          case 'name':
            return comparisonHolds(clause, v.name);
          case 'run_id':
            return comparisonHolds(clause, v.runId);
          case 'source_path':
            return comparisonHolds(clause, v.source);
          case 'version_number':
            return comparisonHolds(clause, Number(v.version));
          default:
            throw errors.invalidParameter(`Invalid ${clause.type} key '${clause.key}' in a model version search filter.`);
        }
      }),
    );
    const effective: OrderByTerm[] = terms.length > 0 ? [...terms] : [{ type: 'attribute', key: 'last_updated_timestamp', ascending: false }];
    if (!effective.some((t) => t.key === 'name')) effective.push({ type: 'attribute', key: 'name', ascending: true });
    if (!effective.some((t) => t.key === 'version_number')) effective.push({ type: 'attribute', key: 'version_number', ascending: false });
    const keys = effective.map((term) => {
      const value = (v: ModelVersion): string | number => {
        switch (term.key) {
          case 'name':
            return v.name;
          case 'version_number':
            return Number(v.version);
          case 'creation_timestamp':
            return v.creationTimestamp;
          case 'last_updated_timestamp':
            return v.lastUpdatedTimestamp;
          default:
            throw errors.invalidParameter(`Invalid order_by key '${term.key}' for model versions.`);
        }
      };
      return { value, ascending: term.ascending };
    });
    const sorted = sortBy(selected, keys);
    const items = sorted.slice(offset, offset + maxResults);
    return sorted.length > offset + maxResults ? { items, nextPageToken: makeOffsetToken(fingerprint, offset + maxResults) } : { items };
  }

  async setModelVersionTag(name: string, number: number, tag: ModelVersionTag): Promise<void> {
    const key = this.keys.modelVersionTags(name, number);
    await this.touchVersion(name, number, (writes) => void writes.run('HSET', key, tag.key, tag.value));
  }

  async deleteModelVersionTag(name: string, number: number, key: string): Promise<void> {
    const tagsKey = this.keys.modelVersionTags(name, number);
    await this.touchVersion(name, number, (writes) => void writes.run('HDEL', tagsKey, key));
  }

  async getModelVersionDownloadUri(name: string, number: number): Promise<string> {
    return (await this.requireVersion(name, number)).version.storage_location!;
  }

  // ---- stages ----

  async transitionModelVersionStage(name: string, number: number, target: ModelStage, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const k = this.keys;
    await writeWithRetry(this.connection, async () => {
      const { model } = await this.requireVersion(name, number);
      const now = Date.now();
      const writes = new WriteSet().unchanged(k.model(name), 'rev', model.rev);
      if (archiveExistingVersions) {
        const numbers = (await this.versionNumbers(name)).filter((n) => n !== number);
        const stages = (await this.connection.batch(
          numbers.map((n) => ['HGET', k.modelVersion(name, n), 'current_stage'] as const),
        )) as Array<string | null>;
        numbers.forEach((n, i) => {
          if (stages[i] === target) writes.run('HSET', k.modelVersion(name, n), 'current_stage', 'Archived', 'last_updated_time', now);
        });
      }
      writes
        .run('HSET', k.modelVersion(name, number), 'current_stage', target, 'last_updated_time', now)
        .run('HSET', k.model(name), 'last_updated_time', now)
        .run('HINCRBY', k.model(name), 'rev', 1);
      return { writes, result: undefined };
    });
    return this.loadVersion(name, number);
  }

  async getLatestVersions(name: string): Promise<ModelVersion[]> {
    await this.requireModel(name);
    return this.latestVersions(name);
  }

  // ---- aliases ----

  async setRegisteredModelAlias(name: string, alias: string, number: number): Promise<void> {
    await this.touchVersion(name, number, (writes) => void writes.run('HSET', this.keys.modelAliases(name), alias, number));
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.touchModel(name, (writes, k) => void writes.run('HDEL', k.modelAliases(name), alias), { bumpTime: false });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const version = (await this.connection.command('HGET', this.keys.modelAliases(name), alias)) as string | null;
    if (version === null) {
      await this.requireModel(name);
      throw persistenceErrors.aliasNotFound(name, alias);
    }
    return this.loadVersion(name, Number(version));
  }
}
