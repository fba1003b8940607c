import { describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { expectOrreryError, fakeHash, freshAuthStorePerTest, settleAll, type AuthStoreConformanceOptions } from './harness.js';

const ROUNDS = 5;

/** Writers on two instances (two server processes): unique rows stay unique; a closed store refuses use. */
export function authConcurrencyConformance(options: AuthStoreConformanceOptions): void {
  describe('concurrency and lifecycle', () => {
    const h = freshAuthStorePerTest(options);

    it('two instances creating the same user at once: exactly one wins, the other gets RESOURCE_ALREADY_EXISTS', async () => {
      const other = await h.another();
      for (let round = 0; round < ROUNDS; round++) {
        const name = `racer-${round}`;
        const { fulfilled, rejected } = await settleAll([
          h.store.createUser(name, fakeHash(`a${round}`), false),
          other.createUser(name, fakeHash(`b${round}`), true),
          h.store.createUser(name, fakeHash(`c${round}`), false),
          other.createUser(name, fakeHash(`d${round}`), true),
        ]);
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(3);
        for (const error of rejected) {
          expect(isOrreryError(error) && error.code).toBe('RESOURCE_ALREADY_EXISTS');
          expect((error as Error).message).toBe(`User (username=${name}) already exists.`);
        }
        // The stored user is the winner's, whole.
        expect(await h.store.findUser(name)).toEqual(fulfilled[0]);
        expect(await other.findUser(name)).toEqual(fulfilled[0]);
      }
      expect((await h.store.listUsers()).map((u) => u.username)).toEqual(Array.from({ length: ROUNDS }, (_, i) => `racer-${i}`));
    });

    it('two instances creating the same permission row at once: exactly one wins', async () => {
      const other = await h.another();
      await h.store.createUser('bob', fakeHash('bob'), false);
      const { fulfilled, rejected } = await settleAll([
        h.store.createExperimentPermission('7', 'bob', 'READ'),
        other.createExperimentPermission('7', 'bob', 'MANAGE'),
        h.store.createRegisteredModelPermission('rm', 'bob', 'READ'),
        other.createRegisteredModelPermission('rm', 'bob', 'EDIT'),
      ]);
      expect(fulfilled).toHaveLength(2);
      expect(rejected.map((e) => isOrreryError(e) && e.code)).toEqual(['RESOURCE_ALREADY_EXISTS', 'RESOURCE_ALREADY_EXISTS']);
      expect(await h.store.listExperimentPermissions('bob')).toHaveLength(1);
      expect(await other.listRegisteredModelPermissions('bob')).toHaveLength(1);
    });

    it('a user deleted while permissions and tokens are granted is deleted whole, leaving no rows behind', async () => {
      const other = await h.another();
      const carol = await h.store.createUser('carol', fakeHash('carol'), false);
      const grants = [
        ...Array.from({ length: 8 }, (_, i) => other.createExperimentPermission(String(i), 'carol', 'READ')),
        ...Array.from({ length: 4 }, (_, i) => other.createRegisteredModelPermission(`rm${i}`, 'carol', 'READ')),
        ...Array.from({ length: 4 }, (_, i) => other.createApiToken({ id: `carol-${i}`, userId: carol.id, name: 'ci', secretHash: '00', createdAt: i })),
      ];
      const deletion = h.store.deleteUser('carol');
      const { rejected } = await settleAll(grants);
      await deletion;
      // A grant that lost the race found no user; none failed any other way.
      for (const error of rejected) expect(isOrreryError(error) && error.code, String(error)).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(await h.store.findUser('carol')).toBeUndefined();
      const again = await h.store.createUser('carol', fakeHash('carol again'), false);
      expect(await h.store.listExperimentPermissions('carol')).toEqual([]);
      expect(await h.store.listRegisteredModelPermissions('carol')).toEqual([]);
      expect(await h.store.listApiTokens(carol.id)).toEqual([]);
      expect(await h.store.listApiTokens(again.id)).toEqual([]);
      for (let i = 0; i < 4; i++) expect(await h.store.findApiToken(`carol-${i}`)).toBeUndefined();
    });

    it('a closed store refuses use with INVALID_STATE; what it wrote stays readable elsewhere', async () => {
      const other = await h.another();
      await other.createUser('dora', fakeHash('dora'), false);
      await other.close();
      await expectOrreryError(other.findUser('dora'), 'INVALID_STATE');
      await expectOrreryError(other.createUser('eve', fakeHash('eve'), false), 'INVALID_STATE');
      await expectOrreryError(other.recordLoginFailure('k', 1, 1000), 'INVALID_STATE');
      await expectOrreryError(other.listAudit(), 'INVALID_STATE');
      expect((await h.store.findUser('dora'))?.username).toBe('dora');
      expect(await h.store.findUser('eve')).toBeUndefined();
    });
  });
}
