/**
 * The basic-auth app's routes, under `/api/2.0` and `/ajax-api/2.0`: MLflow's users and permission
 * routes (same paths, methods, fields, answers and messages as MLflow 2.12's app) and Orrery's API
 * token and audit routes. Who may call each is in ROUTE_PERMISSIONS; handlers only do the work.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrreryError, type AuthService, type Principal } from '@orrery/core';
import {
  apiTokenToWire,
  auditEntryToWire,
  experimentPermissionToWire,
  registeredModelPermissionToWire,
  userToWire,
} from '@orrery/protocol';
import type { RequestReader } from '../wire/request-reader.js';
import { Empty } from '../schemas/message-schemas.js';
import { AUTH_REQUESTS, AUTH_RESPONSES } from '../schemas/auth-schemas.js';
import { registerDeclaredRoutes, type DeclaredRoute } from './declared-route.js';

/** The user encoder, re-exported from `@orrery/protocol` for existing importers of the server. */
export { userToWire };

export interface AuthRouteContext {
  service: AuthService;
  /** Who is calling (the auth layer has authenticated and authorized the request). */
  principal: Principal;
}

/** An auth route: declared as every route of the JSON API is. */
export type AuthRoute = DeclaredRoute<AuthRouteContext>;

const EMPTY = {};

/** The user a token route acts for: the caller, or (admins only) the user named in `username`. */
function tokenOwner(request: RequestReader, principal: Principal): string {
  const named = request.string('username');
  if (named === undefined || named === '' || named === principal.user.username) return principal.user.username;
  if (!principal.user.isAdmin) throw new OrreryError('PERMISSION_DENIED', `Permission denied: only admins may manage the API tokens of other users than yourself (${principal.user.username}).`);
  return named;
}

const required = { required: true } as const;

/**
 * Refuses a request authenticated with an API token: a leaked token must not mint tokens that
 * outlive it, nor change the password and lock its owner out.
 */
function requirePassword(principal: Principal, what: string): void {
  if (principal.tokenId !== undefined) {
    throw new OrreryError('PERMISSION_DENIED', `Permission denied: ${what} needs your username and password, not an API token.`);
  }
}

