/**
 * The basic-auth app's routes from TypeScript: MLflow's users and permission routes (what
 * MLflow's `AuthServiceClient` calls) and Orrery's API token and audit routes. Errors arrive as
 * OrreryError with the server's code and message (UNAUTHENTICATED for 401, PERMISSION_DENIED for
 * 403, REQUEST_LIMIT_EXCEEDED for 429 once the transport's retries are spent).
 */
import type { ExperimentPermission, Permission, RegisteredModelPermission, StoredAuditEntry } from '@orrery/core';
import {
  apiTokenFromWire as tokenFromWire,
  auditEntryFromWire as auditFromWire,
  experimentPermissionFromWire,
  registeredModelPermissionFromWire,
  userFromWire,
  type RemoteApiToken,
  type RemoteUser,
  type WireMessage as Wire,
} from '@orrery/protocol';
import { RestTransport, transportOptionsFromEnv, type RestTransportOptions } from './rest-transport.js';

export type { RemoteApiToken, RemoteUser };

const API = '/api/2.0/mlflow';
const ORRERY = '/api/2.0/orrery';

export class RestAuthClient {
  readonly transport: RestTransport;

  /** `baseUrl` and credentials as for the tracking client; credentials default to the environment (MLFLOW_TRACKING_USERNAME, ...). */
  constructor(options: RestTransportOptions | RestTransport) {
    this.transport = options instanceof RestTransport ? options : new RestTransport({ ...transportOptionsFromEnv(), ...options });
  }

  // ---- users ----
  async createUser(username: string, password: string): Promise<RemoteUser> {
    return userFromWire((await this.transport.json({ method: 'POST', path: `${API}/users/create`, json: { username, password }, idempotent: false })).user as Wire);
  }
  async getUser(username: string): Promise<RemoteUser> {
    return userFromWire((await this.transport.json({ method: 'GET', path: `${API}/users/get`, query: { username }, idempotent: true })).user as Wire);
  }
  async updateUserPassword(username: string, password: string): Promise<void> {
    await this.transport.json({ method: 'PATCH', path: `${API}/users/update-password`, json: { username, password }, idempotent: true });
  }
  async updateUserAdmin(username: string, isAdmin: boolean): Promise<void> {
    await this.transport.json({ method: 'PATCH', path: `${API}/users/update-admin`, json: { username, is_admin: isAdmin }, idempotent: true });
  }
  async deleteUser(username: string): Promise<void> {
    await this.transport.json({ method: 'DELETE', path: `${API}/users/delete`, json: { username }, idempotent: false });
  }

  // ---- permissions ----
  async createExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<ExperimentPermission> {
    const body = await this.transport.json({ method: 'POST', path: `${API}/experiments/permissions/create`, json: { experiment_id: experimentId, username, permission }, idempotent: false });
    return experimentPermissionFromWire(body.experiment_permission as Wire);
  }
  async getExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission> {
    const body = await this.transport.json({ method: 'GET', path: `${API}/experiments/permissions/get`, query: { experiment_id: experimentId, username }, idempotent: true });
    return experimentPermissionFromWire(body.experiment_permission as Wire);
  }
  async updateExperimentPermission(experimentId: string, username: string, permission: Permission): Promise<void> {
    await this.transport.json({ method: 'PATCH', path: `${API}/experiments/permissions/update`, json: { experiment_id: experimentId, username, permission }, idempotent: true });
  }
  async deleteExperimentPermission(experimentId: string, username: string): Promise<void> {
    await this.transport.json({ method: 'DELETE', path: `${API}/experiments/permissions/delete`, json: { experiment_id: experimentId, username }, idempotent: false });
  }
  async createRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<RegisteredModelPermission> {
    const body = await this.transport.json({ method: 'POST', path: `${API}/registered-models/permissions/create`, json: { name, username, permission }, idempotent: false });
    return registeredModelPermissionFromWire(body.registered_model_permission as Wire);
  }
  async getRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission> {
    const body = await this.transport.json({ method: 'GET', path: `${API}/registered-models/permissions/get`, query: { name, username }, idempotent: true });
    return registeredModelPermissionFromWire(body.registered_model_permission as Wire);
  }
  async updateRegisteredModelPermission(name: string, username: string, permission: Permission): Promise<void> {
    await this.transport.json({ method: 'PATCH', path: `${API}/registered-models/permissions/update`, json: { name, username, permission }, idempotent: true });
  }
  async deleteRegisteredModelPermission(name: string, username: string): Promise<void> {
    await this.transport.json({ method: 'DELETE', path: `${API}/registered-models/permissions/delete`, json: { name, username }, idempotent: false });
  }

  // ---- API tokens ----
  /** Creates a token for the caller (or, for admins, `username`); `token` is the secret string, shown only here. */
  async createToken(options: { name?: string; lifetimeDays?: number; username?: string } = {}): Promise<{ token: string; info: RemoteApiToken }> {
    const body = await this.transport.json({
      method: 'POST',
      path: `${ORRERY}/tokens/create`,
      json: { name: options.name, lifetime_days: options.lifetimeDays, username: options.username },
      idempotent: false,
    });
    return { token: String(body.token), info: tokenFromWire(body.api_token as Wire) };
  }
  async listTokens(username?: string): Promise<RemoteApiToken[]> {
    const body = await this.transport.json({ method: 'GET', path: `${ORRERY}/tokens/list`, query: { username }, idempotent: true });
    return ((body.api_tokens ?? []) as Wire[]).map(tokenFromWire);
  }
  async revokeToken(id: string): Promise<void> {
    await this.transport.json({ method: 'POST', path: `${ORRERY}/tokens/revoke`, json: { id }, idempotent: true });
  }

  // ---- audit ----
  /** Audit entries, oldest first (admins). */
  async listAudit(options: { afterSeq?: number; username?: string; maxResults?: number } = {}): Promise<StoredAuditEntry[]> {
    const body = await this.transport.json({
      method: 'GET',
      path: `${ORRERY}/audit/list`,
      query: { after_seq: options.afterSeq, username: options.username, max_results: options.maxResults },
      idempotent: true,
    });
    return ((body.entries ?? []) as Wire[]).map(auditFromWire);
  }
}
