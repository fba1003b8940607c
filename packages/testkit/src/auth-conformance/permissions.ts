import { describe, expect, it } from 'vitest';
import { PERMISSIONS, type Permission } from '@orrery/core';
import { expectOrreryError, fakeHash, freshAuthStorePerTest, type AuthStoreConformanceOptions } from './harness.js';

/** Experiment and registered-model permission rows, with MLflow's messages, and the registry's renames and deletes. */
export function permissionConformance(options: AuthStoreConformanceOptions): void {
  describe('experiment permissions', () => {
    const h = freshAuthStorePerTest(options);

    it('creates, finds, updates and deletes a row; every permission round-trips', async () => {
      const bob = await h.store.createUser('bob', fakeHash('bob'), false);
      expect(await h.store.createExperimentPermission('1', 'bob', 'READ')).toEqual({ experimentId: '1', userId: bob.id, permission: 'READ' });
      expect(await h.store.findExperimentPermission('1', 'bob')).toEqual({ experimentId: '1', userId: bob.id, permission: 'READ' });
      for (const permission of PERMISSIONS) {
        expect(await h.store.updateExperimentPermission('1', 'bob', permission)).toEqual({ experimentId: '1', userId: bob.id, permission });
        expect((await h.store.findExperimentPermission('1', 'bob'))?.permission).toBe(permission);
      }
      await h.store.deleteExperimentPermission('1', 'bob');
      expect(await h.store.findExperimentPermission('1', 'bob')).toBeUndefined();
      // Deleted means gone: it can be created again.
      await h.store.createExperimentPermission('1', 'bob', 'EDIT');
      expect((await h.store.findExperimentPermission('1', 'bob'))?.permission).toBe('EDIT');
    });

    it("refuses an existing row with MLflow's message and keeps its permission", async () => {
      await h.store.createUser('bob', fakeHash('bob'), false);
      await h.store.createExperimentPermission('1', 'bob', 'READ');
      const error = await expectOrreryError(h.store.createExperimentPermission('1', 'bob', 'MANAGE'), 'RESOURCE_ALREADY_EXISTS');
      expect(error.message).toBe('Experiment permission (experiment_id=1, username=bob) already exists.');
      expect((await h.store.findExperimentPermission('1', 'bob'))?.permission).toBe('READ');
    });

    it("answers unknown users and rows with MLflow's messages", async () => {
      await h.store.createUser('bob', fakeHash('bob'), false);
      const create = await expectOrreryError(h.store.createExperimentPermission('1', 'ghost', 'READ'), 'RESOURCE_DOES_NOT_EXIST');
      expect(create.message).toBe('User with username=ghost not found');
      const update = await expectOrreryError(h.store.updateExperimentPermission('9', 'bob', 'EDIT'), 'RESOURCE_DOES_NOT_EXIST');
      expect(update.message).toBe('Experiment permission with experiment_id=9 and username=bob not found');
      const remove = await expectOrreryError(h.store.deleteExperimentPermission('9', 'bob'), 'RESOURCE_DOES_NOT_EXIST');
      expect(remove.message).toBe('Experiment permission with experiment_id=9 and username=bob not found');
      await expectOrreryError(h.store.updateExperimentPermission('9', 'ghost', 'EDIT'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.deleteExperimentPermission('9', 'ghost'), 'RESOURCE_DOES_NOT_EXIST');
      expect(await h.store.findExperimentPermission('9', 'bob')).toBeUndefined();
      expect(await h.store.findExperimentPermission('9', 'ghost')).toBeUndefined();
      expect(await h.store.listExperimentPermissions('ghost')).toEqual([]);
      expect(await h.store.findExperimentPermission('9', 'bob')).toBeUndefined();
    });

    it("refuses a permission that is not one of MLflow's four, with MLflow's message, writing nothing", async () => {
      await h.store.createUser('bob', fakeHash('bob'), false);
      const bad = 'ADMIN' as Permission;
      const error = await expectOrreryError(h.store.createExperimentPermission('1', 'bob', bad), 'INVALID_PARAMETER_VALUE');
      expect(error.message).toBe("Invalid permission 'ADMIN'. Valid permissions are: ('READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS')");
      await expectOrreryError(h.store.createRegisteredModelPermission('rm', 'bob', 'read' as Permission), 'INVALID_PARAMETER_VALUE');
      expect(await h.store.listExperimentPermissions('bob')).toEqual([]);
      expect(await h.store.listRegisteredModelPermissions('bob')).toEqual([]);
      await h.store.createExperimentPermission('1', 'bob', 'READ');
      await expectOrreryError(h.store.updateExperimentPermission('1', 'bob', bad), 'INVALID_PARAMETER_VALUE');
      expect((await h.store.findExperimentPermission('1', 'bob'))?.permission).toBe('READ');
    });

    it("lists one user's rows, numeric ids in numeric order", async () => {
      const bob = await h.store.createUser('bob', fakeHash('bob'), false);
      await h.store.createUser('carol', fakeHash('carol'), false);
      for (const id of ['10', '2', 'abc', '1', '100']) await h.store.createExperimentPermission(id, 'bob', 'READ');
      await h.store.createExperimentPermission('3', 'carol', 'EDIT');
      await h.store.updateExperimentPermission('2', 'bob', 'MANAGE');
      expect(await h.store.listExperimentPermissions('bob')).toEqual([
        { experimentId: '1', userId: bob.id, permission: 'READ' },
        { experimentId: '2', userId: bob.id, permission: 'MANAGE' },
        { experimentId: '10', userId: bob.id, permission: 'READ' },
        { experimentId: '100', userId: bob.id, permission: 'READ' },
        { experimentId: 'abc', userId: bob.id, permission: 'READ' },
      ]);
      expect((await h.store.listExperimentPermissions('carol')).map((p) => p.experimentId)).toEqual(['3']);
    });
  });

  describe('registered model permissions', () => {
    const h = freshAuthStorePerTest(options);

    it("creates, finds, lists by name, updates and deletes rows, with MLflow's messages", async () => {
      const bob = await h.store.createUser('bob', fakeHash('bob'), false);
      expect(await h.store.createRegisteredModelPermission('rm1', 'bob', 'READ')).toEqual({ name: 'rm1', userId: bob.id, permission: 'READ' });
      await h.store.createRegisteredModelPermission('Zeta', 'bob', 'EDIT');
      await h.store.createRegisteredModelPermission('ämodel', 'bob', 'NO_PERMISSIONS');
      expect(await h.store.findRegisteredModelPermission('rm1', 'bob')).toEqual({ name: 'rm1', userId: bob.id, permission: 'READ' });
      expect((await h.store.listRegisteredModelPermissions('bob')).map((p) => p.name)).toEqual(['Zeta', 'rm1', 'ämodel']);

      const duplicate = await expectOrreryError(h.store.createRegisteredModelPermission('rm1', 'bob', 'MANAGE'), 'RESOURCE_ALREADY_EXISTS');
      expect(duplicate.message).toBe('Registered model permission (name=rm1, username=bob) already exists.');
      expect(await h.store.updateRegisteredModelPermission('rm1', 'bob', 'MANAGE')).toEqual({ name: 'rm1', userId: bob.id, permission: 'MANAGE' });
      expect((await h.store.findRegisteredModelPermission('rm1', 'bob'))?.permission).toBe('MANAGE');

      const missing = await expectOrreryError(h.store.updateRegisteredModelPermission('nope', 'bob', 'READ'), 'RESOURCE_DOES_NOT_EXIST');
      expect(missing.message).toBe('Registered model permission with name=nope and username=bob not found');
      const unknownUser = await expectOrreryError(h.store.createRegisteredModelPermission('rm1', 'ghost', 'READ'), 'RESOURCE_DOES_NOT_EXIST');
      expect(unknownUser.message).toBe('User with username=ghost not found');
      expect(await h.store.findRegisteredModelPermission('rm1', 'ghost')).toBeUndefined();

      await h.store.deleteRegisteredModelPermission('rm1', 'bob');
      expect(await h.store.findRegisteredModelPermission('rm1', 'bob')).toBeUndefined();
      const gone = await expectOrreryError(h.store.deleteRegisteredModelPermission('rm1', 'bob'), 'RESOURCE_DOES_NOT_EXIST');
      expect(gone.message).toBe('Registered model permission with name=rm1 and username=bob not found');
    });

    it("moves every user's rows of a renamed model, and nothing else", async () => {
      const alice = await h.store.createUser('alice', fakeHash('alice'), false);
      const bob = await h.store.createUser('bob', fakeHash('bob'), false);
      await h.store.createRegisteredModelPermission('rm1', 'alice', 'MANAGE');
      await h.store.createRegisteredModelPermission('rm1', 'bob', 'READ');
      await h.store.createRegisteredModelPermission('rm2', 'bob', 'EDIT');

      await h.store.renameRegisteredModelPermissions('rm1', 'renamed');
      expect(await h.store.findRegisteredModelPermission('rm1', 'alice')).toBeUndefined();
      expect(await h.store.findRegisteredModelPermission('rm1', 'bob')).toBeUndefined();
      expect(await h.store.findRegisteredModelPermission('renamed', 'alice')).toEqual({ name: 'renamed', userId: alice.id, permission: 'MANAGE' });
      expect(await h.store.findRegisteredModelPermission('renamed', 'bob')).toEqual({ name: 'renamed', userId: bob.id, permission: 'READ' });
      expect(await h.store.findRegisteredModelPermission('rm2', 'bob')).toEqual({ name: 'rm2', userId: bob.id, permission: 'EDIT' });

      // No rows: nothing to do, no error.
      await h.store.renameRegisteredModelPermissions('never-existed', 'whatever');
      await h.store.renameRegisteredModelPermissions('renamed', 'renamed');
      expect((await h.store.listRegisteredModelPermissions('alice')).map((p) => p.name)).toEqual(['renamed']);
    });

    it('a rename onto a name with leftover rows keeps the renamed model\'s rows', async () => {
      await h.store.createUser('bob', fakeHash('bob'), false);
      await h.store.createUser('carol', fakeHash('carol'), false);
      // Leftovers of an earlier model named "target" whose rows were never removed.
      await h.store.createRegisteredModelPermission('target', 'bob', 'NO_PERMISSIONS');
      await h.store.createRegisteredModelPermission('target', 'carol', 'MANAGE');
      await h.store.createRegisteredModelPermission('source', 'bob', 'EDIT');
      await h.store.renameRegisteredModelPermissions('source', 'target');
      expect((await h.store.findRegisteredModelPermission('target', 'bob'))?.permission).toBe('EDIT');
      expect(await h.store.findRegisteredModelPermission('target', 'carol')).toBeUndefined();
      expect(await h.store.findRegisteredModelPermission('source', 'bob')).toBeUndefined();
    });

    it("deletes every user's rows of a deleted model, and nothing else", async () => {
      await h.store.createUser('alice', fakeHash('alice'), false);
      await h.store.createUser('bob', fakeHash('bob'), false);
      await h.store.createRegisteredModelPermission('rm1', 'alice', 'MANAGE');
      await h.store.createRegisteredModelPermission('rm1', 'bob', 'READ');
      await h.store.createRegisteredModelPermission('rm10', 'bob', 'READ');
      await h.store.createExperimentPermission('rm1', 'bob', 'READ');
      await h.store.deleteRegisteredModelPermissions('rm1');
      expect(await h.store.listRegisteredModelPermissions('alice')).toEqual([]);
      expect((await h.store.listRegisteredModelPermissions('bob')).map((p) => p.name)).toEqual(['rm10']);
      expect(await h.store.findExperimentPermission('rm1', 'bob')).toBeDefined();
      await h.store.deleteRegisteredModelPermissions('never-existed');
    });
  });
}
