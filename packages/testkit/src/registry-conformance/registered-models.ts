import { describe, expect, it } from 'vitest';
import {
  createModelWithVersions,
  expectOrreryError,
  expectUnchanged,
  freshRegistryPerTest,
  pause,
  snapshotModel,
  tagsOf,
  type ModelRegistryStoreConformanceOptions,
} from './harness.js';

/** Registered models: create, get, update, rename, delete, tags. Fresh store per test. */
export function registeredModelConformance(options: ModelRegistryStoreConformanceOptions): void {
  describe('registered models', () => {
    const h = freshRegistryPerTest(options);

    it('creates a model with description and tags, and reads it back', async () => {
      const created = await h.store.createRegisteredModel('churn', {
        description: 'predicts churn',
        tags: [
          { key: 'team', value: 'growth' },
          { key: 'tier', value: 'gold' },
        ],
      });
      expect(created.name).toBe('churn');
      expect(created.description).toBe('predicts churn');
      expect(created.creationTimestamp).toBeGreaterThan(0);
      expect(created.lastUpdatedTimestamp).toBe(created.creationTimestamp);
      expect(created.latestVersions).toEqual([]);
      expect(created.aliases).toEqual([]);
      expect(tagsOf(created)).toEqual(new Map([['team', 'growth'], ['tier', 'gold']]));

      const read = await h.store.getRegisteredModel('churn');
      expect(read.name).toBe('churn');
      expect(read.description).toBe('predicts churn');
      expect(read.creationTimestamp).toBe(created.creationTimestamp);
      expect(tagsOf(read)).toEqual(tagsOf(created));
    });

    it('keeps the last value when a tag key repeats in one create', async () => {
      const created = await h.store.createRegisteredModel('dup-tags', {
        tags: [
          { key: 'k', value: 'first' },
          { key: 'k', value: 'second' },
        ],
      });
      expect(created.tags).toEqual([{ key: 'k', value: 'second' }]);
    });

    it('refuses a second model with a taken name and keeps the first', async () => {
      await h.store.createRegisteredModel('taken', { description: 'original' });
      const before = await snapshotModel(h.store, 'taken');
      await expectOrreryError(h.store.createRegisteredModel('taken', { description: 'impostor' }), 'RESOURCE_ALREADY_EXISTS');
      await expectUnchanged(h.store, before);
    });

    it('reports an unknown model as RESOURCE_DOES_NOT_EXIST', async () => {
      await expectOrreryError(h.store.getRegisteredModel('missing'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.updateRegisteredModel('missing', 'x'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.renameRegisteredModel('missing', 'other'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.deleteRegisteredModel('missing'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.setRegisteredModelTag('missing', { key: 'k', value: 'v' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.deleteRegisteredModelTag('missing', 'k'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.getLatestVersions('missing'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await h.store.searchRegisteredModels({})).items).toEqual([]);
    });

    it('replaces the description and bumps last_updated_timestamp', async () => {
      const created = await h.store.createRegisteredModel('described', { description: 'old' });
      await pause(5);
      const updated = await h.store.updateRegisteredModel('described', 'new');
      expect(updated.description).toBe('new');
      expect(updated.creationTimestamp).toBe(created.creationTimestamp);
      expect(updated.lastUpdatedTimestamp).toBeGreaterThan(created.lastUpdatedTimestamp);
      expect((await h.store.getRegisteredModel('described')).description).toBe('new');
    });

    it('renames a model: versions, their tags and stages, model tags and aliases follow', async () => {
      await createModelWithVersions(h.store, 'old-name', 3);
      await h.store.setRegisteredModelTag('old-name', { key: 'team', value: 'ml' });
      await h.store.setModelVersionTag('old-name', '2', { key: 'reviewed', value: 'yes' });
      await h.store.transitionModelVersionStage('old-name', '2', 'Production', false);
      await h.store.setRegisteredModelAlias('old-name', 'champion', '2');
      const before = await h.store.getRegisteredModel('old-name');
      await pause(5);

      const renamed = await h.store.renameRegisteredModel('old-name', 'new-name');
      expect(renamed.name).toBe('new-name');
      expect(renamed.lastUpdatedTimestamp).toBeGreaterThan(before.lastUpdatedTimestamp);
      expect(tagsOf(renamed)).toEqual(new Map([['team', 'ml']]));
      expect(renamed.aliases).toEqual([{ alias: 'champion', version: '2' }]);

      await expectOrreryError(h.store.getRegisteredModel('old-name'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.getModelVersion('old-name', '1'), 'RESOURCE_DOES_NOT_EXIST');
      const versions = (await h.store.searchModelVersions({ filter: "name = 'new-name'", orderBy: ['version_number ASC'] })).items;
      expect(versions.map((v) => [v.name, v.version])).toEqual([
        ['new-name', '1'],
        ['new-name', '2'],
        ['new-name', '3'],
      ]);
      expect((await h.store.searchModelVersions({ filter: "name = 'old-name'" })).items).toEqual([]);
      const v2 = await h.store.getModelVersion('new-name', '2');
      expect(v2.currentStage).toBe('Production');
      expect(tagsOf(v2)).toEqual(new Map([['reviewed', 'yes']]));
      expect(v2.aliases).toEqual(['champion']);
      expect((await h.store.getModelVersionByAlias('new-name', 'champion')).version).toBe('2');
      expect((await h.store.getLatestVersions('new-name', ['Production'])).map((v) => v.version)).toEqual(['2']);

      // Numbering continues after a rename.
      expect((await h.store.createModelVersion({ name: 'new-name', source: 's3://b/4' })).version).toBe('4');
    });

    it('refuses to rename onto a taken name and changes nothing', async () => {
      await createModelWithVersions(h.store, 'a', 1);
      await createModelWithVersions(h.store, 'b', 2);
      const beforeA = await snapshotModel(h.store, 'a');
      const beforeB = await snapshotModel(h.store, 'b');
      await expectOrreryError(h.store.renameRegisteredModel('a', 'b'), 'RESOURCE_ALREADY_EXISTS');
      await expectUnchanged(h.store, beforeA);
      await expectUnchanged(h.store, beforeB);
    });

    it('deletes a model with its versions, tags and aliases; the name can be used again from version 1', async () => {
      await createModelWithVersions(h.store, 'doomed', 3);
      await h.store.setRegisteredModelTag('doomed', { key: 'k', value: 'v' });
      await h.store.setModelVersionTag('doomed', '1', { key: 'vk', value: 'vv' });
      await h.store.setRegisteredModelAlias('doomed', 'champion', '3');
      await h.store.deleteRegisteredModel('doomed');

      await expectOrreryError(h.store.getRegisteredModel('doomed'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.getModelVersion('doomed', '1'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.getModelVersionByAlias('doomed', 'champion'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await h.store.searchModelVersions({ filter: "name = 'doomed'" })).items).toEqual([]);
      expect((await h.store.searchRegisteredModels({ filter: "name = 'doomed'" })).items).toEqual([]);

      const again = await h.store.createRegisteredModel('doomed');
      expect(again.tags).toEqual([]);
      expect(again.aliases).toEqual([]);
      expect(again.latestVersions).toEqual([]);
      const v1 = await h.store.createModelVersion({ name: 'doomed', source: 's3://fresh' });
      expect(v1.version).toBe('1');
      expect(v1.tags).toEqual([]);
      expect(v1.aliases).toEqual([]);
    });

    it('sets, overwrites and deletes registered-model tags; deleting an absent tag is not an error', async () => {
      await h.store.createRegisteredModel('tagged');
      await h.store.setRegisteredModelTag('tagged', { key: 'a', value: '1' });
      await h.store.setRegisteredModelTag('tagged', { key: 'b', value: '2' });
      await h.store.setRegisteredModelTag('tagged', { key: 'a', value: '3' });
      expect(tagsOf(await h.store.getRegisteredModel('tagged'))).toEqual(new Map([['a', '3'], ['b', '2']]));
      await h.store.deleteRegisteredModelTag('tagged', 'a');
      expect(tagsOf(await h.store.getRegisteredModel('tagged'))).toEqual(new Map([['b', '2']]));
      await h.store.deleteRegisteredModelTag('tagged', 'a');
      expect(tagsOf(await h.store.getRegisteredModel('tagged'))).toEqual(new Map([['b', '2']]));
    });

    it('accepts tag keys and values at the registry limits (250 and 5000 characters)', async () => {
      const key = 'k'.repeat(250);
      const value = 'v'.repeat(5000);
      await h.store.createRegisteredModel('limits');
      await h.store.setRegisteredModelTag('limits', { key, value });
      expect(tagsOf(await h.store.getRegisteredModel('limits')).get(key)).toBe(value);
    });

    it('lists the newest version per stage in latestVersions', async () => {
      await createModelWithVersions(h.store, 'staged', 5);
      await h.store.transitionModelVersionStage('staged', '1', 'Production', false);
      await h.store.transitionModelVersionStage('staged', '2', 'Production', false);
      await h.store.transitionModelVersionStage('staged', '3', 'Staging', false);
      const model = await h.store.getRegisteredModel('staged');
      const byStage = new Map(model.latestVersions.map((v) => [v.currentStage, v.version]));
      expect(byStage).toEqual(new Map([['None', '5'], ['Staging', '3'], ['Production', '2']]));
    });
  });
}
