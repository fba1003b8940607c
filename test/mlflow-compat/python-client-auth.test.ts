/**
 * MLflow 2.12.2's Python client against `orrery server --app-name basic-auth`, replayed on the wire
 * (see python-client-wire.ts): tracking calls with MLFLOW_TRACKING_USERNAME / PASSWORD (Basic) or
 * MLFLOW_TRACKING_TOKEN (Bearer), and `mlflow.server.get_app_client("basic-auth", uri)`'s
 * AuthServiceClient calls (python-auth-client.ts). Orrery answers 401 and 403 with JSON where MLflow
 * answers HTML; the client then raises `RestException` with the error code instead of a bare
 * `MlflowException`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrreryServer, type OrreryServerProcess } from './orrery-server-process.js';
import { PythonProxyArtifactRepository, PythonRestClient, RestException } from './python-client-wire.js';
import { PythonRestStore } from './python-rest-store.js';
import { PythonAuthServiceClient } from './python-auth-client.js';

let server: OrreryServerProcess;
let scratch: string;
const clients: PythonRestClient[] = [];

function clientAs(hostCreds: { username?: string; password?: string; token?: string }): PythonRestClient {
  const client = new PythonRestClient(server.url, hostCreds);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'orrery-python-auth-'));
  const ini = path.join(scratch, 'basic_auth.ini');
  writeFileSync(ini, `[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///${path.join(scratch, 'basic_auth.db')}\nadmin_username = admin\nadmin_password = admin-pw\n`);
  server = await startOrreryServer({ args: ['--app-name', 'basic-auth'], env: { MLFLOW_AUTH_CONFIG_PATH: ini } });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<RestException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RestException);
  return error as RestException;
}

describe('MLflow Python client, basic-auth app', () => {
  it("AuthServiceClient: users and permissions, with MLflow's entities parsed from Orrery's answers", async () => {
    const auth = new PythonAuthServiceClient(clientAs({ username: 'admin', password: 'admin-pw' }));
    const alice = await auth.createUser('alice', 'alice-pw');
    expect(alice).toEqual({ id: expect.any(Number), username: 'alice', passwordHash: 'REDACTED', isAdmin: false, experimentPermissions: [], registeredModelPermissions: [] });
    await auth.createUser('bob', 'bob-pw');
    expect((await rejection(auth.createUser('alice', 'x'))).errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect(await auth.getUser('alice')).toEqual(alice);
    expect((await rejection(auth.getUser('nobody'))).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');

    // "Does not require experiment_id to be an existing experiment" (AuthServiceClient's docstring).
    expect(await auth.createExperimentPermission('myexperiment', 'bob', 'READ')).toEqual({ experimentId: 'myexperiment', userId: expect.any(Number), permission: 'READ' });
    await auth.updateExperimentPermission('myexperiment', 'bob', 'EDIT');
    expect((await auth.getExperimentPermission('myexperiment', 'bob')).permission).toBe('EDIT');
    expect((await auth.getUser('bob')).experimentPermissions).toEqual([{ experimentId: 'myexperiment', userId: expect.any(Number), permission: 'EDIT' }]);
    await auth.deleteExperimentPermission('myexperiment', 'bob');
    expect((await rejection(auth.getExperimentPermission('myexperiment', 'bob'))).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    const invalid = await rejection(auth.createExperimentPermission('1', 'bob', 'WRITE'));
    expect([invalid.status, invalid.errorCode, invalid.message]).toEqual([
      400,
      'INVALID_PARAMETER_VALUE',
      "INVALID_PARAMETER_VALUE: Invalid permission 'WRITE'. Valid permissions are: ('READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS')",
    ]);

    expect(await auth.createRegisteredModelPermission('myregisteredmodel', 'bob', 'READ')).toEqual({ name: 'myregisteredmodel', userId: expect.any(Number), permission: 'READ' });
    await auth.updateRegisteredModelPermission('myregisteredmodel', 'bob', 'MANAGE');
    expect((await auth.getRegisteredModelPermission('myregisteredmodel', 'bob')).permission).toBe('MANAGE');
    await auth.deleteRegisteredModelPermission('myregisteredmodel', 'bob');
    expect((await rejection(auth.getRegisteredModelPermission('myregisteredmodel', 'bob'))).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');

    await auth.createUser('carol', 'carol-pw');
    await auth.updateUserAdmin('carol', true);
    expect((await new PythonAuthServiceClient(clientAs({ username: 'carol', password: 'carol-pw' })).getUser('alice')).username).toBe('alice');
    await auth.updateUserPassword('carol', 'carol-pw-2');
    expect((await rejection(new PythonAuthServiceClient(clientAs({ username: 'carol', password: 'carol-pw' })).getUser('carol'))).errorCode).toBe('UNAUTHENTICATED');
    await auth.deleteUser('carol');
    expect((await rejection(auth.getUser('carol'))).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');

    // A non-admin: only themselves.
    const asBob = new PythonAuthServiceClient(clientAs({ username: 'bob', password: 'bob-pw' }));
    expect((await asBob.getUser('bob')).username).toBe('bob');
    const denied = await rejection(asBob.getUser('alice'));
    expect([denied.status, denied.errorCode]).toEqual([403, 'PERMISSION_DENIED']);
    expect((await rejection(asBob.createUser('mallory', 'x'))).errorCode).toBe('PERMISSION_DENIED');
  });

  it('tracking with MLFLOW_TRACKING_USERNAME/PASSWORD: the owner logs and uploads, a READ user reads and is refused writes with RestException', async () => {
    const alice = new PythonRestStore(clientAs({ username: 'alice', password: 'alice-pw' }));
    const experimentId = await alice.createExperiment('alice-python');
    const run = await alice.createRun(experimentId, 'alice', Date.now(), [{ key: 'mlflow.user', value: 'alice' }]);
    const info = run.info as { run_id: string; artifact_uri: string };
    await alice.logMetric(info.run_id, { key: 'loss', value: 0.5, timestamp: Date.now(), step: 0 });
    await alice.logBatch(info.run_id, [{ key: 'acc', value: 0.9, timestamp: Date.now(), step: 1 }], [{ key: 'lr', value: '0.1' }], []);
    const file = path.join(scratch, 'model.txt');
    writeFileSync(file, 'weights');
    await new PythonProxyArtifactRepository(alice.client, info.artifact_uri).logArtifact(file);

    const bob = new PythonRestStore(clientAs({ username: 'bob', password: 'bob-pw' }));
    expect(((await bob.getRun(info.run_id)).info as { run_id: string }).run_id).toBe(info.run_id);
    expect((await new PythonProxyArtifactRepository(bob.client, info.artifact_uri).listArtifacts()).map((f) => f.path)).toEqual(['model.txt']);
    const refused = await rejection(bob.logMetric(info.run_id, { key: 'loss', value: 1, timestamp: Date.now(), step: 1 }));
    expect([refused.status, refused.errorCode]).toEqual([403, 'PERMISSION_DENIED']);
    await expect(new PythonProxyArtifactRepository(bob.client, info.artifact_uri).logArtifact(file)).rejects.toThrow(/403/);

    const stranger = new PythonRestStore(clientAs({ username: 'alice', password: 'wrong' }));
    const unauthenticated = await rejection(stranger.getRun(info.run_id));
    expect([unauthenticated.status, unauthenticated.errorCode]).toEqual([401, 'UNAUTHENTICATED']);
    const anonymous = await rejection(new PythonRestStore(clientAs({})).getExperiment(experimentId));
    expect(anonymous.errorCode).toBe('UNAUTHENTICATED');
  });

  it('tracking with MLFLOW_TRACKING_TOKEN: an Orrery API token works as the Bearer token MLflow sends', async () => {
    const created = await clientAs({ username: 'alice', password: 'alice-pw' }).httpRequest('POST', `${server.url}/api/2.0/orrery/tokens/create`, { json: { name: 'python' } });
    const token = (JSON.parse(created.body.toString()) as { token: string }).token;
    const withToken = new PythonRestStore(clientAs({ token }));
    const experimentId = await withToken.createExperiment('alice-token');
    expect((await withToken.getExperiment(experimentId)).name).toBe('alice-token');
    // Username and password win over a token when both are set, as in http_request.
    const both = new PythonRestStore(clientAs({ username: 'bob', password: 'bob-pw', token }));
    expect((await rejection(both.createRun(experimentId, 'bob', Date.now(), []))).errorCode).toBe('PERMISSION_DENIED');
  });
});
