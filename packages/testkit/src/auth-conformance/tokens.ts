import { describe, expect, it } from 'vitest';
import type { CreateApiTokenInput } from '@orrery/core';
import { expectOrreryError, fakeHash, freshAuthStorePerTest, type AuthStoreConformanceOptions } from './harness.js';

const SECRET_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** API tokens: stored as given, listed newest first, revoked once. */
export function tokenConformance(options: AuthStoreConformanceOptions): void {
  describe('API tokens', () => {
    const h = freshAuthStorePerTest(options);

    it('stores a token as given and finds it by id; expiry is optional', async () => {
      const alice = await h.store.createUser('alice', fakeHash('alice'), false);
      const input: CreateApiTokenInput = { id: 'tk_1', userId: alice.id, name: 'ci', secretHash: SECRET_HASH, createdAt: 1_700_000_000_000, expiresAt: 1_800_000_000_000 };
      expect(await h.store.createApiToken(input)).toEqual(input);
      expect(await h.store.findApiToken('tk_1')).toEqual(input);
      const forever = await h.store.createApiToken({ id: 'tk_2', userId: alice.id, name: 'laptop ✓', secretHash: SECRET_HASH, createdAt: 1_700_000_000_001 });
      expect(forever).toEqual({ id: 'tk_2', userId: alice.id, name: 'laptop ✓', secretHash: SECRET_HASH, createdAt: 1_700_000_000_001 });
      expect(await h.store.findApiToken('tk_2')).toEqual(forever);
      expect(await h.store.findApiToken('tk_3')).toBeUndefined();
    });

    it('refuses an unknown user id and a taken token id, without showing the secret hash', async () => {
      const alice = await h.store.createUser('alice', fakeHash('alice'), false);
      await expectOrreryError(
        h.store.createApiToken({ id: 'tk', userId: alice.id + 1000, name: 'x', secretHash: SECRET_HASH, createdAt: 1 }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      expect(await h.store.findApiToken('tk')).toBeUndefined();
      await h.store.createApiToken({ id: 'tk', userId: alice.id, name: 'first', secretHash: SECRET_HASH, createdAt: 1 });
      const taken = await expectOrreryError(
        h.store.createApiToken({ id: 'tk', userId: alice.id, name: 'second', secretHash: 'f'.repeat(64), createdAt: 2 }),
        'RESOURCE_ALREADY_EXISTS',
      );
      expect(taken.message).not.toContain(SECRET_HASH);
      expect(taken.message).not.toContain('f'.repeat(64));
      expect((await h.store.findApiToken('tk'))?.name).toBe('first');
    });

    it("lists a user's tokens newest first, revoked and expired ones included, and no one else's", async () => {
      const alice = await h.store.createUser('alice', fakeHash('alice'), false);
      const bob = await h.store.createUser('bob', fakeHash('bob'), false);
      for (const [id, createdAt] of [['a', 1000], ['c', 3000], ['b', 2000], ['d', 2000]] as const) {
        await h.store.createApiToken({ id, userId: alice.id, name: id, secretHash: SECRET_HASH, createdAt, expiresAt: createdAt + 10 });
      }
      await h.store.createApiToken({ id: 'bob-token', userId: bob.id, name: 'b', secretHash: SECRET_HASH, createdAt: 5000 });
      await h.store.revokeApiToken('a', 4000);
      const listed = await h.store.listApiTokens(alice.id);
      // Same creation time: by id.
      expect(listed.map((t) => t.id)).toEqual(['c', 'b', 'd', 'a']);
      expect(listed[3]).toMatchObject({ id: 'a', revokedAt: 4000, expiresAt: 1010 });
      expect((await h.store.listApiTokens(bob.id)).map((t) => t.id)).toEqual(['bob-token']);
      expect(await h.store.listApiTokens(alice.id + bob.id + 1000)).toEqual([]);
    });

    it('revokes a token once: a second revoke keeps the first time; an unknown id is refused', async () => {
      const alice = await h.store.createUser('alice', fakeHash('alice'), false);
      await h.store.createApiToken({ id: 'tk', userId: alice.id, name: 'ci', secretHash: SECRET_HASH, createdAt: 1000 });
      await h.store.createApiToken({ id: 'other', userId: alice.id, name: 'ci', secretHash: SECRET_HASH, createdAt: 1000 });
      await h.store.revokeApiToken('tk', 2000);
      expect((await h.store.findApiToken('tk'))?.revokedAt).toBe(2000);
      await h.store.revokeApiToken('tk', 3000);
      expect((await h.store.findApiToken('tk'))?.revokedAt).toBe(2000);
      expect((await h.store.findApiToken('other'))?.revokedAt).toBeUndefined();
      await expectOrreryError(h.store.revokeApiToken('nope', 2000), 'RESOURCE_DOES_NOT_EXIST');
      await expectOrreryError(h.store.revokeApiToken('other', Number.NaN), 'INVALID_PARAMETER_VALUE');
      await expectOrreryError(
        h.store.createApiToken({ id: 'late', userId: alice.id, name: 'ci', secretHash: SECRET_HASH, createdAt: 1000, expiresAt: 1.5 }),
        'INVALID_PARAMETER_VALUE',
      );
      expect(await h.store.findApiToken('late')).toBeUndefined();
    });
  });
}
