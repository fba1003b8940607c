import { describe, expect, it } from 'vitest';
import type { ModelRegistryStore } from '@orrery/core';
import {
  createModelWithVersions,
  expectOrreryError,
  expectUnchanged,
  freshRegistryPerTest,
  snapshotModel,
  type ModelRegistryStoreConformanceOptions,
} from './harness.js';

/** Every call that takes a version, with that version put in. */
function versionCalls(store: ModelRegistryStore, name: string, version: string): Array<[string, () => Promise<unknown>]> {
  return [
    ['getModelVersion', () => store.getModelVersion(name, version)],
    ['updateModelVersion', () => store.updateModelVersion(name, version, { description: 'changed' })],
    ['deleteModelVersion', () => store.deleteModelVersion(name, version)],
    ['setModelVersionTag', () => store.setModelVersionTag(name, version, { key: 'k', value: 'v' })],
    ['deleteModelVersionTag', () => store.deleteModelVersionTag(name, version, 'k')],
    ['getModelVersionDownloadUri', () => store.getModelVersionDownloadUri(name, version)],
    ['transitionModelVersionStage', () => store.transitionModelVersionStage(name, version, 'Production', true)],
    ['setRegisteredModelAlias', () => store.setRegisteredModelAlias(name, 'champion', version)],
  ];
}

/**
 * The "bad input" list: each gets a typed error with MLflow's code, and nothing changes.
 * Fresh store per test.
 */
