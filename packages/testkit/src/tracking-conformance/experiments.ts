import { describe, expect, it } from 'vitest';
import type { Experiment } from '@orrery/core';
import {
  collectPages,
  createExperiment,
  expectOrreryError,
  freshStorePerTest,
  pause,
  uniqueExperimentName,
  type TrackingStoreConformanceOptions,
} from './harness.js';

/** An id no store hands out in a fresh database (numeric-looking, so SQL stores parse it). */
const UNKNOWN_EXPERIMENT_ID = '987654321';

function tagsOf(experiment: Experiment): Record<string, string> {
  return Object.fromEntries(experiment.tags.map((t) => [t.key, t.value]));
}

/** Experiments: CRUD, names, tags, lifecycle and search. A fresh store per test. */
export function experimentConformance(options: TrackingStoreConformanceOptions): void {
  describe('experiments', () => {
    const h = freshStorePerTest(options);

    it('has the Default experiment with id 0, active, under the default artifact root', async () => {
      const experiment = await h.store.getExperiment('0');
      expect(experiment.experimentId).toBe('0');
      expect(experiment.name).toBe('Default');
      expect(experiment.lifecycleStage).toBe('active');
      expect(experiment.artifactLocation).toBe(`${h.defaultArtifactRoot}/0`);
      const byName = await h.store.getExperimentByName('Default');
      expect(byName?.experimentId).toBe('0');
    });

    it('creates an experiment with the default artifact location, times and tags', async () => {
      const name = uniqueExperimentName('create');
      const before = Date.now();
      const id = await h.store.createExperiment({ name, tags: [{ key: 'team', value: 'vision' }] });
      const after = Date.now();
      expect(typeof id).toBe('string');
      expect(id).not.toBe('0');
      const experiment = await h.store.getExperiment(id);
      expect(experiment).toMatchObject({ experimentId: id, name, lifecycleStage: 'active' });
      expect(experiment.artifactLocation).toBe(`${h.defaultArtifactRoot}/${id}`);
      expect(experiment.creationTime).toBeGreaterThanOrEqual(before);
      expect(experiment.creationTime).toBeLessThanOrEqual(after);
      expect(experiment.lastUpdateTime).toBeGreaterThanOrEqual(experiment.creationTime);
      expect(tagsOf(experiment)).toEqual({ team: 'vision' });
      expect(await h.store.getExperimentByName(name)).toEqual(experiment);
    });

    it('keeps an explicit artifact location', async () => {
      const id = await h.store.createExperiment({
        name: uniqueExperimentName('loc'),
        artifactLocation: 's3://bucket/somewhere/else',
      });
      expect((await h.store.getExperiment(id)).artifactLocation).toBe('s3://bucket/somewhere/else');
    });

    it('refuses an artifact location carrying a password or a SAS signature, shown masked, and creates nothing', async () => {
      const cases = [
        { location: 'ftp://u:secret@host/p', masked: 'ftp://u:***@host/p', credentialFrom: 'ORRERY_FTP_PASSWORD' },
        { location: 'sftp://me:secret@host/data', masked: 'sftp://me:***@host/data', credentialFrom: 'ORRERY_SFTP_PASSWORD' },
        {
          location: 'https://acct.blob.core.windows.net/artifacts/p?sv=2022-11-02&sp=rwdl&sig=secret',
          masked: 'https://acct.blob.core.windows.net/artifacts/p?sv=2022-11-02&sp=rwdl&sig=***',
          credentialFrom: 'AZURE_STORAGE_CONNECTION_STRING',
        },
      ];
      for (const { location, masked, credentialFrom } of cases) {
        const name = uniqueExperimentName('secretloc');
        const error = await expectOrreryError(h.store.createExperiment({ name, artifactLocation: location }), 'INVALID_PARAMETER_VALUE');
        expect(error.message).not.toContain('secret');
        expect(error.message).toContain('artifact_location');
        expect(error.message).toContain(masked);
        expect(error.message).toContain(credentialFrom);
        expect(await h.store.getExperimentByName(name)).toBeNull();
      }
      const page = await h.store.searchExperiments({ viewType: 'ALL' });
      expect(page.items.map((e) => e.experimentId)).toEqual(['0']);
    });

    it('keeps an artifact location with a user name but no password, and derives run URIs from it', async () => {
      const id = await h.store.createExperiment({ name: uniqueExperimentName('userloc'), artifactLocation: 'ftp://u@host/p' });
      expect((await h.store.getExperiment(id)).artifactLocation).toBe('ftp://u@host/p');
      const run = await h.store.createRun({ experimentId: id });
      expect(run.info.artifactUri).toBe(`ftp://u@host/p/${run.info.runId}/artifacts`);
    });

    it('gives each experiment its own id', async () => {
      const ids = await Promise.all([1, 2, 3].map(() => createExperiment(h.store)));
      expect(new Set(ids).size).toBe(3);
    });

    it('finds experiments by exact name only', async () => {
      const name = `CaseSensitive ${uniqueExperimentName()}`;
      await h.store.createExperiment({ name });
      expect(await h.store.getExperimentByName(name.toLowerCase())).toBeNull();
      expect(await h.store.getExperimentByName(`${name}x`)).toBeNull();
      expect(await h.store.getExperimentByName('no such experiment')).toBeNull();
    });

    it('rejects a duplicate name with RESOURCE_ALREADY_EXISTS, including the name of a deleted experiment', async () => {
      const name = uniqueExperimentName('dup');
      const id = await h.store.createExperiment({ name });
      await expectOrreryError(h.store.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS');
      await h.store.deleteExperiment(id);
      await expectOrreryError(h.store.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS');
      await expectOrreryError(h.store.createExperiment({ name: 'Default' }), 'RESOURCE_ALREADY_EXISTS');
    });

    it('rejects invalid names and tags with INVALID_PARAMETER_VALUE and creates nothing', async () => {
      await expectOrreryError(h.store.createExperiment({ name: '' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.createExperiment({ name: 'x'.repeat(501) }), 'INVALID_PARAMETER_VALUE');
      expect(await h.store.getExperimentByName('x'.repeat(501))).toBeNull();
      const badTags = [
        { key: 'bad!key', value: 'v' },
        { key: '../up', value: 'v' },
        { key: 'k'.repeat(251), value: 'v' },
        { key: 'long', value: 'v'.repeat(5001) },
      ];
      for (const tag of badTags) {
        const name = uniqueExperimentName('badtag');
        await expectOrreryError(
          h.store.createExperiment({ name, tags: [{ key: 'fine', value: 'ok' }, tag] }),
          'INVALID_PARAMETER_VALUE',
        );
        expect(await h.store.getExperimentByName(name)).toBeNull();
      }
      const page = await h.store.searchExperiments({ viewType: 'ALL' });
      expect(page.items.map((e) => e.experimentId)).toEqual(['0']);
    });

    it('throws RESOURCE_DOES_NOT_EXIST for unknown experiment ids', async () => {
      await expectOrreryError(h.store.getExperiment(UNKNOWN_EXPERIMENT_ID), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.renameExperiment(UNKNOWN_EXPERIMENT_ID, 'x'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.deleteExperiment(UNKNOWN_EXPERIMENT_ID), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.restoreExperiment(UNKNOWN_EXPERIMENT_ID), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(
        h.store.setExperimentTag(UNKNOWN_EXPERIMENT_ID, { key: 'k', value: 'v' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectOrreryError(h.store.deleteExperimentTag(UNKNOWN_EXPERIMENT_ID, 'k'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('renames an experiment; the old name is free afterwards', async () => {
      const oldName = uniqueExperimentName('old');
      const newName = uniqueExperimentName('new');
      const id = await h.store.createExperiment({ name: oldName });
      await h.store.renameExperiment(id, newName);
      expect((await h.store.getExperiment(id)).name).toBe(newName);
      expect((await h.store.getExperimentByName(newName))?.experimentId).toBe(id);
      expect(await h.store.getExperimentByName(oldName)).toBeNull();
      const reuse = await h.store.createExperiment({ name: oldName });
      expect(reuse).not.toBe(id);
    });

    it('refuses to rename onto a taken name, to an invalid name, or while deleted', async () => {
      const a = uniqueExperimentName('a');
      const b = uniqueExperimentName('b');
      const idA = await h.store.createExperiment({ name: a });
      await h.store.createExperiment({ name: b });
      await expectOrreryError(h.store.renameExperiment(idA, b), 'RESOURCE_ALREADY_EXISTS');
      await expectOrreryError(h.store.renameExperiment(idA, ''), 'INVALID_PARAMETER_VALUE');
      expect((await h.store.getExperiment(idA)).name).toBe(a);
      await h.store.deleteExperiment(idA);
      await expectOrreryError(h.store.renameExperiment(idA, uniqueExperimentName('c')), 'INVALID_PARAMETER_VALUE');
      expect((await h.store.getExperiment(idA)).name).toBe(a);
    });

    it('deletes and restores an experiment; a deleted one stays readable by id and name', async () => {
      const name = uniqueExperimentName('del');
      const id = await h.store.createExperiment({ name });
      await h.store.deleteExperiment(id);
      expect((await h.store.getExperiment(id)).lifecycleStage).toBe('deleted');
      expect((await h.store.getExperimentByName(name))?.lifecycleStage).toBe('deleted');
      await h.store.restoreExperiment(id);
      expect((await h.store.getExperiment(id)).lifecycleStage).toBe('active');
    });

    it('refuses to delete the Default experiment', async () => {
      await expectOrreryError(h.store.deleteExperiment('0'), 'INVALID_PARAMETER_VALUE');
      expect((await h.store.getExperiment('0')).lifecycleStage).toBe('active');
    });

    it('sets, overwrites and deletes experiment tags', async () => {
      const id = await createExperiment(h.store);
      await h.store.setExperimentTag(id, { key: 'stage', value: 'one' });
      await h.store.setExperimentTag(id, { key: 'owner', value: 'ana' });
      await h.store.setExperimentTag(id, { key: 'stage', value: 'two' });
      expect(tagsOf(await h.store.getExperiment(id))).toEqual({ stage: 'two', owner: 'ana' });
      await h.store.deleteExperimentTag(id, 'stage');
      expect(tagsOf(await h.store.getExperiment(id))).toEqual({ owner: 'ana' });
      await expectOrreryError(h.store.deleteExperimentTag(id, 'stage'), 'RESOURCE_DOES_NOT_EXIST');
      const longest = 'v'.repeat(5000);
      await h.store.setExperimentTag(id, { key: 'long', value: longest });
      expect(tagsOf(await h.store.getExperiment(id)).long).toBe(longest);
    });

    it('rejects bad experiment tags and tags on deleted experiments', async () => {
      const id = await createExperiment(h.store);
      await expectOrreryError(h.store.setExperimentTag(id, { key: 'a!b', value: 'v' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.setExperimentTag(id, { key: '', value: 'v' }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        h.store.setExperimentTag(id, { key: 'k', value: 'v'.repeat(5001) }),
        'INVALID_PARAMETER_VALUE',
      );
      expect((await h.store.getExperiment(id)).tags).toEqual([]);
      await h.store.deleteExperiment(id);
      await expectOrreryError(h.store.setExperimentTag(id, { key: 'k', value: 'v' }), 'INVALID_PARAMETER_VALUE');
      expect((await h.store.getExperiment(id)).tags).toEqual([]);
    });
  });

  describe('searchExperiments', () => {
    const h = freshStorePerTest(options);

    /** Creates experiments in order, a little apart so creation times differ. */
    async function createInOrder(names: string[], tags: Record<string, Record<string, string>> = {}) {
      const ids: string[] = [];
      for (const name of names) {
        // Apart from each other and from the Default experiment, which the store made on opening.
        await pause(3);
        const t = Object.entries(tags[name] ?? {}).map(([key, value]) => ({ key, value }));
        ids.push(await h.store.createExperiment({ name, tags: t }));
      }
      return ids;
    }

    it('respects the view type: ACTIVE_ONLY by default, DELETED_ONLY and ALL', async () => {
      const [a, b, c] = await createInOrder(['view-a', 'view-b', 'view-c']);
      await h.store.deleteExperiment(b!);
      const ids = async (viewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL') =>
        (await h.store.searchExperiments(viewType ? { viewType } : {})).items.map((e) => e.experimentId).sort();
      expect(await ids()).toEqual(['0', a, c].sort());
      expect(await ids('ACTIVE_ONLY')).toEqual(['0', a, c].sort());
      expect(await ids('DELETED_ONLY')).toEqual([b]);
      expect(await ids('ALL')).toEqual(['0', a, b, c].sort());
    });

    it('orders by creation time, newest first, by default', async () => {
      const ids = await createInOrder(['order-1', 'order-2', 'order-3']);
      const page = await h.store.searchExperiments({});
      expect(page.items.map((e) => e.experimentId)).toEqual([...ids].reverse().concat('0'));
    });

    it('filters by name with =, !=, LIKE and ILIKE', async () => {
      await createInOrder(['Alpha-1', 'alpha-2', 'beta_1', 'betax1']);
      const names = async (filter: string) =>
        (await h.store.searchExperiments({ filter })).items.map((e) => e.name).sort();
      expect(await names("name = 'alpha-2'")).toEqual(['alpha-2']);
      expect(await names("name != 'alpha-2'")).toEqual(['Alpha-1', 'Default', 'beta_1', 'betax1']);
      expect(await names("name LIKE 'alpha%'")).toEqual(['alpha-2']);
      expect(await names("name ILIKE 'alpha%'")).toEqual(['Alpha-1', 'alpha-2']);
      expect(await names("name LIKE 'beta_1'")).toEqual(['beta_1', 'betax1']);
      expect(await names("name LIKE '%-_'")).toEqual(['Alpha-1', 'alpha-2']);
    });

    it('filters by tags; experiments lacking the tag never match', async () => {
      await createInOrder(['tag-a', 'tag-b', 'tag-c'], {
        'tag-a': { team: 'vision', 'team space': 'x' },
        'tag-b': { team: 'Audio' },
      });
      const names = async (filter: string) =>
        (await h.store.searchExperiments({ filter })).items.map((e) => e.name).sort();
      expect(await names("tags.team = 'vision'")).toEqual(['tag-a']);
      expect(await names("tags.team != 'vision'")).toEqual(['tag-b']);
      expect(await names("tags.team ILIKE 'AUDIO'")).toEqual(['tag-b']);
      expect(await names("tags.team LIKE 'audio'")).toEqual([]);
      expect(await names("tags.`team space` = 'x'")).toEqual(['tag-a']);
      expect(await names("tags.team = 'vision' AND name = 'tag-a'")).toEqual(['tag-a']);
      expect(await names("tags.team = 'vision' and name = 'tag-b'")).toEqual([]);
    });

    it('filters by creation time', async () => {
      const ids = await createInOrder(['time-1', 'time-2', 'time-3']);
      const second = await h.store.getExperiment(ids[1]!);
      const found = await h.store.searchExperiments({ filter: `creation_time >= ${second.creationTime}` });
      expect(found.items.map((e) => e.experimentId).sort()).toEqual([ids[1], ids[2]].sort());
      const older = await h.store.searchExperiments({ filter: `creation_time < ${second.creationTime}` });
      expect(older.items.map((e) => e.experimentId).sort()).toEqual(['0', ids[0]].sort());
    });

    it('orders by name ascending and descending', async () => {
      await createInOrder(['m-b', 'm-c', 'm-a']);
      const names = async (orderBy: string[]) =>
        (await h.store.searchExperiments({ filter: "name LIKE 'm-%'", orderBy })).items.map((e) => e.name);
      expect(await names(['name ASC'])).toEqual(['m-a', 'm-b', 'm-c']);
      expect(await names(['name DESC'])).toEqual(['m-c', 'm-b', 'm-a']);
      expect(await names(['name'])).toEqual(['m-a', 'm-b', 'm-c']);
      expect(await names(['creation_time ASC'])).toEqual(['m-b', 'm-c', 'm-a']);
    });

    it('pages through all experiments without gaps or duplicates', async () => {
      const ids = await createInOrder(['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6', 'p-7']);
      const pages = await collectPages((pageToken) =>
        h.store.searchExperiments({ maxResults: 3, ...(pageToken ? { pageToken } : {}) }),
      );
      expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
      const seen = pages.flat().map((e) => e.experimentId);
      expect(seen).toEqual([...ids].reverse().concat('0'));
    });

    it('rejects bad arguments with INVALID_PARAMETER_VALUE', async () => {
      for (const maxResults of [0, -1, 50001, 1.5]) {
        await expectOrreryError(h.store.searchExperiments({ maxResults }), 'INVALID_PARAMETER_VALUE');
      }
      await expectOrreryError(
        h.store.searchExperiments({ viewType: 'SOMETIMES' as never }),
        'INVALID_PARAMETER_VALUE',
      );
      for (const filter of ["name ~ 'x'", "name = 'unterminated", 'name = x', "nonsense.key = 'x'", "name = 'a' OR name = 'b'"]) {
        await expectOrreryError(h.store.searchExperiments({ filter }), 'INVALID_PARAMETER_VALUE');
      }
      await expectOrreryError(h.store.searchExperiments({ orderBy: ['name SIDEWAYS'] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchExperiments({ orderBy: ['bogus ASC'] }), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.searchExperiments({ pageToken: 'not a page token' }), 'INVALID_PARAMETER_VALUE');
    });
  });
}
