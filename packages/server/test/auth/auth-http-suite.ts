/**
 * The basic-auth app over HTTP, on a live server, written once and run on every auth store
 * (SQLite, PostgreSQL, Redis): the walkthrough of MLflow 2.12.2's basic-auth app
 * (observed-2.12.2-wave2.md section 4) with Orrery's differences (JSON 401/403, searches filtered),
 * API tokens, login limits and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken, hashApiTokenSecret, type AuthStore } from '@orrery/core';
import { ADMIN, basic, call, startAuthTestServer, type AuthTestServer, type Credentials } from './auth-server-fixture.js';

const API = '/api/2.0/mlflow';
const ALICE: Credentials = { username: 'alice', password: 'alicepw' };
const BOB: Credentials = { username: 'bob', password: 'bobpw' };
const CAROL: Credentials = { username: 'carol', password: 'carolpw' };

function expectError(answer: { status: number; json: Record<string, unknown> }, status: number, code: string, message?: string | RegExp): void {
  expect({ status: answer.status, error_code: answer.json.error_code }).toEqual({ status, error_code: code });
  if (message !== undefined) expect(answer.json.message).toMatch(message);
}

export function describeAuthHttpSuite(name: string, openAuthStore: () => Promise<AuthStore>): void {
  describe(`basic-auth over HTTP (${name} auth store)`, () => {
    let server: AuthTestServer;
    let experimentId: string;
    let runId: string;

    beforeAll(async () => {
      server = await startAuthTestServer(openAuthStore);
      for (const user of [ALICE, BOB, CAROL]) {
        expect((await call(server, 'POST', `${API}/users/create`, { as: ADMIN, fields: { ...user } })).status).toBe(200);
      }
    });
    afterAll(async () => {
      await server?.close();
    });

    it('answers requests without valid credentials 401 with a JSON body and a Basic challenge; /health stays open', async () => {
      const attempts: Array<string | Credentials | undefined> = [
        undefined,
        { username: 'alice', password: 'wrong' },
        { username: 'nobody', password: 'x' },
        'Bearer not-a-token',
        'Bearer orr_0123456789abcdef_' + 'a'.repeat(43),
        'Digest x',
        'Basic !!!',
      ];
      for (const as of attempts) {
        const answer = await call(server, 'GET', `${API}/experiments/get`, { ...(as !== undefined ? { as } : {}), fields: { experiment_id: '0' } });
        expectError(answer, 401, 'UNAUTHENTICATED');
        expect(answer.headers.get('www-authenticate')).toBe('Basic realm="mlflow"');
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      }
      // Unknown routes and writes too: nothing is answered before authentication.
      expectError(await call(server, 'GET', '/api/2.0/mlflow/nope'), 401, 'UNAUTHENTICATED');
      expectError(await call(server, 'PUT', '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt', { body: 'x', contentType: 'text/plain' }), 401, 'UNAUTHENTICATED');
      expectError(await call(server, 'GET', '/version'), 401, 'UNAUTHENTICATED');
      expect((await call(server, 'GET', '/version', { as: BOB })).status).toBe(200);
      const health = await call(server, 'GET', '/health');
      expect([health.status, health.text]).toEqual([200, 'OK']);
    });

    it("manages users with MLflow's routes, shapes and messages", async () => {
      const created = await call(server, 'POST', `${API}/users/create`, { as: ADMIN, fields: { username: 'dave', password: 'davepw' } });
      expect(created.status).toBe(200);
      expect(created.json).toEqual({ user: { id: expect.any(Number), username: 'dave', is_admin: false, experiment_permissions: [], registered_model_permissions: [] } });
      expectError(await call(server, 'POST', `${API}/users/create`, { as: ADMIN, fields: { username: 'dave', password: 'x' } }), 400, 'RESOURCE_ALREADY_EXISTS', 'User (username=dave) already exists.');
      expectError(
        await call(server, 'POST', `${API}/users/create`, { as: ADMIN, fields: { username: 'erin' } }),
        400,
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'password'. See the API docs for more information about request parameters.",
      );
      expectError(await call(server, 'POST', `${API}/users/create`, { as: BOB, fields: { username: 'erin', password: 'x' } }), 403, 'PERMISSION_DENIED');

      const got = await call(server, 'GET', `${API}/users/get`, { as: ADMIN, fields: { username: 'dave' } });
      expect(got.json).toEqual(created.json);
      expectError(await call(server, 'GET', `${API}/users/get`, { as: ADMIN, fields: { username: 'nobody' } }), 404, 'RESOURCE_DOES_NOT_EXIST', 'User with username=nobody not found');
      expectError(await call(server, 'GET', `${API}/users/get`, { as: ADMIN }), 400, 'INVALID_PARAMETER_VALUE', /'username'/);
      expect((await call(server, 'GET', `${API}/users/get`, { as: BOB, fields: { username: 'bob' } })).status).toBe(200);
      expectError(await call(server, 'GET', `${API}/users/get`, { as: BOB, fields: { username: 'dave' } }), 403, 'PERMISSION_DENIED');

      // A user changes their own password; not someone else's.
      expect((await call(server, 'PATCH', `${API}/users/update-password`, { as: { username: 'dave', password: 'davepw' }, fields: { username: 'dave', password: 'dave2' } })).json).toEqual({});
      expectError(await call(server, 'GET', '/version', { as: { username: 'dave', password: 'davepw' } }), 401, 'UNAUTHENTICATED');
      expect((await call(server, 'GET', '/version', { as: { username: 'dave', password: 'dave2' } })).status).toBe(200);
      expectError(await call(server, 'PATCH', `${API}/users/update-password`, { as: BOB, fields: { username: 'dave', password: 'x' } }), 403, 'PERMISSION_DENIED');

      expectError(await call(server, 'PATCH', `${API}/users/update-admin`, { as: ADMIN, fields: { username: 'dave', is_admin: 'false' } }), 400, 'INVALID_PARAMETER_VALUE', /is_admin/);
      expect((await call(server, 'PATCH', `${API}/users/update-admin`, { as: ADMIN, fields: { username: 'dave', is_admin: true } })).json).toEqual({});
      expect((await call(server, 'GET', `${API}/users/get`, { as: ADMIN, fields: { username: 'dave' } })).json.user).toMatchObject({ is_admin: true });
      expectError(await call(server, 'PATCH', `${API}/users/update-admin`, { as: BOB, fields: { username: 'bob', is_admin: true } }), 403, 'PERMISSION_DENIED');

      expect((await call(server, 'DELETE', `${API}/users/delete`, { as: ADMIN, fields: { username: 'dave' } })).json).toEqual({});
      expectError(await call(server, 'DELETE', `${API}/users/delete`, { as: ADMIN, fields: { username: 'dave' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
      expectError(await call(server, 'GET', '/version', { as: { username: 'dave', password: 'dave2' } }), 401, 'UNAUTHENTICATED');
    });

    it('gives the creator MANAGE; a READ user reads but cannot log or upload; EDIT can log', async () => {
      const created = await call(server, 'POST', `${API}/experiments/create`, { as: ALICE, fields: { name: 'alice-exp' } });
      experimentId = created.json.experiment_id as string;
      expect((await call(server, 'GET', `${API}/users/get`, { as: ALICE, fields: { username: 'alice' } })).json.user).toMatchObject({
        experiment_permissions: [{ experiment_id: experimentId, permission: 'MANAGE', user_id: expect.any(Number) }],
      });
      const run = await call(server, 'POST', `${API}/runs/create`, { as: ALICE, fields: { experiment_id: experimentId } });
      expect(run.status).toBe(200);
      runId = (run.json.run as { info: { run_id: string } }).info.run_id;
      const artifact = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/x.txt`;
      expect((await call(server, 'PUT', artifact, { as: ALICE, body: 'hello', contentType: 'text/plain' })).status).toBe(200);

      const logMetric = { run_id: runId, key: 'm', value: 1, timestamp: 1 };
      // bob has no row: the default permission READ applies.
      expect((await call(server, 'GET', `${API}/runs/get`, { as: BOB, fields: { run_id: runId } })).status).toBe(200);
      expectError(await call(server, 'POST', `${API}/runs/log-metric`, { as: BOB, fields: logMetric }), 403, 'PERMISSION_DENIED', /experiment/);
      expectError(await call(server, 'POST', `${API}/runs/create`, { as: BOB, fields: { experiment_id: experimentId } }), 403, 'PERMISSION_DENIED');
      expectError(await call(server, 'PUT', artifact, { as: BOB, body: 'evil', contentType: 'text/plain' }), 403, 'PERMISSION_DENIED');
      expectError(await call(server, 'DELETE', artifact, { as: BOB }), 403, 'PERMISSION_DENIED');
      const download = await call(server, 'GET', artifact, { as: BOB });
      expect([download.status, download.text, download.headers.get('content-type')]).toEqual([200, 'hello', 'text/plain']);
      expect((await call(server, 'GET', '/api/2.0/mlflow-artifacts/artifacts', { as: BOB, fields: { path: `${experimentId}/${runId}/artifacts` } })).json).toEqual({
        files: [{ path: 'x.txt', is_dir: false, file_size: 5 }],
      });
      expect((await call(server, 'GET', `${API}/artifacts/list`, { as: BOB, fields: { run_id: runId } })).status).toBe(200);

      // alice (MANAGE) grants bob EDIT; permission names are checked with MLflow's message.
      expectError(
        await call(server, 'POST', `${API}/experiments/permissions/create`, { as: ALICE, fields: { experiment_id: experimentId, username: 'bob', permission: 'WRITE' } }),
        400,
        'INVALID_PARAMETER_VALUE',
        "Invalid permission 'WRITE'. Valid permissions are: ('READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS')",
      );
      const grant = await call(server, 'POST', `${API}/experiments/permissions/create`, { as: ALICE, fields: { experiment_id: experimentId, username: 'bob', permission: 'EDIT' } });
      expect(grant.json).toEqual({ experiment_permission: { experiment_id: experimentId, user_id: expect.any(Number), permission: 'EDIT' } });
      expectError(
        await call(server, 'POST', `${API}/experiments/permissions/create`, { as: ALICE, fields: { experiment_id: experimentId, username: 'bob', permission: 'EDIT' } }),
        400,
        'RESOURCE_ALREADY_EXISTS',
      );
      expect((await call(server, 'POST', `${API}/runs/log-metric`, { as: BOB, fields: logMetric })).status).toBe(200);
      expect((await call(server, 'GET', `${API}/experiments/permissions/get`, { as: ALICE, fields: { experiment_id: experimentId, username: 'bob' } })).json).toEqual(grant.json);
      expectError(
        await call(server, 'GET', `${API}/experiments/permissions/get`, { as: ALICE, fields: { experiment_id: experimentId, username: 'carol' } }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Experiment permission with experiment_id=${experimentId} and username=carol not found`,
      );
      // EDIT may not grant; MANAGE is needed.
      expectError(
        await call(server, 'POST', `${API}/experiments/permissions/create`, { as: BOB, fields: { experiment_id: experimentId, username: 'carol', permission: 'MANAGE' } }),
        403,
        'PERMISSION_DENIED',
      );
      expectError(await call(server, 'POST', `${API}/experiments/delete`, { as: BOB, fields: { experiment_id: experimentId } }), 403, 'PERMISSION_DENIED');
      expect((await call(server, 'PATCH', `${API}/experiments/permissions/update`, { as: ALICE, fields: { experiment_id: experimentId, username: 'bob', permission: 'READ' } })).json).toEqual({});
      expectError(await call(server, 'POST', `${API}/runs/log-metric`, { as: BOB, fields: logMetric }), 403, 'PERMISSION_DENIED');
      expect((await call(server, 'DELETE', `${API}/experiments/permissions/delete`, { as: ALICE, fields: { experiment_id: experimentId, username: 'bob' } })).json).toEqual({});
      expectError(
        await call(server, 'PATCH', `${API}/experiments/permissions/update`, { as: ALICE, fields: { experiment_id: experimentId, username: 'bob', permission: 'EDIT' } }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('hides what NO_PERMISSIONS covers: searches filtered (runs/search too), gets answered 403', async () => {
      expect(
        (await call(server, 'POST', `${API}/experiments/permissions/create`, { as: ALICE, fields: { experiment_id: experimentId, username: 'carol', permission: 'NO_PERMISSIONS' } })).status,
      ).toBe(200);
      const names = async (method: 'GET' | 'POST', as: Credentials) =>
        (((await call(server, method, `${API}/experiments/search`, { as, fields: { max_results: 10 } })).json.experiments ?? []) as Array<{ name: string }>).map((e) => e.name).sort();
      expect(await names('GET', CAROL)).toEqual(['Default']);
      expect(await names('POST', CAROL)).toEqual(['Default']);
      expect(await names('GET', BOB)).toEqual(['Default', 'alice-exp']);
      expect(await names('POST', ADMIN)).toEqual(['Default', 'alice-exp']);
      expectError(await call(server, 'GET', `${API}/experiments/get`, { as: CAROL, fields: { experiment_id: experimentId } }), 403, 'PERMISSION_DENIED');
      expectError(await call(server, 'GET', `${API}/experiments/get-by-name`, { as: CAROL, fields: { experiment_name: 'alice-exp' } }), 403, 'PERMISSION_DENIED');
      expectError(await call(server, 'GET', `${API}/runs/get`, { as: CAROL, fields: { run_id: runId } }), 403, 'PERMISSION_DENIED');
      expectError(await call(server, 'GET', `${API}/metrics/get-history`, { as: CAROL, fields: { run_id: runId, metric_key: 'm' } }), 403, 'PERMISSION_DENIED');
      expectError(await call(server, 'GET', `${API}/metrics/get-history-bulk-interval`, { as: CAROL, fields: { run_ids: [runId], metric_key: 'm' } }), 403, 'PERMISSION_DENIED');
      expectError(await call(server, 'GET', `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/x.txt`, { as: CAROL }), 403, 'PERMISSION_DENIED');
      // MLflow 2.12 returns the run here; Orrery leaves the unreadable experiment out of the search.
      expect((await call(server, 'POST', `${API}/runs/search`, { as: CAROL, fields: { experiment_ids: [experimentId] } })).json).toEqual({});
      expect(((await call(server, 'POST', `${API}/runs/search`, { as: BOB, fields: { experiment_ids: [experimentId] } })).json.runs as unknown[]).length).toBe(1);
    });

    it('pages filtered searches without losing or repeating results', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i += 1) ids.push((await call(server, 'POST', `${API}/experiments/create`, { as: ALICE, fields: { name: `paged-${i}` } })).json.experiment_id as string);
      for (const id of ids.filter((_, i) => i % 3 !== 0)) {
        await call(server, 'POST', `${API}/experiments/permissions/create`, { as: ALICE, fields: { experiment_id: id, username: 'carol', permission: 'NO_PERMISSIONS' } });
      }
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await call(server, 'POST', `${API}/experiments/search`, {
          as: CAROL,
          fields: { max_results: 2, filter: "name LIKE 'paged-%'", order_by: ['name ASC'], ...(token ? { page_token: token } : {}) },
        });
        const experiments = (page.json.experiments ?? []) as Array<{ name: string }>;
        expect(experiments.length).toBeLessThanOrEqual(2);
        seen.push(...experiments.map((e) => e.name));
        token = page.json.next_page_token as string | undefined;
        pages += 1;
      } while (token !== undefined && pages < 20);
      expect(seen).toEqual(['paged-0', 'paged-3', 'paged-6']);
    });

    it('keeps registered-model rows with the model: creator MANAGE, rename moves, delete removes; searches filtered', async () => {
      expect((await call(server, 'POST', `${API}/registered-models/create`, { as: ALICE, fields: { name: 'rm1' } })).status).toBe(200);
      expect((await call(server, 'POST', `${API}/model-versions/create`, { as: ALICE, fields: { name: 'rm1', source: 'mlflow-artifacts:/x' } })).status).toBe(200);
      expect((await call(server, 'GET', `${API}/registered-models/permissions/get`, { as: ADMIN, fields: { name: 'rm1', username: 'alice' } })).json).toEqual({
        registered_model_permission: { name: 'rm1', user_id: expect.any(Number), permission: 'MANAGE' },
      });
      expect(
        (await call(server, 'POST', `${API}/registered-models/permissions/create`, { as: ALICE, fields: { name: 'rm1', username: 'carol', permission: 'NO_PERMISSIONS' } })).status,
      ).toBe(200);
      expect((await call(server, 'GET', `${API}/registered-models/search`, { as: CAROL })).json).toEqual({});
      expect((await call(server, 'GET', `${API}/model-versions/search`, { as: CAROL })).json).toEqual({});
      expect(((await call(server, 'GET', `${API}/registered-models/search`, { as: BOB })).json.registered_models as unknown[]).length).toBe(1);
      expectError(await call(server, 'GET', `${API}/registered-models/get`, { as: CAROL, fields: { name: 'rm1' } }), 403, 'PERMISSION_DENIED');
      // A version may not point at a run its creator cannot read (carol: NO_PERMISSIONS on alice's experiment).
      expect((await call(server, 'POST', `${API}/registered-models/create`, { as: CAROL, fields: { name: 'carol-model' } })).status).toBe(200);
      expectError(
        await call(server, 'POST', `${API}/model-versions/create`, { as: CAROL, fields: { name: 'carol-model', source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`, run_id: runId } }),
        403,
        'PERMISSION_DENIED',
        new RegExp(`read experiment ${experimentId}`),
      );
      expect((await call(server, 'POST', `${API}/model-versions/create`, { as: ALICE, fields: { name: 'rm1', source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`, run_id: runId } })).status).toBe(200);
      expectError(await call(server, 'PATCH', `${API}/registered-models/update`, { as: BOB, fields: { name: 'rm1', description: 'x' } }), 403, 'PERMISSION_DENIED');

      expect((await call(server, 'POST', `${API}/registered-models/rename`, { as: ALICE, fields: { name: 'rm1', new_name: 'rm2' } })).status).toBe(200);
      expect((await call(server, 'GET', `${API}/registered-models/permissions/get`, { as: ADMIN, fields: { name: 'rm2', username: 'carol' } })).json).toMatchObject({
        registered_model_permission: { name: 'rm2', permission: 'NO_PERMISSIONS' },
      });
      expectError(await call(server, 'GET', `${API}/registered-models/get`, { as: CAROL, fields: { name: 'rm2' } }), 403, 'PERMISSION_DENIED');
      expect((await call(server, 'DELETE', `${API}/registered-models/delete`, { as: ALICE, fields: { name: 'rm2' } })).status).toBe(200);
      for (const username of ['alice', 'carol']) {
        expectError(
          await call(server, 'GET', `${API}/registered-models/permissions/get`, { as: ADMIN, fields: { name: 'rm2', username } }),
          404,
          'RESOURCE_DOES_NOT_EXIST',
          `Registered model permission with name=rm2 and username=${username} not found`,
        );
      }
    });

    it('authenticates API tokens until they are revoked or expire, and never shows a secret twice', async () => {
      const created = await call(server, 'POST', '/api/2.0/orrery/tokens/create', { as: BOB, fields: { name: 'ci', lifetime_days: 1 } });
      expect(created.status).toBe(200);
      const token = created.json.token as string;
      expect(token).toMatch(/^orr_[0-9a-f]{16}_/);
      const info = created.json.api_token as { id: string; expires_at: number; created_at: number };
      expect(info).toMatchObject({ name: 'ci', username: 'bob' });
      expect(info.expires_at - info.created_at).toBe(86_400_000);
      expect((await call(server, 'GET', `${API}/users/get`, { as: `Bearer ${token}`, fields: { username: 'bob' } })).status).toBe(200);
      expect((await call(server, 'GET', `${API}/users/get`, { as: `Bearer ${token}`, fields: { username: 'alice' } })).status).toBe(403);

      // A token can neither mint tokens nor change its owner's password.
      expectError(await call(server, 'POST', '/api/2.0/orrery/tokens/create', { as: `Bearer ${token}`, fields: { name: 'more' } }), 403, 'PERMISSION_DENIED', /not an API token/);
      expectError(await call(server, 'PATCH', `${API}/users/update-password`, { as: `Bearer ${token}`, fields: { username: 'bob', password: 'x' } }), 403, 'PERMISSION_DENIED', /not an API token/);

      const listed = await call(server, 'GET', '/api/2.0/orrery/tokens/list', { as: BOB });
      expect(listed.json.api_tokens).toEqual([expect.objectContaining({ id: info.id, name: 'ci' })]);
      expect(listed.text).not.toContain(token.slice(-43));
      expectError(await call(server, 'GET', '/api/2.0/orrery/tokens/list', { as: BOB, fields: { username: 'alice' } }), 403, 'PERMISSION_DENIED');
      // Someone else's token is unknown to carol; its owner may revoke it.
      expectError(await call(server, 'POST', '/api/2.0/orrery/tokens/revoke', { as: CAROL, fields: { id: info.id } }), 404, 'RESOURCE_DOES_NOT_EXIST');
      expect((await call(server, 'POST', '/api/2.0/orrery/tokens/revoke', { as: BOB, fields: { id: info.id } })).json).toEqual({});
      expectError(await call(server, 'GET', '/version', { as: `Bearer ${token}` }), 401, 'UNAUTHENTICATED', /revoked/);

      // An expired token (stored as the service stores them, with an expiry in the past).
      const expired = generateApiToken();
      const bob = (await server.service.requireUser('bob'))!;
      await server.authStore.createApiToken({ id: expired.id, userId: bob.id, name: 'old', secretHash: hashApiTokenSecret(expired.secret), createdAt: Date.now() - 10_000, expiresAt: Date.now() - 1000 });
      expectError(await call(server, 'GET', '/version', { as: `Bearer ${expired.token}` }), 401, 'UNAUTHENTICATED', /expired/);
      // A wrong secret for a real id is not told apart from an unknown token.
      const forged = `orr_${expired.id}_${generateApiToken().secret}`;
      expectError(await call(server, 'GET', '/version', { as: `Bearer ${forged}` }), 401, 'UNAUTHENTICATED', /Invalid API token/);
      expectError(await call(server, 'POST', '/api/2.0/orrery/tokens/create', { as: BOB, fields: { lifetime_days: 10_000 } }), 400, 'INVALID_PARAMETER_VALUE', /lifetime_days/);
    });

    it('writes every write request to the audit log, admins read it, and no secret is in it', async () => {
      await call(server, 'POST', `${API}/experiments/create`, { as: CAROL, fields: { name: 'carol-exp' } });
      await call(server, 'POST', `${API}/experiments/delete`, { as: BOB, fields: { experiment_id: experimentId } });
      await call(server, 'POST', `${API}/experiments/create`, { fields: { name: 'anonymous' } });
      expectError(await call(server, 'GET', '/api/2.0/orrery/audit/list', { as: BOB }), 403, 'PERMISSION_DENIED');
      const audit = await call(server, 'GET', '/api/2.0/orrery/audit/list', { as: ADMIN, fields: { max_results: 10_000 } });
      expect(audit.status).toBe(200);
      const entries = audit.json.entries as Array<Record<string, unknown>>;
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ username: 'carol', action: 'POST /api/2.0/mlflow/experiments/create', resource: expect.stringMatching(/^experiment:\d+$/), status: 200, remote_address: '127.0.0.1' }),
          expect.objectContaining({ username: 'bob', action: 'POST /api/2.0/mlflow/experiments/delete', resource: `experiment:${experimentId}`, status: 403 }),
          expect.objectContaining({ action: 'POST /api/2.0/mlflow/experiments/create', status: 401 }),
          expect.objectContaining({ username: 'alice', action: 'POST /api/2.0/mlflow/experiments/permissions/create', resource: `experiment:${experimentId}`, status: 200 }),
          expect.objectContaining({ username: 'admin', action: 'DELETE /api/2.0/mlflow/users/delete', resource: 'user:dave', status: 200 }),
        ]),
      );
      expect(entries.find((e) => e.status === 401)).not.toHaveProperty('username');
      // GETs are not audited; nothing secret is.
      expect(entries.some((e) => String(e.action).startsWith('GET '))).toBe(false);
      for (const secret of [ALICE.password, BOB.password, CAROL.password, ADMIN.password, 'dave2', basic(BOB)]) expect(audit.text).not.toContain(secret);
      const page = await call(server, 'GET', '/api/2.0/orrery/audit/list', { as: ADMIN, fields: { max_results: 2, username: 'carol' } });
      expect((page.json.entries as unknown[]).length).toBe(2);
      const next = await call(server, 'GET', '/api/2.0/orrery/audit/list', { as: ADMIN, fields: { after_seq: page.json.next_after_seq as number, username: 'carol' } });
      expect((next.json.entries as Array<{ seq: number }>)[0]!.seq).toBeGreaterThan(page.json.next_after_seq as number);
    });
  });

  describe(`login limits (${name} auth store)`, () => {
    let server: AuthTestServer;
    beforeAll(async () => {
      server = await startAuthTestServer(openAuthStore, { loginMaxFailuresPerUser: 3, loginMaxFailuresPerAddress: 100, loginFailureWindowSeconds: 60 });
      await call(server, 'POST', `${API}/users/create`, { as: ADMIN, fields: { ...ALICE } });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('answers 429 with Retry-After once a username has too many failures, even to the right password', async () => {
      for (let i = 0; i < 3; i += 1) expectError(await call(server, 'GET', '/version', { as: { username: 'alice', password: `guess${i}` } }), 401, 'UNAUTHENTICATED');
      const limited = await call(server, 'GET', '/version', { as: ALICE });
      expectError(limited, 429, 'REQUEST_LIMIT_EXCEEDED', /Too many failed logins for this username/);
      expect(limited.headers.get('retry-after')).toBe('60');
      // Other users are not affected.
      expect((await call(server, 'GET', '/version', { as: ADMIN })).status).toBe(200);
    });

    it("forgets a username's failures after a successful login", async () => {
      await call(server, 'POST', `${API}/users/create`, { as: ADMIN, fields: { username: 'sam', password: 'sam-pw' } });
      for (let round = 0; round < 3; round += 1) {
        for (let i = 0; i < 2; i += 1) expectError(await call(server, 'GET', '/version', { as: { username: 'sam', password: 'nope' } }), 401, 'UNAUTHENTICATED');
        expect((await call(server, 'GET', '/version', { as: { username: 'sam', password: 'sam-pw' } })).status).toBe(200);
      }
    });
  });

  describe(`login limits per client address (${name} auth store)`, () => {
    let server: AuthTestServer;
    beforeAll(async () => {
      server = await startAuthTestServer(openAuthStore, { loginMaxFailuresPerUser: 100, loginMaxFailuresPerAddress: 3, loginFailureWindowSeconds: 30 });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('answers 429 to every login from an address that guessed too often, whatever the username or token', async () => {
      for (const username of ['u1', 'u2']) expectError(await call(server, 'GET', '/version', { as: { username, password: 'x' } }), 401, 'UNAUTHENTICATED');
      expectError(await call(server, 'GET', '/version', { as: `Bearer orr_0123456789abcdef_${'b'.repeat(43)}` }), 401, 'UNAUTHENTICATED');
      for (const as of [ADMIN, `Bearer orr_0123456789abcdef_${'c'.repeat(43)}`]) {
        const limited = await call(server, 'GET', '/version', { as });
        expectError(limited, 429, 'REQUEST_LIMIT_EXCEEDED', /Too many failed logins for this client address/);
        expect(limited.headers.get('retry-after')).toBe('30');
      }
    });
  });
}
