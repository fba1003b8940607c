import { describe, expect, it } from 'vitest';
import type { ModelRegistryStore, ModelStage } from '@orrery/core';
import {
  createModelWithVersions,
  expectOrreryError,
  expectUnchanged,
  freshRegistryPerTest,
  pause,
  snapshotModel,
  type ModelRegistryStoreConformanceOptions,
} from './harness.js';

async function stages(store: ModelRegistryStore, name: string): Promise<Record<string, string>> {
  const versions = (await store.searchModelVersions({ filter: `name = '${name}'` })).items;
  return Object.fromEntries(versions.map((v) => [v.version, v.currentStage]));
}

/** Stage transitions, latest versions and aliases. Fresh store per test. */
export function stageAndAliasConformance(options: ModelRegistryStoreConformanceOptions): void {
  describe('stages', () => {
    const h = freshRegistryPerTest(options);

    it('accepts stage names in any letter case and returns the canonical name', async () => {
      await createModelWithVersions(h.store, 'cased', 4);
      const inputs = ['production', 'STAGING', 'archived', 'none'];
      const expected = ['Production', 'Staging', 'Archived', 'None'];
      for (const [i, stage] of inputs.entries()) {
        const moved = await h.store.transitionModelVersionStage('cased', String(i + 1), stage as ModelStage, false);
        expect(moved.currentStage).toBe(expected[i]);
      }
      expect(await stages(h.store, 'cased')).toEqual({ '1': 'Production', '2': 'Staging', '3': 'Archived', '4': 'None' });
    });

    it('without archiving, leaves other versions in the target stage where they are', async () => {
      await createModelWithVersions(h.store, 'keep', 3);
      await h.store.transitionModelVersionStage('keep', '1', 'Production', false);
      await h.store.transitionModelVersionStage('keep', '2', 'Production', false);
      expect(await stages(h.store, 'keep')).toEqual({ '1': 'Production', '2': 'Production', '3': 'None' });
    });

    it('with archive_existing_versions, moves the other versions in that stage to Archived in the same write', async () => {
      await createModelWithVersions(h.store, 'arch', 5);
      await h.store.transitionModelVersionStage('arch', '1', 'Production', false);
      await h.store.transitionModelVersionStage('arch', '2', 'Production', false);
      await h.store.transitionModelVersionStage('arch', '3', 'Staging', false);
      const before = await h.store.getModelVersion('arch', '1');
      await pause(5);
      const moved = await h.store.transitionModelVersionStage('arch', '4', 'production' as ModelStage, true);
      expect(moved.currentStage).toBe('Production');
      expect(await stages(h.store, 'arch')).toEqual({ '1': 'Archived', '2': 'Archived', '3': 'Staging', '4': 'Production', '5': 'None' });
      expect((await h.store.getModelVersion('arch', '1')).lastUpdatedTimestamp).toBeGreaterThan(before.lastUpdatedTimestamp);

      await h.store.transitionModelVersionStage('arch', '5', 'Staging', true);
      expect(await stages(h.store, 'arch')).toEqual({ '1': 'Archived', '2': 'Archived', '3': 'Archived', '4': 'Production', '5': 'Staging' });
      // Re-entering the stage a version is already in archives nothing else of it.
      await h.store.transitionModelVersionStage('arch', '4', 'Production', true);
      expect((await h.store.getModelVersion('arch', '4')).currentStage).toBe('Production');
    });

    it('refuses archive_existing_versions for None and Archived and changes nothing', async () => {
      await createModelWithVersions(h.store, 'noarch', 2);
      await h.store.transitionModelVersionStage('noarch', '1', 'Archived', false);
      const before = await snapshotModel(h.store, 'noarch');
      await expectOrreryError(h.store.transitionModelVersionStage('noarch', '2', 'Archived', true), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.transitionModelVersionStage('noarch', '2', 'None', true), 'INVALID_PARAMETER_VALUE');
      await expectUnchanged(h.store, before);
    });

    it('bumps the version and the model last_updated_timestamp on a transition', async () => {
      const [v1] = await createModelWithVersions(h.store, 'bump', 1);
      const model = await h.store.getRegisteredModel('bump');
      await pause(5);
      const moved = await h.store.transitionModelVersionStage('bump', '1', 'Staging', false);
      expect(moved.lastUpdatedTimestamp).toBeGreaterThan(v1!.lastUpdatedTimestamp);
      expect((await h.store.getRegisteredModel('bump')).lastUpdatedTimestamp).toBeGreaterThan(model.lastUpdatedTimestamp);
    });

    it('returns the newest version per stage from getLatestVersions, for all stages or the ones asked for', async () => {
      await createModelWithVersions(h.store, 'latest', 6);
      await h.store.transitionModelVersionStage('latest', '1', 'Production', false);
      await h.store.transitionModelVersionStage('latest', '3', 'Production', false);
      await h.store.transitionModelVersionStage('latest', '2', 'Staging', false);
      await h.store.transitionModelVersionStage('latest', '4', 'Archived', false);
      await h.store.transitionModelVersionStage('latest', '5', 'Archived', false);

      const all = await h.store.getLatestVersions('latest');
      expect(new Map(all.map((v) => [v.currentStage, v.version]))).toEqual(
        new Map([['None', '6'], ['Staging', '2'], ['Production', '3'], ['Archived', '5']]),
      );
      expect(all).toHaveLength(4);
      expect((await h.store.getLatestVersions('latest', [])).length).toBe(4);
      const prod = await h.store.getLatestVersions('latest', ['Production']);
      expect(prod.map((v) => [v.version, v.currentStage])).toEqual([['3', 'Production']]);
      const some = await h.store.getLatestVersions('latest', ['staging', 'PRODUCTION'] as string[] as ModelStage[]);
      expect(new Set(some.map((v) => v.version))).toEqual(new Set(['2', '3']));

      await h.store.deleteModelVersion('latest', '3');
      expect((await h.store.getLatestVersions('latest', ['Production'])).map((v) => v.version)).toEqual(['1']);
      await h.store.createRegisteredModel('empty');
      expect(await h.store.getLatestVersions('empty')).toEqual([]);
    });

    it('refuses an unknown stage and changes nothing', async () => {
      await createModelWithVersions(h.store, 'bad-stage', 1);
      const before = await snapshotModel(h.store, 'bad-stage');
      for (const stage of ['Prod', 'Deleted_Internal', '', 'production ']) {
        await expectOrreryError(
          h.store.transitionModelVersionStage('bad-stage', '1', stage as ModelStage, false),
          'INVALID_PARAMETER_VALUE',
        );
      }
      await expectOrreryError(h.store.getLatestVersions('bad-stage', ['Live' as ModelStage]), 'INVALID_PARAMETER_VALUE');
      await expectUnchanged(h.store, before);
    });
  });

  describe('aliases', () => {
    const h = freshRegistryPerTest(options);

    it('sets an alias, resolves it, and lists it on the version and the model', async () => {
      await createModelWithVersions(h.store, 'al', 2);
      await h.store.setRegisteredModelAlias('al', 'champion', '1');
      const byAlias = await h.store.getModelVersionByAlias('al', 'champion');
      expect(byAlias).toMatchObject({ name: 'al', version: '1', aliases: ['champion'], source: 's3://bucket/al/1' });
      expect((await h.store.getModelVersion('al', '1')).aliases).toEqual(['champion']);
      expect((await h.store.getModelVersion('al', '2')).aliases).toEqual([]);
      expect((await h.store.getRegisteredModel('al')).aliases).toEqual([{ alias: 'champion', version: '1' }]);
    });

    it('moves an alias atomically: afterwards it resolves to the new version and the old one no longer lists it', async () => {
      await createModelWithVersions(h.store, 'mv', 2);
      await h.store.setRegisteredModelAlias('mv', 'champion', '1');
      await h.store.setRegisteredModelAlias('mv', 'champion', '2');
      expect((await h.store.getModelVersionByAlias('mv', 'champion')).version).toBe('2');
      expect((await h.store.getModelVersion('mv', '1')).aliases).toEqual([]);
      expect((await h.store.getModelVersion('mv', '2')).aliases).toEqual(['champion']);
      expect((await h.store.getRegisteredModel('mv')).aliases).toEqual([{ alias: 'champion', version: '2' }]);
    });

    it('lets one version carry several aliases', async () => {
      await createModelWithVersions(h.store, 'multi', 1);
      await h.store.setRegisteredModelAlias('multi', 'champion', '1');
      await h.store.setRegisteredModelAlias('multi', 'blue', '1');
      expect([...(await h.store.getModelVersion('multi', '1')).aliases].sort()).toEqual(['blue', 'champion']);
    });

    it('deletes an alias; deleting it again is not an error', async () => {
      await createModelWithVersions(h.store, 'da', 1);
      await h.store.setRegisteredModelAlias('da', 'champion', '1');
      await h.store.deleteRegisteredModelAlias('da', 'champion');
      await expectOrreryError(h.store.getModelVersionByAlias('da', 'champion'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await h.store.getModelVersion('da', '1')).aliases).toEqual([]);
      await h.store.deleteRegisteredModelAlias('da', 'champion');
      await expectOrreryError(h.store.deleteRegisteredModelAlias('nobody', 'champion'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('refuses an alias to a missing version (or model) and keeps the alias where it was', async () => {
      await createModelWithVersions(h.store, 'keep-alias', 2);
      await h.store.setRegisteredModelAlias('keep-alias', 'champion', '1');
      const before = await snapshotModel(h.store, 'keep-alias');
      await expectOrreryError(h.store.setRegisteredModelAlias('keep-alias', 'champion', '3'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.setRegisteredModelAlias('keep-alias', 'new-alias', '99'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.setRegisteredModelAlias('nobody', 'champion', '1'), 'RESOURCE_DOES_NOT_EXIST');
      await expectUnchanged(h.store, before);
      expect((await h.store.getModelVersionByAlias('keep-alias', 'champion')).version).toBe('1');
    });

    it('reports an unknown alias, or an alias of an unknown model, as RESOURCE_DOES_NOT_EXIST', async () => {
      await createModelWithVersions(h.store, 'unk', 1);
      await expectOrreryError(h.store.getModelVersionByAlias('unk', 'nope'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.getModelVersionByAlias('nobody', 'nope'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('refuses reserved and malformed alias names and changes nothing', async () => {
      await createModelWithVersions(h.store, 'names', 1);
      const before = await snapshotModel(h.store, 'names');
      for (const alias of ['latest', 'LATEST', 'Latest', 'v1', 'V12', 'with space', 'dot.ted', 'sl/ash', '', 'a'.repeat(256)]) {
        await expectOrreryError(h.store.setRegisteredModelAlias('names', alias, '1'), 'INVALID_PARAMETER_VALUE');
      }
      await expectUnchanged(h.store, before);
      for (const alias of ['v1a', 'version1', 'champion-2', 'blue_green', 'a'.repeat(255)]) {
        await h.store.setRegisteredModelAlias('names', alias, '1');
        expect((await h.store.getModelVersionByAlias('names', alias)).version).toBe('1');
      }
    });

    it('keeps aliases of one model apart from another model\'s', async () => {
      await createModelWithVersions(h.store, 'm1', 2);
      await createModelWithVersions(h.store, 'm2', 2);
      await h.store.setRegisteredModelAlias('m1', 'champion', '1');
      await h.store.setRegisteredModelAlias('m2', 'champion', '2');
      expect((await h.store.getModelVersionByAlias('m1', 'champion')).version).toBe('1');
      expect((await h.store.getModelVersionByAlias('m2', 'champion')).version).toBe('2');
      await h.store.deleteModelVersion('m2', '2');
      expect((await h.store.getModelVersionByAlias('m1', 'champion')).version).toBe('1');
    });
  });
}