export function badInputConformance(options: ModelRegistryStoreConformanceOptions): void {
  describe('bad input', () => {
    const h = freshRegistryPerTest(options);

    it('refuses invalid model names (empty, with a slash, longer than 256 characters) and creates nothing', async () => {
      for (const name of ['', 'team/model', 'n'.repeat(257)]) {
        await expectOrreryError(h.store.createRegisteredModel(name), 'INVALID_PARAMETER_VALUE');
      }
      expect((await h.store.searchRegisteredModels({})).items).toEqual([]);
      const longest = 'n'.repeat(256);
      expect((await h.store.createRegisteredModel(longest)).name).toBe(longest);
    });

    it('refuses a NUL character in names, descriptions, tag values, sources and filters, and changes nothing', async () => {
      const NUL = '\u0000';
      await createModelWithVersions(h.store, 'plain', 1);
      const before = await snapshotModel(h.store, 'plain');
      const refusals: Array<[string, () => Promise<unknown>]> = [
        ['model name', () => h.store.createRegisteredModel(`m${NUL}`)],
        ['model description', () => h.store.createRegisteredModel('other', { description: `d${NUL}` })],
        ['rename', () => h.store.renameRegisteredModel('plain', `p${NUL}`)],
        ['model tag value', () => h.store.setRegisteredModelTag('plain', { key: 'k', value: `v${NUL}` })],
        ['version source', () => h.store.createModelVersion({ name: 'plain', source: `s3://b/m${NUL}` })],
        ['version tag value', () => h.store.setModelVersionTag('plain', '1', { key: 'k', value: `v${NUL}` })],
        ['models filter', () => h.store.searchRegisteredModels({ filter: `name = 'p${NUL}'` })],
        ['versions filter', () => h.store.searchModelVersions({ filter: `name = 'p${NUL}'` })],
      ];
      for (const [label, call] of refusals) {
        const error = await expectOrreryError(call(), 'INVALID_PARAMETER_VALUE');
        expect(error.message, label).toMatch(/NUL/);
      }
      await expectUnchanged(h.store, before);
      expect((await h.store.searchRegisteredModels({})).items.map((m) => m.name)).toEqual(['plain']);
    });

    it('refuses to rename to an invalid name and changes nothing', async () => {
      await createModelWithVersions(h.store, 'renamable', 1);
      const before = await snapshotModel(h.store, 'renamable');
      for (const newName of ['', 'a/b', 'n'.repeat(257)]) {
        await expectOrreryError(h.store.renameRegisteredModel('renamable', newName), 'INVALID_PARAMETER_VALUE');
      }
      await expectUnchanged(h.store, before);
    });

    it('reports an unknown version as RESOURCE_DOES_NOT_EXIST everywhere and changes nothing', async () => {
      await createModelWithVersions(h.store, 'known', 2);
      await h.store.setRegisteredModelAlias('known', 'champion', '1');
      await h.store.transitionModelVersionStage('known', '1', 'Production', false);
      const before = await snapshotModel(h.store, 'known');
      for (const [label, call] of versionCalls(h.store, 'known', '7')) {
        const error = await expectOrreryError(call(), 'RESOURCE_DOES_NOT_EXIST');
        expect(error.message, label).toMatch(/7/);
      }
      await expectUnchanged(h.store, before);
    });

    it('refuses a version that is not a number with INVALID_PARAMETER_VALUE and changes nothing', async () => {
      await createModelWithVersions(h.store, 'numeric', 1);
      const before = await snapshotModel(h.store, 'numeric');
      for (const version of ['abc', '1.5', '-1', '', ' 1', '1e3', 'latest']) {
        for (const [label, call] of versionCalls(h.store, 'numeric', version)) {
          const error = await expectOrreryError(call(), 'INVALID_PARAMETER_VALUE');
          expect(error.message.length, `${label}(${JSON.stringify(version)})`).toBeGreaterThan(0);
        }
      }
      await expectUnchanged(h.store, before);
    });

    it('refuses over-long tag keys and values on models and versions and changes nothing', async () => {
      await createModelWithVersions(h.store, 'tags', 1);
      await h.store.setRegisteredModelTag('tags', { key: 'k', value: 'kept' });
      await h.store.setModelVersionTag('tags', '1', { key: 'k', value: 'kept' });
      const before = await snapshotModel(h.store, 'tags');
      const longKey = 'k'.repeat(251);
      const longValue = 'v'.repeat(5001);
      await expectOrreryError(h.store.setRegisteredModelTag('tags', { key: longKey, value: 'v' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setRegisteredModelTag('tags', { key: 'k', value: longValue }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setModelVersionTag('tags', '1', { key: longKey, value: 'v' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setModelVersionTag('tags', '1', { key: 'k', value: longValue }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        h.store.createModelVersion({ name: 'tags', source: 's3://x', tags: [{ key: 'ok', value: 'v' }, { key: 'big', value: longValue }] }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectUnchanged(h.store, before);

      await expectOrreryError(
        h.store.createRegisteredModel('never', { tags: [{ key: 'ok', value: 'v' }, { key: longKey, value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectOrreryError(h.store.getRegisteredModel('never'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('refuses tag keys that would not be valid names', async () => {
      await createModelWithVersions(h.store, 'keys', 1);
      const before = await snapshotModel(h.store, 'keys');
      for (const key of ['', '../up', 'bad*char']) {
        await expectOrreryError(h.store.setRegisteredModelTag('keys', { key, value: 'v' }), 'INVALID_PARAMETER_VALUE');
        await expectOrreryError(h.store.setModelVersionTag('keys', '1', { key, value: 'v' }), 'INVALID_PARAMETER_VALUE');
      }
      await expectUnchanged(h.store, before);
    });

    it('refuses an unknown registration status and changes nothing', async () => {
      await createModelWithVersions(h.store, 'status', 1);
      const before = await snapshotModel(h.store, 'status');
      await expectOrreryError(
        h.store.updateModelVersion('status', '1', { status: 'DONE' as 'READY' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectUnchanged(h.store, before);
    });

    it('refuses a version without a source and creates nothing', async () => {
      await createModelWithVersions(h.store, 'nosource', 1);
      const before = await snapshotModel(h.store, 'nosource');
      await expectOrreryError(h.store.createModelVersion({ name: 'nosource', source: '' }), 'INVALID_PARAMETER_VALUE');
      await expectUnchanged(h.store, before);
      expect((await h.store.createModelVersion({ name: 'nosource', source: 's3://x' })).version).toBe('2');
    });
  });
}
