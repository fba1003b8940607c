/**
 * Every route the server registers has an entry in ROUTE_PERMISSIONS (and every entry is a route),
 * so no route is ever served without knowing what it needs; a route that slipped through anyway is
 * refused to everyone but admins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteAuthStore } from '@orrery/plugin-sqlite';
import { ROUTE_PERMISSIONS, routePermissionKey, serverRoutes } from '@orrery/server';
import { ADMIN, call, startAuthTestServer, type AuthTestServer } from './auth-server-fixture.js';

describe('ROUTE_PERMISSIONS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-route-permissions-'));
  let server: AuthTestServer;
  beforeAll(async () => {
    server = await startAuthTestServer(() => openSqliteAuthStore(`sqlite:///${path.join(dir, 'auth.db')}`));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has an entry for every route of the catalog, and no entry for a route that does not exist', () => {
    const routes = serverRoutes(server.app);
    expect(routes.length).toBeGreaterThan(100);
    const keys = new Set(routes.map((route) => routePermissionKey(route.method, route.url)));
    expect([...keys].filter((key) => ROUTE_PERMISSIONS[key] === undefined)).toEqual([]);
    expect(Object.keys(ROUTE_PERMISSIONS).filter((key) => !keys.has(key))).toEqual([]);
    // Both API prefixes are served, so both map to the same entries.
    expect(routes.some((route) => route.url === '/ajax-api/2.0/mlflow/users/create')).toBe(true);
  });

  it('leaves only /health and the web UI\'s page and static files open (as MLflow)', () => {
    expect(Object.entries(ROUTE_PERMISSIONS).filter(([, rule]) => rule.kind === 'open').map(([key]) => key).sort()).toEqual([
      'GET /',
      'GET /health',
      'GET /static-files/*',
    ]);
  });
});

describe('a route missing from ROUTE_PERMISSIONS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-route-unmapped-'));
  let server: AuthTestServer;
  beforeAll(async () => {
    server = await startAuthTestServer(() => openSqliteAuthStore(`sqlite:///${path.join(dir, 'auth.db')}`), {}, (app) => {
      app.get('/api/2.0/mlflow/unmapped', async () => ({ ok: true }));
    });
    await call(server, 'POST', '/api/2.0/mlflow/users/create', { as: ADMIN, fields: { username: 'u', password: 'p' } });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused to users and allowed to admins', async () => {
    const user = await call(server, 'GET', '/api/2.0/mlflow/unmapped', { as: { username: 'u', password: 'p' } });
    expect([user.status, user.json.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    expect((await call(server, 'GET', '/api/2.0/mlflow/unmapped', { as: ADMIN })).json).toEqual({ ok: true });
    expect((await call(server, 'GET', '/api/2.0/mlflow/unmapped')).status).toBe(401);
  });
});

describe('OpenAPI document with basic-auth on', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-openapi-auth-'));
  let server: AuthTestServer;
  beforeAll(async () => {
    server = await startAuthTestServer(() => openSqliteAuthStore(`sqlite:///${path.join(dir, 'auth.db')}`));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('documents the auth routes with their schemas and states Basic or bearer security (none for /health)', async () => {
    const answer = await call(server, 'GET', '/api/2.0/openapi.json', { as: ADMIN });
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    const document = answer.json as { security: unknown; components: { securitySchemes: Record<string, unknown> }; paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown }>> };
    expect(document.security).toEqual([{ basicAuth: [] }, { bearerAuth: [] }]);
    expect(Object.keys(document.components.securitySchemes)).toEqual(['basicAuth', 'bearerAuth']);
    expect(document.paths['/health']!.get!.security).toEqual([]);
    expect(document.paths['/api/2.0/mlflow/users/update-admin']!.patch!.requestBody).toBeDefined();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/2.0/mlflow/experiments/permissions/create', '/api/2.0/orrery/tokens/create', '/api/2.0/orrery/audit/list']));
  });
});
