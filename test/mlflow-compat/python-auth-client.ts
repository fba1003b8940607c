/**
 * `mlflow.server.auth.client.AuthServiceClient` of MLflow 2.12.2 (what
 * `mlflow.server.get_app_client("basic-auth", tracking_uri)` returns), replayed: each method sends
 * what the Python method sends through `http_request_safe` (GET as `params=`, others as `json=`,
 * with the host credentials of the environment) and reads the answer as `User.from_json`,
 * `ExperimentPermission.from_json` and `RegisteredModelPermission.from_json` do (each key read with
 * `dictionary[key]`: a missing key is a KeyError).
 */
import { PythonRestClient } from './python-client-wire.js';

export class KeyError extends Error {}

function key(dictionary: Record<string, unknown>, name: string): unknown {
  if (!(name in dictionary)) throw new KeyError(`KeyError: '${name}'`);
  return dictionary[name];
}

export interface PyExperimentPermission {
  experimentId: unknown;
  userId: unknown;
  permission: unknown;
}
export interface PyRegisteredModelPermission {
  name: unknown;
  userId: unknown;
  permission: unknown;
}
export interface PyUser {
  id: unknown;
  username: unknown;
  passwordHash: 'REDACTED';
  isAdmin: unknown;
  experimentPermissions: PyExperimentPermission[];
  registeredModelPermissions: PyRegisteredModelPermission[];
}

const experimentPermissionFromJson = (d: Record<string, unknown>): PyExperimentPermission => ({
  experimentId: key(d, 'experiment_id'),
  userId: key(d, 'user_id'),
  permission: key(d, 'permission'),
});
const registeredModelPermissionFromJson = (d: Record<string, unknown>): PyRegisteredModelPermission => ({
  name: key(d, 'name'),
  userId: key(d, 'user_id'),
  permission: key(d, 'permission'),
});
const userFromJson = (d: Record<string, unknown>): PyUser => ({
  id: key(d, 'id'),
  username: key(d, 'username'),
  passwordHash: 'REDACTED',
  isAdmin: key(d, 'is_admin'),
  experimentPermissions: (key(d, 'experiment_permissions') as Array<Record<string, unknown>>).map(experimentPermissionFromJson),
  registeredModelPermissions: (key(d, 'registered_model_permissions') as Array<Record<string, unknown>>).map(registeredModelPermissionFromJson),
});

/** Routes of `mlflow/server/auth/routes.py` (`_get_rest_path`: under /api/2.0). */
const ROUTES = {
  createUser: '/api/2.0/mlflow/users/create',
  getUser: '/api/2.0/mlflow/users/get',
  updateUserPassword: '/api/2.0/mlflow/users/update-password',
  updateUserAdmin: '/api/2.0/mlflow/users/update-admin',
  deleteUser: '/api/2.0/mlflow/users/delete',
  createExperimentPermission: '/api/2.0/mlflow/experiments/permissions/create',
  getExperimentPermission: '/api/2.0/mlflow/experiments/permissions/get',
  updateExperimentPermission: '/api/2.0/mlflow/experiments/permissions/update',
  deleteExperimentPermission: '/api/2.0/mlflow/experiments/permissions/delete',
  createRegisteredModelPermission: '/api/2.0/mlflow/registered-models/permissions/create',
  getRegisteredModelPermission: '/api/2.0/mlflow/registered-models/permissions/get',
  updateRegisteredModelPermission: '/api/2.0/mlflow/registered-models/permissions/update',
  deleteRegisteredModelPermission: '/api/2.0/mlflow/registered-models/permissions/delete',
} as const;

export class PythonAuthServiceClient {
  constructor(readonly client: PythonRestClient) {}

  /** `AuthServiceClient._request`: `http_request_safe(...)` then `resp.json()`. */
  private async request(endpoint: string, method: string, kwargs: { json?: Record<string, unknown>; params?: Record<string, unknown> }): Promise<Record<string, unknown>> {
    const url = `${this.client.trackingUri.replace(/\/$/, '')}${endpoint}`;
    const answer = await this.client.httpRequest(method, url, kwargs);
    return PythonRestClient.verifyRestResponse(answer, endpoint) as Record<string, unknown>;
  }

  async createUser(username: string, password: string): Promise<PyUser> {
    return userFromJson(key(await this.request(ROUTES.createUser, 'POST', { json: { username, password } }), 'user') as Record<string, unknown>);
  }
  async getUser(username: string): Promise<PyUser> {
    return userFromJson(key(await this.request(ROUTES.getUser, 'GET', { params: { username } }), 'user') as Record<string, unknown>);
  }
  async updateUserPassword(username: string, password: string): Promise<void> {
    await this.request(ROUTES.updateUserPassword, 'PATCH', { json: { username, password } });
  }
  async updateUserAdmin(username: string, isAdmin: boolean): Promise<void> {
    await this.request(ROUTES.updateUserAdmin, 'PATCH', { json: { username, is_admin: isAdmin } });
  }
  async deleteUser(username: string): Promise<void> {
    await this.request(ROUTES.deleteUser, 'DELETE', { json: { username } });
  }
  async createExperimentPermission(experimentId: string, username: string, permission: string): Promise<PyExperimentPermission> {
    const resp = await this.request(ROUTES.createExperimentPermission, 'POST', { json: { experiment_id: experimentId, username, permission } });
    return experimentPermissionFromJson(key(resp, 'experiment_permission') as Record<string, unknown>);
  }
  async getExperimentPermission(experimentId: string, username: string): Promise<PyExperimentPermission> {
    const resp = await this.request(ROUTES.getExperimentPermission, 'GET', { params: { experiment_id: experimentId, username } });
    return experimentPermissionFromJson(key(resp, 'experiment_permission') as Record<string, unknown>);
  }
  async updateExperimentPermission(experimentId: string, username: string, permission: string): Promise<void> {
    await this.request(ROUTES.updateExperimentPermission, 'PATCH', { json: { experiment_id: experimentId, username, permission } });
  }
  async deleteExperimentPermission(experimentId: string, username: string): Promise<void> {
    await this.request(ROUTES.deleteExperimentPermission, 'DELETE', { json: { experiment_id: experimentId, username } });
  }
  async createRegisteredModelPermission(name: string, username: string, permission: string): Promise<PyRegisteredModelPermission> {
    const resp = await this.request(ROUTES.createRegisteredModelPermission, 'POST', { json: { name, username, permission } });
    return registeredModelPermissionFromJson(key(resp, 'registered_model_permission') as Record<string, unknown>);
  }
  async getRegisteredModelPermission(name: string, username: string): Promise<PyRegisteredModelPermission> {
    const resp = await this.request(ROUTES.getRegisteredModelPermission, 'GET', { params: { name, username } });
    return registeredModelPermissionFromJson(key(resp, 'registered_model_permission') as Record<string, unknown>);
  }
  async updateRegisteredModelPermission(name: string, username: string, permission: string): Promise<void> {
    await this.request(ROUTES.updateRegisteredModelPermission, 'PATCH', { json: { name, username, permission } });
  }
  async deleteRegisteredModelPermission(name: string, username: string): Promise<void> {
    await this.request(ROUTES.deleteRegisteredModelPermission, 'DELETE', { json: { name, username } });
  }
}
