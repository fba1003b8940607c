import { describe, expect, it } from 'vitest';
import {
  createModelWithVersions,
  expectOrreryError,
  freshRegistryPerTest,
  pause,
  tagsOf,
  type ModelRegistryStoreConformanceOptions,
} from './harness.js';

/** Model versions: numbering, fields, update, delete, tags, download URI. Fresh store per test. */
export function modelVersionConformance(options: ModelRegistryStoreConformanceOptions): void {
  describe('model versions', () => {
    const h = freshRegistryPerTest(options);

    it('creates version 1 with every field, in stage None and status READY, and bumps the model', async () => {
      const model = await h.store.createRegisteredModel('fields');
      await pause(5);
      const v = await h.store.createModelVersion({
        name: 'fields',
        source: 's3://bucket/path/model',
        runId: '0123456789abcdef0123456789abcdef',
        runLink: 'http://tracking/#/experiments/1/runs/0123',
        description: 'first cut',
        tags: [{ key: 'framework', value: 'sklearn' }],
        userId: 'ada',
      });
      expect(v).toMatchObject({
        name: 'fields',
        version: '1',
        currentStage: 'None',
        status: 'READY',
        source: 's3://bucket/path/model',
        runId: '0123456789abcdef0123456789abcdef',
        runLink: 'http://tracking/#/experiments/1/runs/0123',
        description: 'first cut',
        aliases: [],
      });
      expect(tagsOf(v)).toEqual(new Map([['framework', 'sklearn']]));
      expect(v.lastUpdatedTimestamp).toBe(v.creationTimestamp);
      expect(v.creationTimestamp).toBeGreaterThan(model.creationTimestamp);

      const read = await h.store.getModelVersion('fields', '1');
      expect(read).toMatchObject({ version: '1', source: 's3://bucket/path/model', description: 'first cut', status: 'READY' });
      expect(tagsOf(read)).toEqual(new Map([['framework', 'sklearn']]));
      const after = await h.store.getRegisteredModel('fields');
      expect(after.lastUpdatedTimestamp).toBeGreaterThan(model.lastUpdatedTimestamp);
      expect(after.latestVersions.map((x) => x.version)).toEqual(['1']);
    });

    it('numbers versions 1, 2, 3 per model, independently for each model', async () => {
      const a = await createModelWithVersions(h.store, 'model-a', 3);
      const b = await createModelWithVersions(h.store, 'model-b', 2);
      expect(a.map((v) => v.version)).toEqual(['1', '2', '3']);
      expect(b.map((v) => v.version)).toEqual(['1', '2']);
    });

    it('refuses a version of an unknown model and creates nothing', async () => {
      await expectOrreryError(h.store.createModelVersion({ name: 'ghost', source: 's3://x' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.getRegisteredModel('ghost'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await h.store.searchModelVersions({})).items).toEqual([]);
    });

    it('updates the description and registration status, and bumps last_updated_timestamp', async () => {
      const [v1] = await createModelWithVersions(h.store, 'upd', 1);
      await pause(5);
      const described = await h.store.updateModelVersion('upd', '1', { description: 'better' });
      expect(described.description).toBe('better');
      expect(described.status).toBe('READY');
      expect(described.lastUpdatedTimestamp).toBeGreaterThan(v1!.lastUpdatedTimestamp);

      const pending = await h.store.updateModelVersion('upd', '1', { status: 'PENDING_REGISTRATION' });
      expect(pending.status).toBe('PENDING_REGISTRATION');
      expect(pending.description).toBe('better');
      const failed = await h.store.updateModelVersion('upd', '1', { status: 'FAILED_REGISTRATION', statusMessage: 'copy failed' });
      expect(failed).toMatchObject({ status: 'FAILED_REGISTRATION', statusMessage: 'copy failed' });
      const ready = await h.store.updateModelVersion('upd', '1', { status: 'READY' });
      expect(ready.status).toBe('READY');
      expect((await h.store.getModelVersion('upd', '1')).status).toBe('READY');
    });

    it('deletes a version with its tags and aliases; numbers are never reused', async () => {
      await createModelWithVersions(h.store, 'del', 3);
      await h.store.setModelVersionTag('del', '3', { key: 'k', value: 'v' });
      await h.store.setRegisteredModelAlias('del', 'champion', '3');
      await h.store.setRegisteredModelAlias('del', 'backup', '2');
      const before = await h.store.getRegisteredModel('del');
      await pause(5);
      await h.store.deleteModelVersion('del', '3');

      await expectOrreryError(h.store.getModelVersion('del', '3'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.getModelVersionByAlias('del', 'champion'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await h.store.getModelVersionByAlias('del', 'backup')).version).toBe('2');
      const model = await h.store.getRegisteredModel('del');
      expect(model.aliases).toEqual([{ alias: 'backup', version: '2' }]);
      expect(model.lastUpdatedTimestamp).toBeGreaterThan(before.lastUpdatedTimestamp);
      expect(model.latestVersions.map((v) => v.version)).toEqual(['2']);

      const v4 = await h.store.createModelVersion({ name: 'del', source: 's3://x/4' });
      expect(v4.version).toBe('4');
      expect(v4.tags).toEqual([]);
      expect(v4.aliases).toEqual([]);

      // Even after every version is gone the counter keeps going.
      for (const v of ['1', '2', '4']) await h.store.deleteModelVersion('del', v);
      expect((await h.store.searchModelVersions({ filter: "name = 'del'" })).items).toEqual([]);
      expect((await h.store.createModelVersion({ name: 'del', source: 's3://x/5' })).version).toBe('5');
      await expectOrreryError(h.store.deleteModelVersion('del', '3'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('sets, overwrites and deletes model-version tags without touching other versions', async () => {
      await createModelWithVersions(h.store, 'vt', 2);
      await h.store.setModelVersionTag('vt', '1', { key: 'a', value: '1' });
      await h.store.setModelVersionTag('vt', '1', { key: 'a', value: '2' });
      await h.store.setModelVersionTag('vt', '1', { key: 'b', value: '3' });
      await h.store.setModelVersionTag('vt', '2', { key: 'a', value: 'other' });
      expect(tagsOf(await h.store.getModelVersion('vt', '1'))).toEqual(new Map([['a', '2'], ['b', '3']]));
      await h.store.deleteModelVersionTag('vt', '1', 'a');
      await h.store.deleteModelVersionTag('vt', '1', 'never-set');
      expect(tagsOf(await h.store.getModelVersion('vt', '1'))).toEqual(new Map([['b', '3']]));
      expect(tagsOf(await h.store.getModelVersion('vt', '2'))).toEqual(new Map([['a', 'other']]));
    });

    it('gives the source as the download URI', async () => {
      await h.store.createRegisteredModel('dl');
      await h.store.createModelVersion({ name: 'dl', source: 'runs:/abc/model' });
      await h.store.createModelVersion({ name: 'dl', source: 'file:///data/models/dl/2' });
      expect(await h.store.getModelVersionDownloadUri('dl', '1')).toBe('runs:/abc/model');
      expect(await h.store.getModelVersionDownloadUri('dl', '2')).toBe('file:///data/models/dl/2');
      await expectOrreryError(h.store.getModelVersionDownloadUri('dl', '3'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('resolves a models:/<name>/<version> source to that version\'s files, keeping the source as given', async () => {
      await h.store.createRegisteredModel('origin');
      await h.store.createModelVersion({ name: 'origin', source: 's3://bucket/origin/1' });
      await h.store.createRegisteredModel('copy');
      const v = await h.store.createModelVersion({ name: 'copy', source: 'models:/origin/1' });
      expect(v.source).toBe('models:/origin/1');
      expect(await h.store.getModelVersionDownloadUri('copy', v.version)).toBe('s3://bucket/origin/1');
    });
  });
}
