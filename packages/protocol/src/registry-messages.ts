/**
 * The model registry messages of MLflow's model_registry.proto, as JSON Schemas. Response
 * messages list their properties in proto field order, which is the order `registry-codec.ts`
 * writes them in (the server's serializer keeps the schema's order).
 */
import { int64Field, listOf, messageObject, requestObject, stringField, type JsonSchema } from './json-schema.js';

/** model_registry.proto's `ModelVersionStatus`, in enum-number order (1, 2, 3). */
export const MODEL_VERSION_STATUS_NAMES = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] as const;

export const RegisteredModelTag = messageObject('RegisteredModelTag', { key: stringField(), value: stringField() });
export const ModelVersionTag = messageObject('ModelVersionTag', { key: stringField(), value: stringField() });
export const RegisteredModelAlias = messageObject('RegisteredModelAlias', { alias: stringField(), version: stringField() });
export const ModelVersion = messageObject('ModelVersion', {
  name: stringField(),
  version: stringField('The version number, as a decimal string.'),
  creation_timestamp: int64Field('Milliseconds since the epoch.'),
  last_updated_timestamp: int64Field('Milliseconds since the epoch.'),
  user_id: stringField(),
  current_stage: stringField('`None`, `Staging`, `Production` or `Archived`.'),
  description: stringField(),
  source: stringField('Where the model\'s files are (a URI).'),
  run_id: stringField(),
  status: { type: 'string', enum: MODEL_VERSION_STATUS_NAMES },
  status_message: stringField(),
  tags: listOf(ModelVersionTag),
  run_link: stringField(),
  aliases: listOf(stringField()),
});
export const RegisteredModel = messageObject('RegisteredModel', {
  name: stringField(),
  creation_timestamp: int64Field('Milliseconds since the epoch.'),
  last_updated_timestamp: int64Field('Milliseconds since the epoch.'),
  user_id: stringField(),
  description: stringField(),
  latest_versions: listOf(ModelVersion, 'The latest version in each stage.'),
  tags: listOf(RegisteredModelTag),
  aliases: listOf(RegisteredModelAlias),
});

/** Every named registry message, by name (for the OpenAPI document's `components.schemas`). */
export const REGISTRY_MESSAGE_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  RegisteredModel,
  RegisteredModelTag,
  RegisteredModelAlias,
  ModelVersion,
  ModelVersionTag,
};

/** A tag in a registry request: the key is required, an absent value is the empty string. */
export const RequestRegistryTag = requestObject('RegistryTag', { key: stringField(), value: stringField() }, ['key']);
/** A version number in a request: MLflow's clients send a string, some send a JSON integer. */
export const requestVersion = (description = 'The version number.'): JsonSchema => ({
  anyOf: [{ type: 'string' }, { type: 'integer' }],
  description,
});