export const AUTH_ROUTES: AuthRoute[] = [
  // ---- users ----
  {
    method: 'POST',
    path: '/mlflow/users/create',
    summary: 'Create a user (admins).',
    request: AUTH_REQUESTS.createUser,
    response: AUTH_RESPONSES.user,
    async handle(request, { service }) {
      const user = await service.createUser(request.string('username', required), request.string('password', required));
      return { user: userToWire({ user, experimentPermissions: [], registeredModelPermissions: [] }) };
    },
  },
  {
    method: 'GET',
    path: '/mlflow/users/get',
    summary: 'Get a user with their permissions (admins, or the user themselves).',
    request: AUTH_REQUESTS.getUser,
    response: AUTH_RESPONSES.user,
    async handle(request, { service }) {
      return { user: userToWire(await service.getUser(request.string('username', required))) };
    },
  },
  {
    method: 'PATCH',
    path: '/mlflow/users/update-password',
    summary: "Change a user's password (admins, or the user themselves).",
    request: AUTH_REQUESTS.updatePassword,
    response: Empty,
    async handle(request, { service, principal }) {
      requirePassword(principal, 'changing a password');
      await service.updatePassword(request.string('username', required), request.string('password', required));
      return EMPTY;
    },
  },
  {
    method: 'PATCH',
    path: '/mlflow/users/update-admin',
    summary: 'Make a user an admin or not (admins).',
    request: AUTH_REQUESTS.updateAdmin,
    response: Empty,
    async handle(request, { service }) {
      const username = request.string('username', required);
      const isAdmin = request.bool('is_admin', { strict: true });
      if (isAdmin === undefined) throw new OrreryError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'is_admin'. See the API docs for more information about request parameters.");
      await service.updateAdmin(username, isAdmin);
      return EMPTY;
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/users/delete',
    summary: 'Delete a user with their permissions and API tokens (admins).',
    request: AUTH_REQUESTS.deleteUser,
    response: Empty,
    async handle(request, { service }) {
      await service.deleteUser(request.string('username', required));
      return EMPTY;
    },
  },

  // ---- experiment permissions ----
  {
    method: 'POST',
    path: '/mlflow/experiments/permissions/create',
    summary: "Give a user a permission on an experiment (MANAGE on it, or admins). The experiment need not exist (as MLflow).",
    request: AUTH_REQUESTS.experimentPermission,
    response: AUTH_RESPONSES.experimentPermission,
    async handle(request, { service }) {
      const row = await service.createExperimentPermission(request.id('experiment_id', required), request.string('username', required), request.string('permission', required));
      return { experiment_permission: experimentPermissionToWire(row) };
    },
  },
  {
    method: 'GET',
    path: '/mlflow/experiments/permissions/get',
    summary: "A user's permission row on an experiment (404 when there is none: the default permission applies).",
    request: AUTH_REQUESTS.experimentPermissionKey,
    response: AUTH_RESPONSES.experimentPermission,
    async handle(request, { service }) {
      const row = await service.getExperimentPermission(request.id('experiment_id', required), request.string('username', required));
      return { experiment_permission: experimentPermissionToWire(row) };
    },
  },
  {
    method: 'PATCH',
    path: '/mlflow/experiments/permissions/update',
    summary: "Change a user's permission row on an experiment.",
    request: AUTH_REQUESTS.experimentPermission,
    response: Empty,
    async handle(request, { service }) {
      await service.updateExperimentPermission(request.id('experiment_id', required), request.string('username', required), request.string('permission', required));
      return EMPTY;
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/experiments/permissions/delete',
    summary: "Remove a user's permission row on an experiment (the default permission applies again).",
    request: AUTH_REQUESTS.experimentPermissionKey,
    response: Empty,
    async handle(request, { service }) {
      await service.deleteExperimentPermission(request.id('experiment_id', required), request.string('username', required));
      return EMPTY;
    },
  },

  // ---- registered model permissions ----
  {
    method: 'POST',
    path: '/mlflow/registered-models/permissions/create',
    summary: 'Give a user a permission on a registered model (MANAGE on it, or admins).',
    request: AUTH_REQUESTS.registeredModelPermission,
    response: AUTH_RESPONSES.registeredModelPermission,
    async handle(request, { service }) {
      const row = await service.createRegisteredModelPermission(request.string('name', required), request.string('username', required), request.string('permission', required));
      return { registered_model_permission: registeredModelPermissionToWire(row) };
    },
  },
  {
    method: 'GET',
    path: '/mlflow/registered-models/permissions/get',
    summary: "A user's permission row on a registered model.",
    request: AUTH_REQUESTS.registeredModelPermissionKey,
    response: AUTH_RESPONSES.registeredModelPermission,
    async handle(request, { service }) {
      const row = await service.getRegisteredModelPermission(request.string('name', required), request.string('username', required));
      return { registered_model_permission: registeredModelPermissionToWire(row) };
    },
  },
  {
    method: 'PATCH',
    path: '/mlflow/registered-models/permissions/update',
    summary: "Change a user's permission row on a registered model.",
    request: AUTH_REQUESTS.registeredModelPermission,
    response: Empty,
    async handle(request, { service }) {
      await service.updateRegisteredModelPermission(request.string('name', required), request.string('username', required), request.string('permission', required));
      return EMPTY;
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow/registered-models/permissions/delete',
    summary: "Remove a user's permission row on a registered model.",
    request: AUTH_REQUESTS.registeredModelPermissionKey,
    response: Empty,
    async handle(request, { service }) {
      await service.deleteRegisteredModelPermission(request.string('name', required), request.string('username', required));
      return EMPTY;
    },
  },

  // ---- Orrery: API tokens ----
  {
    method: 'POST',
    path: '/orrery/tokens/create',
    summary: 'Create an API token (sent as `Authorization: Bearer <token>`); the token string is in this answer only.',
    request: AUTH_REQUESTS.createToken,
    response: AUTH_RESPONSES.createdToken,
    async handle(request, { service, principal }) {
      requirePassword(principal, 'creating an API token');
      const username = tokenOwner(request, principal);
      const name = request.string('name');
      const lifetimeDays = request.integer('lifetime_days', { min: 0 });
      const created = await service.createApiToken(username, { ...(name !== undefined ? { name } : {}), ...(lifetimeDays !== undefined ? { lifetimeDays } : {}) });
      return { token: created.token, api_token: apiTokenToWire(created.info, username) };
    },
  },
  {
    method: 'GET',
    path: '/orrery/tokens/list',
    summary: "A user's API tokens without their secrets, newest first (revoked and expired included).",
    request: AUTH_REQUESTS.listTokens,
    response: AUTH_RESPONSES.tokens,
    async handle(request, { service, principal }) {
      const username = tokenOwner(request, principal);
      const tokens = await service.listApiTokens(username);
      return { api_tokens: tokens.map((token) => apiTokenToWire(token, username)) };
    },
  },
  {
    method: 'POST',
    path: '/orrery/tokens/revoke',
    summary: 'Revoke an API token: your own, or anyone\'s for admins.',
    request: AUTH_REQUESTS.revokeToken,
    response: Empty,
    async handle(request, { service, principal }) {
      await service.revokeApiToken(request.string('id', required), principal.user);
      return EMPTY;
    },
  },

  // ---- Orrery: audit log ----
  {
    method: 'GET',
    path: '/orrery/audit/list',
    summary: 'Read the audit log, oldest first (admins).',
    request: AUTH_REQUESTS.listAudit,
    response: AUTH_RESPONSES.audit,
    async handle(request, { service }) {
      const afterSeq = request.integer('after_seq', { min: 0 });
      const username = request.string('username');
      const maxResults = request.integer('max_results', { min: 1, max: 10_000, rule: 'Hint: max_results must be between 1 and 10000.' }) ?? 1000;
      const entries = await service.listAudit({ ...(afterSeq !== undefined ? { afterSeq } : {}), ...(username ? { username } : {}), maxResults });
      const last = entries.at(-1);
      return { entries: entries.map(auditEntryToWire), ...(last !== undefined ? { next_after_seq: last.seq } : {}) };
    },
  },
];

/** Adds the auth routes under `prefix` to the API scope (which parses JSON bodies). */
export function registerAuthRoutes(scope: FastifyInstance, prefix: string, service: AuthService, principalOf: (request: FastifyRequest) => Principal): void {
  registerDeclaredRoutes(
    scope,
    prefix,
    AUTH_ROUTES,
    (request) => ({ service, principal: principalOf(request) }),
    (route) => (route.path.startsWith('/orrery/') ? 'orrery auth' : 'basic-auth'),
  );
}
