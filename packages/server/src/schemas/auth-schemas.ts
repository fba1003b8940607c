/** The auth routes' message schemas live in `@orrery/protocol`; re-exported for the server's routes. */
export {
  ApiTokenMessage,
  AUTH_REQUESTS,
  AUTH_RESPONSES,
  AuditEntryMessage,
  ExperimentPermissionMessage,
  RegisteredModelPermissionMessage,
  UserMessage,
} from '@orrery/protocol';
