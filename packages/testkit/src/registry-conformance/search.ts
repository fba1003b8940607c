import { describe, expect, it } from 'vitest';
import { LIMITS, type ModelRegistryStore, type ModelVersion } from '@orrery/core';
import {
  collectPages,
  createModelWithVersions,
  expectOrreryError,
  freshRegistryPerTest,
  pause,
  type ModelRegistryStoreConformanceOptions,
} from './harness.js';

const MODEL_NAMES = ['alpha-1', 'alpha-10', 'alpha-2', 'Alpha-3', 'beta-1', 'beta-2', 'gamma', 'ALPHA-100'];

/** Creates MODEL_NAMES in order, a few ms apart, with tags on some. */
async function seedModels(store: ModelRegistryStore): Promise<void> {
  for (const [i, name] of MODEL_NAMES.entries()) {
    await store.createRegisteredModel(name, {
      tags: [
        { key: 'team', value: i % 2 === 0 ? 'red' : 'blue' },
        ...(name.startsWith('beta') ? [{ key: 'stage', value: 'beta' }] : []),
      ],
    });
    await pause(3);
  }
}

async function names(store: ModelRegistryStore, filter?: string, orderBy?: string[]): Promise<string[]> {
  return (await store.searchRegisteredModels({ filter, orderBy, maxResults: 1000 })).items.map((m) => m.name);
}

