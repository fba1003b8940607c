/**
 * Messages of the basic-auth app's routes (MLflow's `mlflow/server/auth` entities' JSON) and of
 * Orrery's token and audit routes. Unlike the protobuf messages, MLflow's auth answers always carry
 * their lists, empty ones included.
 */
import { listOf, messageObject, requestInt64, requestObject, stringField, type JsonSchema } from './json-schema.js';

const integer = (description?: string): JsonSchema => ({ type: 'integer', ...(description ? { description } : {}) });
const PERMISSION_NAMES = ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'] as const;
const permission = (): JsonSchema => ({ type: 'string', enum: PERMISSION_NAMES });

export const ExperimentPermissionMessage = messageObject('ExperimentPermission', {
  experiment_id: stringField(),
  user_id: integer(),
  permission: permission(),
});
export const RegisteredModelPermissionMessage = messageObject('RegisteredModelPermission', {
  name: stringField(),
  user_id: integer(),
  permission: permission(),
});
export const UserMessage = messageObject('User', {
  id: integer(),
  username: stringField(),
  is_admin: { type: 'boolean' },
  experiment_permissions: listOf(ExperimentPermissionMessage),
  registered_model_permissions: listOf(RegisteredModelPermissionMessage),
});
export const ApiTokenMessage = messageObject('ApiToken', {
  id: stringField('Public id; the token string is `orr_<id>_<secret>`.'),
  name: stringField(),
  username: stringField(),
  created_at: integer('Milliseconds since the epoch.'),
  expires_at: integer('Milliseconds since the epoch; absent: never expires.'),
  revoked_at: integer('Milliseconds since the epoch; absent: not revoked.'),
});
export const AuditEntryMessage = messageObject('AuditEntry', {
  seq: integer(),
  timestamp: integer('Milliseconds since the epoch.'),
  username: stringField('Absent when the request carried no valid credentials.'),
  action: stringField('The route, e.g. `POST /api/2.0/mlflow/runs/create`.'),
  resource: stringField('e.g. `experiment:1`, `registered_model:rm1`, `user:bob`.'),
  status: integer('HTTP status of the answer.'),
  remote_address: stringField(),
});

const permissionField = (): JsonSchema => ({ type: 'string', enum: PERMISSION_NAMES, description: 'READ, EDIT, MANAGE or NO_PERMISSIONS.' });

export const AUTH_REQUESTS = {
  createUser: requestObject('CreateUser', { username: stringField(), password: stringField() }, ['username', 'password']),
  getUser: requestObject('GetUser', { username: stringField() }, ['username']),
  updatePassword: requestObject('UpdateUserPassword', { username: stringField(), password: stringField() }, ['username', 'password']),
  updateAdmin: requestObject('UpdateUserAdmin', { username: stringField(), is_admin: { type: 'boolean' } }, ['username', 'is_admin']),
  deleteUser: requestObject('DeleteUser', { username: stringField() }, ['username']),
  experimentPermission: requestObject('ExperimentPermissionRequest', { experiment_id: stringField(), username: stringField(), permission: permissionField() }, [
    'experiment_id',
    'username',
    'permission',
  ]),
  experimentPermissionKey: requestObject('ExperimentPermissionKey', { experiment_id: stringField(), username: stringField() }, ['experiment_id', 'username']),
  registeredModelPermission: requestObject('RegisteredModelPermissionRequest', { name: stringField(), username: stringField(), permission: permissionField() }, [
    'name',
    'username',
    'permission',
  ]),
  registeredModelPermissionKey: requestObject('RegisteredModelPermissionKey', { name: stringField(), username: stringField() }, ['name', 'username']),
  createToken: requestObject('CreateApiToken', {
    name: stringField('A label, e.g. `ci`.'),
    lifetime_days: requestInt64('Days until it expires; default the server\'s token_default_lifetime_days.', { minimum: 0 }),
    username: stringField('Whose token; default the caller (admins may name another user).'),
  }),
  listTokens: requestObject('ListApiTokens', { username: stringField('Whose tokens; default the caller (admins may name another user).') }),
  revokeToken: requestObject('RevokeApiToken', { id: stringField() }, ['id']),
  listAudit: requestObject('ListAudit', {
    after_seq: requestInt64('Only entries after this sequence number.', { minimum: 0 }),
    username: stringField(),
    max_results: requestInt64(undefined, { minimum: 1, maximum: 10_000 }),
  }),
} as const;

export const AUTH_RESPONSES = {
  user: messageObject('UserResponse', { user: UserMessage }),
  experimentPermission: messageObject('ExperimentPermissionResponse', { experiment_permission: ExperimentPermissionMessage }),
  registeredModelPermission: messageObject('RegisteredModelPermissionResponse', { registered_model_permission: RegisteredModelPermissionMessage }),
  createdToken: messageObject('CreateApiTokenResponse', { token: stringField('The token string; shown only here.'), api_token: ApiTokenMessage }),
  tokens: messageObject('ListApiTokensResponse', { api_tokens: listOf(ApiTokenMessage) }),
  audit: messageObject('ListAuditResponse', { entries: listOf(AuditEntryMessage), next_after_seq: integer('Pass as after_seq for the next page.') }),
} as const;
