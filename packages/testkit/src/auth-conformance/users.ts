import { describe, expect, it } from 'vitest';
import { expectOrreryError, fakeHash, freshAuthStorePerTest, type AuthStoreConformanceOptions } from './harness.js';

/** Users: create, find, list, update, delete (with everything of theirs), and MLflow's error messages. */
export function userConformance(options: AuthStoreConformanceOptions): void {
  describe('users', () => {
    const h = freshAuthStorePerTest(options);

    it('creates a user with a store-assigned id, found by name and by id exactly as given', async () => {
      const alice = await h.store.createUser('alice', fakeHash('alice'), false);
      const root = await h.store.createUser('root', fakeHash('root'), true);
      expect(alice).toEqual({ id: alice.id, username: 'alice', passwordHash: fakeHash('alice'), isAdmin: false });
      expect(root).toMatchObject({ username: 'root', isAdmin: true });
      expect(Number.isSafeInteger(alice.id)).toBe(true);
      expect(root.id).not.toBe(alice.id);
      expect(await h.store.findUser('alice')).toEqual(alice);
      expect(await h.store.findUserById(alice.id)).toEqual(alice);
      expect(await h.store.findUserById(root.id)).toEqual(root);
      expect(await h.store.findUser('nobody')).toBeUndefined();
      expect(await h.store.findUserById(root.id + alice.id + 1000)).toBeUndefined();
    });

    it('refuses a taken username with MLflow\'s message, keeping the first user and never showing a hash', async () => {
      const first = await h.store.createUser('alice', fakeHash('first'), false);
      const error = await expectOrreryError(h.store.createUser('alice', fakeHash('second'), true), 'RESOURCE_ALREADY_EXISTS');
      expect(error.message).toBe('User (username=alice) already exists.');
      expect(error.message).not.toContain('argon2');
      expect(await h.store.findUser('alice')).toEqual(first);
      expect(await h.store.listUsers()).toHaveLength(1);
    });

    it('never gives a deleted user\'s id to a new user', async () => {
      await h.store.createUser('first', fakeHash('1'), false);
      const last = await h.store.createUser('last', fakeHash('2'), false);
      await h.store.deleteUser('last');
      const next = await h.store.createUser('next', fakeHash('3'), false);
      expect(next.id).not.toBe(last.id);
      expect(await h.store.findUserById(last.id)).toBeUndefined();
    });

    it('lists every user ordered by username in code-point order', async () => {
      for (const name of ['zed', 'bob', 'ümit', 'alice', 'Alice', 'Bob2', '用户']) await h.store.createUser(name, fakeHash(name), false);
      expect((await h.store.listUsers()).map((u) => u.username)).toEqual(['Alice', 'Bob2', 'alice', 'bob', 'zed', 'ümit', '用户']);
    });

    it('keeps unicode usernames exactly: case, composed and decomposed forms are different users', async () => {
      const names = ['Zoë', 'Zoe\u0308', 'zoë', '用户', '🚀 rocket', 'a:b/c%20'];
      const created = [];
      for (const name of names) created.push(await h.store.createUser(name, fakeHash(name), false));
      expect(new Set(created.map((u) => u.id)).size).toBe(names.length);
      for (const [i, name] of names.entries()) expect(await h.store.findUser(name)).toEqual(created[i]);
      expect(await h.store.findUser('ZOË')).toBeUndefined();
      await expectOrreryError(h.store.createUser('🚀 rocket', fakeHash('again'), false), 'RESOURCE_ALREADY_EXISTS');
      await h.store.createExperimentPermission('1', '用户', 'EDIT');
      expect(await h.store.findExperimentPermission('1', '用户')).toMatchObject({ permission: 'EDIT' });
      expect(await h.store.findExperimentPermission('1', 'Zoë')).toBeUndefined();
    });

    it('refuses names with a NUL character on write and never finds them, on every backend', async () => {
      const nul = 'ali\u0000ce';
      const refused = await expectOrreryError(h.store.createUser(nul, fakeHash('x'), false), 'INVALID_PARAMETER_VALUE');
      expect(refused.message).toContain('username');
      expect(await h.store.findUser(nul)).toBeUndefined();
      await expectOrreryError(h.store.updatePassword(nul, fakeHash('y')), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.deleteUser(nul), 'RESOURCE_DOES_NOT_EXIST');
      const bob = await h.store.createUser('bob', fakeHash('bob'), false);
      await expectOrreryError(h.store.createExperimentPermission('1\u0000', 'bob', 'READ'), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(h.store.createRegisteredModelPermission('rm', nul, 'READ'), 'RESOURCE_DOES_NOT_EXIST');
      expect(await h.store.findRegisteredModelPermission('rm\u0000', 'bob')).toBeUndefined();
      expect(await h.store.listExperimentPermissions(nul)).toEqual([]);
      await expectOrreryError(h.store.updateExperimentPermission('1\u0000', 'bob', 'EDIT'), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.createApiToken({ id: 't\u0000', userId: bob.id, name: 'ci', secretHash: '00', createdAt: 1 }), 'INVALID_PARAMETER_VALUE');
      expect(await h.store.findApiToken('t\u0000')).toBeUndefined();
      // Failed logins and audit entries are records of what clients sent: kept, with U+FFFD for NUL.
      expect(await h.store.recordLoginFailure(`user:${nul}`, 1000, 60_000)).toBe(1);
      expect(await h.store.recordLoginFailure(`user:${nul}`, 1001, 60_000)).toBe(2);
      const audited = await h.store.appendAudit({ timestamp: 1, username: nul, action: 'POST /x', resource: `user:${nul}`, status: 401 });
      expect(audited).toMatchObject({ username: 'ali\uFFFDce', resource: 'user:ali\uFFFDce' });
      expect(await h.store.listAudit({ username: nul })).toEqual([audited]);
    });

    it('updates the password hash and the admin flag, and refuses an unknown user', async () => {
      const alice = await h.store.createUser('alice', fakeHash('old'), false);
      await h.store.createUser('bob', fakeHash('bob'), false);
      await h.store.updatePassword('alice', fakeHash('new'));
      expect(await h.store.findUser('alice')).toEqual({ ...alice, passwordHash: fakeHash('new') });
      await h.store.updateAdmin('alice', true);
      expect((await h.store.findUser('alice'))?.isAdmin).toBe(true);
      await h.store.updateAdmin('alice', false);
      expect((await h.store.findUser('alice'))?.isAdmin).toBe(false);
      expect(await h.store.findUser('bob')).toMatchObject({ passwordHash: fakeHash('bob'), isAdmin: false });

      const unknownPassword = await expectOrreryError(h.store.updatePassword('ghost', fakeHash('x')), 'RESOURCE_DOES_NOT_EXIST');
      expect(unknownPassword.message).toBe('User with username=ghost not found');
      const unknownAdmin = await expectOrreryError(h.store.updateAdmin('ghost', true), 'RESOURCE_DOES_NOT_EXIST');
      expect(unknownAdmin.message).toBe('User with username=ghost not found');
      expect(await h.store.findUser('ghost')).toBeUndefined();
    });

    it('deletes a user with every permission row and token of theirs, leaving other users untouched', async () => {
      const alice = await h.store.createUser('alice', fakeHash('alice'), false);
      const bob = await h.store.createUser('bob', fakeHash('bob'), false);
      for (const user of [alice, bob]) {
        await h.store.createExperimentPermission('1', user.username, 'MANAGE');
        await h.store.createExperimentPermission('2', user.username, 'READ');
        await h.store.createRegisteredModelPermission('rm1', user.username, 'EDIT');
        await h.store.createApiToken({ id: `tok-${user.username}`, userId: user.id, name: 'ci', secretHash: 'ab'.repeat(32), createdAt: 1000 });
      }

      await h.store.deleteUser('alice');
      expect(await h.store.findUser('alice')).toBeUndefined();
      expect(await h.store.findUserById(alice.id)).toBeUndefined();
      expect(await h.store.findExperimentPermission('1', 'alice')).toBeUndefined();
      expect(await h.store.listApiTokens(alice.id)).toEqual([]);
      expect(await h.store.findApiToken('tok-alice')).toBeUndefined();

      expect((await h.store.listExperimentPermissions('bob')).map((p) => p.experimentId)).toEqual(['1', '2']);
      expect(await h.store.listRegisteredModelPermissions('bob')).toEqual([{ name: 'rm1', userId: bob.id, permission: 'EDIT' }]);
      expect((await h.store.findApiToken('tok-bob'))?.userId).toBe(bob.id);

      // A new user of the same name starts with nothing of the old one's.
      const again = await h.store.createUser('alice', fakeHash('again'), false);
      expect(await h.store.listExperimentPermissions('alice')).toEqual([]);
      expect(await h.store.listRegisteredModelPermissions('alice')).toEqual([]);
      expect(await h.store.listApiTokens(again.id)).toEqual([]);
    });

    it('refuses to delete an unknown user', async () => {
      const error = await expectOrreryError(h.store.deleteUser('ghost'), 'RESOURCE_DOES_NOT_EXIST');
      expect(error.message).toBe('User with username=ghost not found');
    });
  });
}