const sortedNames = (list: string[]): string[] => [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const versionIds = (versions: ModelVersion[]): string[] => versions.map((v) => `${v.name}/${v.version}`);

/** Registered-model and model-version search: filters, ordering, paging. Fresh store per test. */
export function searchConformance(options: ModelRegistryStoreConformanceOptions): void {
  describe('searchRegisteredModels', () => {
    const h = freshRegistryPerTest(options);

    it('filters on name =, !=, LIKE (case-sensitive), ILIKE and tags.<k> =, joined with AND', async () => {
      await seedModels(h.store);
      expect(await names(h.store, "name = 'alpha-2'")).toEqual(['alpha-2']);
      expect(await names(h.store, "name = 'nothing'")).toEqual([]);
      expect(sortedNames(await names(h.store, "name != 'gamma'"))).toEqual(sortedNames(MODEL_NAMES.filter((n) => n !== 'gamma')));
      expect(await names(h.store, "name LIKE 'alpha-1%'")).toEqual(['alpha-1', 'alpha-10']);
      expect(await names(h.store, "name LIKE 'alpha-_'")).toEqual(['alpha-1', 'alpha-2']);
      expect(await names(h.store, "name ILIKE 'alpha-1%'")).toEqual(['ALPHA-100', 'alpha-1', 'alpha-10']);
      expect(await names(h.store, "name ILIKE '%A-3'")).toEqual(['Alpha-3']);
      expect(await names(h.store, "tags.stage = 'beta'")).toEqual(['beta-1', 'beta-2']);
      expect(await names(h.store, "tags.team = 'red'")).toEqual(['alpha-1', 'alpha-2', 'beta-1', 'gamma']);
      expect(await names(h.store, "tags.team = 'red' AND name LIKE 'alpha%'")).toEqual(['alpha-1', 'alpha-2']);
      expect(await names(h.store, "tags.`team` = 'blue' and tags.stage = 'beta'")).toEqual(['beta-2']);
      expect(await names(h.store, "tags.missing = 'x'")).toEqual([]);
    });

    it('orders by name (ASC by default) and by last_updated_timestamp, ties broken by name', async () => {
      await seedModels(h.store);
      expect(await names(h.store)).toEqual(sortedNames(MODEL_NAMES));
      expect(await names(h.store, undefined, ['name DESC'])).toEqual(sortedNames(MODEL_NAMES).reverse());
      expect(await names(h.store, undefined, ['last_updated_timestamp ASC'])).toEqual(MODEL_NAMES);
      expect(await names(h.store, undefined, ['last_updated_timestamp DESC'])).toEqual([...MODEL_NAMES].reverse());
      expect(await names(h.store, undefined, ['timestamp DESC'])).toEqual([...MODEL_NAMES].reverse());
      // Touching a model moves it to the front of a newest-first order.
      await h.store.updateRegisteredModel('alpha-1', 'touched');
      expect((await names(h.store, undefined, ['last_updated_timestamp DESC']))[0]).toBe('alpha-1');
    });

    it('pages with opaque tokens: no duplicates, no gaps, same order as one big page', async () => {
      await seedModels(h.store);
      for (const [filter, orderBy] of [
        [undefined, undefined],
        [undefined, ['last_updated_timestamp DESC']],
        ["name ILIKE 'alpha%'", ['name DESC']],
      ] as const) {
        const whole = await names(h.store, filter, orderBy ? [...orderBy] : undefined);
        const pages = await collectPages((pageToken) =>
          h.store.searchRegisteredModels({ filter, orderBy: orderBy ? [...orderBy] : undefined, maxResults: 3, pageToken }),
        );
        expect(pages.every((p) => p.length <= 3)).toBe(true);
        expect(pages.flat().map((m) => m.name)).toEqual(whole);
      }
    });

    it('returns 100 models per page by default', async () => {
      for (let i = 0; i < 105; i += 1) await h.store.createRegisteredModel(`m-${String(i).padStart(3, '0')}`);
      const first = await h.store.searchRegisteredModels({});
      expect(first.items).toHaveLength(100);
      expect(first.nextPageToken).toBeTruthy();
      const second = await h.store.searchRegisteredModels({ pageToken: first.nextPageToken });
      expect(second.items.map((m) => m.name)).toEqual(['m-100', 'm-101', 'm-102', 'm-103', 'm-104']);
      expect(second.nextPageToken ?? '').toBe('');
    });

    it('returns latest versions, tags and aliases with each model', async () => {
      await createModelWithVersions(h.store, 'full', 2);
      await h.store.setRegisteredModelTag('full', { key: 't', value: 'v' });
      await h.store.setRegisteredModelAlias('full', 'champion', '1');
      await h.store.transitionModelVersionStage('full', '1', 'Production', false);
      const [model] = (await h.store.searchRegisteredModels({ filter: "name = 'full'" })).items;
      expect(model?.tags).toEqual([{ key: 't', value: 'v' }]);
      expect(model?.aliases).toEqual([{ alias: 'champion', version: '1' }]);
      expect(new Map(model?.latestVersions.map((v) => [v.currentStage, v.version]))).toEqual(
        new Map([['None', '2'], ['Production', '1']]),
      );
    });

    it('refuses bad max_results, filters, order_by keys and page tokens', async () => {
      await seedModels(h.store);
      await expectOrreryError(h.store.searchRegisteredModels({ maxResults: 1001 }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchRegisteredModels({ maxResults: 0 }), 'INVALID_PARAMETER_VALUE');
      expect((await h.store.searchRegisteredModels({ maxResults: 1000 })).items).toHaveLength(MODEL_NAMES.length);
      await expectOrreryError(h.store.searchRegisteredModels({ filter: "run_id = 'x'" }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchRegisteredModels({ filter: "name = 'x' OR name = 'y'" }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchRegisteredModels({ orderBy: ['creation_timestamp ASC'] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchRegisteredModels({ orderBy: ['name ASC', 'name DESC'] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchRegisteredModels({ pageToken: 'not-a-token' }), 'INVALID_PARAMETER_VALUE');
      // LIKE and ILIKE patterns are bounded (LIMITS.maxLikePatternLength), in model and version searches alike.
      const longest = `%${'x'.repeat(LIMITS.maxLikePatternLength - 1)}`;
      for (const comparator of ['LIKE', 'ILIKE']) {
        expect((await h.store.searchRegisteredModels({ filter: `name ${comparator} '${longest}'` })).items).toEqual([]);
        expect((await h.store.searchModelVersions({ filter: `name ${comparator} '${longest}'` })).items).toEqual([]);
        await expectOrreryError(h.store.searchRegisteredModels({ filter: `name ${comparator} '${longest}%'` }), 'INVALID_PARAMETER_VALUE');
        await expectOrreryError(h.store.searchModelVersions({ filter: `name ${comparator} '${longest}%'` }), 'INVALID_PARAMETER_VALUE');
      }
      const page = await h.store.searchRegisteredModels({ maxResults: 2 });
      await expectOrreryError(
        h.store.searchRegisteredModels({ maxResults: 2, orderBy: ['name DESC'], pageToken: page.nextPageToken }),
        'INVALID_PARAMETER_VALUE',
      );
    });
  });

  describe('searchModelVersions', () => {
    const h = freshRegistryPerTest(options);

    /** Three models; versions with run ids run1..runN, sources s3://bucket/<model>/<n>, and tags. */
    async function seedVersions(store: ModelRegistryStore): Promise<void> {
      await createModelWithVersions(store, 'cat', 3);
      await createModelWithVersions(store, 'dog', 2);
      await createModelWithVersions(store, 'eel', 4);
      await store.setModelVersionTag('cat', '2', { key: 'quality', value: 'good' });
      await store.setModelVersionTag('eel', '4', { key: 'quality', value: 'good' });
      await store.setModelVersionTag('eel', '3', { key: 'quality', value: 'poor' });
    }

    async function ids(store: ModelRegistryStore, filter?: string, orderBy?: string[]): Promise<string[]> {
      return versionIds((await store.searchModelVersions({ filter, orderBy })).items);
    }

    it('filters on name, run_id (=, !=, IN), source_path, version_number and tags', async () => {
      await seedVersions(h.store);
      const byId = ['version_number ASC', 'name ASC'];
      expect(await ids(h.store, "name = 'dog'", byId)).toEqual(['dog/1', 'dog/2']);
      expect(await ids(h.store, "run_id = 'run3'", ['name ASC'])).toEqual(['cat/3', 'eel/3']);
      expect(await ids(h.store, "run_id IN ('run1', 'run4')", byId)).toEqual(['cat/1', 'dog/1', 'eel/1', 'eel/4']);
      expect(await ids(h.store, "name = 'eel' AND run_id != 'run1'", byId)).toEqual(['eel/2', 'eel/3', 'eel/4']);
      expect(await ids(h.store, "source_path = 's3://bucket/dog/2'")).toEqual(['dog/2']);
      expect(await ids(h.store, "source_path LIKE 's3://bucket/cat/%'", byId)).toEqual(['cat/1', 'cat/2', 'cat/3']);
      expect(await ids(h.store, 'version_number = 2', ['name ASC'])).toEqual(['cat/2', 'dog/2', 'eel/2']);
      expect(await ids(h.store, 'version_number >= 3', ['name ASC', 'version_number ASC'])).toEqual(['cat/3', 'eel/3', 'eel/4']);
      expect(await ids(h.store, "tags.quality = 'good'", ['name ASC'])).toEqual(['cat/2', 'eel/4']);
      expect(await ids(h.store, "name = 'eel' AND tags.quality != 'good'")).toEqual(['eel/3']);
      expect(await ids(h.store, "name = 'cat' AND version_number = 2 AND tags.quality = 'good'")).toEqual(['cat/2']);
    });

    it('orders by last_updated_timestamp DESC, then name ASC, then version DESC by default', async () => {
      await seedVersions(h.store);
      await pause(5);
      await h.store.updateModelVersion('dog', '1', { description: 'touched' });
      const items = (await h.store.searchModelVersions({})).items;
      expect(versionIds(items)[0]).toBe('dog/1');
      for (let i = 1; i < items.length; i += 1) {
        const a = items[i - 1]!;
        const b = items[i]!;
        const inOrder =
          a.lastUpdatedTimestamp > b.lastUpdatedTimestamp ||
          (a.lastUpdatedTimestamp === b.lastUpdatedTimestamp &&
            (a.name < b.name || (a.name === b.name && Number(a.version) > Number(b.version))));
        expect(inOrder, `${a.name}/${a.version} before ${b.name}/${b.version}`).toBe(true);
      }
      expect(items).toHaveLength(9);
    });

    it('orders by name, version_number and creation_timestamp in either direction', async () => {
      await seedVersions(h.store);
      expect(await ids(h.store, undefined, ['name DESC', 'version_number ASC'])).toEqual([
        'eel/1', 'eel/2', 'eel/3', 'eel/4', 'dog/1', 'dog/2', 'cat/1', 'cat/2', 'cat/3',
      ]);
      expect(await ids(h.store, "name = 'cat'", ['version_number DESC'])).toEqual(['cat/3', 'cat/2', 'cat/1']);
      expect(await ids(h.store, undefined, ['creation_timestamp ASC'])).toHaveLength(9);
      expect((await ids(h.store, "name = 'eel'", ['creation_timestamp DESC']))[0]).toBe('eel/4');
    });

    it('pages with opaque tokens: no duplicates, no gaps, same order as one big page', async () => {
      await seedVersions(h.store);
      for (const orderBy of [undefined, ['name ASC', 'version_number DESC'], ['version_number ASC']]) {
        const whole = await ids(h.store, undefined, orderBy);
        const pages = await collectPages((pageToken) => h.store.searchModelVersions({ orderBy, maxResults: 4, pageToken }));
        expect(pages.every((p) => p.length <= 4)).toBe(true);
        expect(versionIds(pages.flat())).toEqual(whole);
        expect(new Set(whole).size).toBe(9);
      }
    });

    it('returns tags and aliases with each version', async () => {
      await seedVersions(h.store);
      await h.store.setRegisteredModelAlias('eel', 'champion', '4');
      const [v] = (await h.store.searchModelVersions({ filter: "name = 'eel' AND version_number = 4" })).items;
      expect(v?.tags).toEqual([{ key: 'quality', value: 'good' }]);
      expect(v?.aliases).toEqual(['champion']);
    });

    it('refuses bad max_results, filters, order_by keys and page tokens', async () => {
      await seedVersions(h.store);
      await expectOrreryError(h.store.searchModelVersions({ maxResults: 200_001 }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchModelVersions({ maxResults: 0 }), 'INVALID_PARAMETER_VALUE');
      expect((await h.store.searchModelVersions({ maxResults: 200_000 })).items).toHaveLength(9);
      await expectOrreryError(h.store.searchModelVersions({ filter: "version_number = 'x'" }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchModelVersions({ filter: "source_path IN ('a')" }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchModelVersions({ filter: "stage = 'Production'" }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchModelVersions({ orderBy: ['source_path ASC'] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchModelVersions({ pageToken: 'garbage' }), 'INVALID_PARAMETER_VALUE');
    });
  });
}
