import { afterEach, beforeEach, expect } from 'vitest';
import type { ModelRegistryStore, ModelVersion, RegisteredModel } from '@orrery/core';

export { expectOrreryError, collectPages, pause } from '../tracking-conformance/harness.js';

/** What a registry conformance suite's `open` hands back: a fresh, empty store. */
export interface OpenedModelRegistryStore {
  store: ModelRegistryStore;
  /**
   * Removes what `open` made (files, databases, key prefixes, servers). The suite calls
   * `store.close()` itself first, so `cleanup` must not depend on the store being open.
   */
  cleanup?: () => Promise<void>;
}

export interface ModelRegistryStoreConformanceOptions {
  /** Shown in the suite's title, e.g. `sqlite` or `rest → sqlite`. */
  name: string;
  /** Opens a fresh, empty store. Called before every test. */
  open: () => Promise<OpenedModelRegistryStore>;
}

/** The store under test, valid inside `it` bodies. */
export interface RegistryHandle {
  readonly store: ModelRegistryStore;
}

/** Opens a fresh store before each test of the enclosing `describe` and closes it after. */
export function freshRegistryPerTest(options: ModelRegistryStoreConformanceOptions): RegistryHandle {
  let opened: OpenedModelRegistryStore | undefined;
  beforeEach(async () => {
    opened = await options.open();
  });
  afterEach(async () => {
    const current = opened;
    opened = undefined;
    if (!current) return;
    try {
      await current.store.close();
    } finally {
      await current.cleanup?.();
    }
  });
  return {
    get store() {
      if (!opened) throw new Error(`The ${options.name} registry store is not open here: use it inside a test.`);
      return opened.store;
    },
  };
}

/** Creates a model and `count` versions (sources `s3://bucket/<name>/<n>`, run ids `run<n>`). */
export async function createModelWithVersions(store: ModelRegistryStore, name: string, count: number): Promise<ModelVersion[]> {
  await store.createRegisteredModel(name);
  const versions: ModelVersion[] = [];
  for (let i = 1; i <= count; i += 1) {
    versions.push(await store.createModelVersion({ name, source: `s3://bucket/${name}/${i}`, runId: `run${i}` }));
  }
  return versions;
}

/** Everything the store holds about one model, for "nothing changed" checks. */
export interface ModelSnapshot {
  model: RegisteredModel;
  versions: ModelVersion[];
}

/** Reads a model and all its versions (ordered by number) through the contract. */
export async function snapshotModel(store: ModelRegistryStore, name: string): Promise<ModelSnapshot> {
  const model = await store.getRegisteredModel(name);
  const versions = (await store.searchModelVersions({ filter: `name = '${name}'`, orderBy: ['version_number ASC'] })).items;
  return { model: normalizeModel(model), versions: versions.map(normalizeVersion) };
}

/** Tags and aliases come in no promised order; sort them so snapshots compare equal. */
export function normalizeVersion(version: ModelVersion): ModelVersion {
  return {
    ...version,
    tags: [...version.tags].sort((a, b) => a.key.localeCompare(b.key)),
    aliases: [...version.aliases].sort(),
  };
}

export function normalizeModel(model: RegisteredModel): RegisteredModel {
  return {
    ...model,
    tags: [...model.tags].sort((a, b) => a.key.localeCompare(b.key)),
    aliases: [...model.aliases].sort((a, b) => a.alias.localeCompare(b.alias)),
    latestVersions: [...model.latestVersions].map(normalizeVersion).sort((a, b) => a.currentStage.localeCompare(b.currentStage)),
  };
}

/** Asserts that `action` left the model exactly as `before` captured it. */
export async function expectUnchanged(store: ModelRegistryStore, before: ModelSnapshot): Promise<void> {
  const after = await snapshotModel(store, before.model.name);
  expect(after).toEqual(before);
}

/** Tags as a map (a list in no promised order). */
export function tagsOf(entity: { tags: { key: string; value: string }[] }): Map<string, string> {
  return new Map(entity.tags.map((t) => [t.key, t.value]));
}
