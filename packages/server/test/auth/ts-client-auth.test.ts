/**
 * Orrery's TypeScript client against the basic-auth app: 401, 403 and 429 arrive as OrreryError
 * with the server's code and message, Basic and Bearer credentials both work, and RestAuthClient
 * covers the users, permissions, token and audit routes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryError } from '@orrery/core';
import { RestAuthClient, RestTrackingStore } from '@orrery/client';
import { openSqliteAuthStore } from '@orrery/plugin-sqlite';
import { ADMIN, startAuthTestServer, type AuthTestServer } from './auth-server-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orrery-ts-client-auth-'));
let server: AuthTestServer;
beforeAll(async () => {
  server = await startAuthTestServer(() => openSqliteAuthStore(`sqlite:///${path.join(dir, 'auth.db')}`), {
    loginMaxFailuresPerUser: 2,
    loginMaxFailuresPerAddress: 1000,
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<OrreryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrreryError);
  return error as OrreryError;
}

describe('TypeScript client with basic-auth', () => {
  it('manages users, permissions and tokens through RestAuthClient', async () => {
    const admin = new RestAuthClient({ baseUrl: server.url, ...ADMIN });
    const zoe = await admin.createUser('zoe', 'zoe-pw');
    expect(zoe).toEqual({ id: expect.any(Number), username: 'zoe', isAdmin: false, experimentPermissions: [], registeredModelPermissions: [] });
    await admin.createExperimentPermission('0', 'zoe', 'EDIT');
    expect(await admin.getExperimentPermission('0', 'zoe')).toEqual({ experimentId: '0', userId: zoe.id, permission: 'EDIT' });
    await admin.createRegisteredModelPermission('m', 'zoe', 'READ');
    await admin.updateRegisteredModelPermission('m', 'zoe', 'MANAGE');
    expect((await admin.getUser('zoe')).registeredModelPermissions).toEqual([{ name: 'm', userId: zoe.id, permission: 'MANAGE' }]);

    const asZoe = new RestAuthClient({ baseUrl: server.url, username: 'zoe', password: 'zoe-pw' });
    const { token, info } = await asZoe.createToken({ name: 'laptop', lifetimeDays: 7 });
    expect(info).toMatchObject({ name: 'laptop', username: 'zoe' });
    const withToken = new RestTrackingStore(server.url, { token });
    const experimentId = await withToken.createExperiment({ name: 'zoe-exp' });
    expect((await withToken.getExperiment(experimentId)).name).toBe('zoe-exp');
    expect((await asZoe.listTokens()).map((t) => t.id)).toEqual([info.id]);
    await asZoe.revokeToken(info.id);
    const revoked = await failure(withToken.getExperiment(experimentId));
    expect([revoked.code, revoked.message]).toEqual(['UNAUTHENTICATED', expect.stringMatching(/was revoked/)]);
    expect((await admin.listAudit({ username: 'zoe' })).map((e) => e.action)).toContain('POST /api/2.0/orrery/tokens/revoke');
    await admin.deleteUser('zoe');
  });

  it("turns 401, 403 and 429 into OrreryError with the server's code and message", async () => {
    const admin = new RestAuthClient({ baseUrl: server.url, ...ADMIN });
    await admin.createUser('yan', 'yan-pw');
    const asYan = new RestAuthClient({ baseUrl: server.url, username: 'yan', password: 'yan-pw' });
    const forbidden = await failure(asYan.createUser('x', 'y'));
    expect([forbidden.code, forbidden.httpStatus, forbidden.message]).toEqual(['PERMISSION_DENIED', 403, 'Permission denied: only admins may do this.']);

    const wrong = new RestTrackingStore(server.url, { username: 'yan', password: 'nope', maxRetries: 0 });
    const unauthenticated = await failure(wrong.getExperiment('0'));
    expect([unauthenticated.code, unauthenticated.httpStatus]).toEqual(['UNAUTHENTICATED', 401]);
    expect(unauthenticated.message).toMatch(/^Invalid username or password\./);
    await failure(wrong.getExperiment('0'));
    const limited = await failure(new RestTrackingStore(server.url, { username: 'yan', password: 'yan-pw', maxRetries: 0 }).getExperiment('0'));
    expect([limited.code, limited.httpStatus]).toEqual(['REQUEST_LIMIT_EXCEEDED', 429]);
    expect(limited.message).toMatch(/Too many failed logins for this username/);
  });
});
