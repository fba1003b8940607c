/** Every named message of the protocol, for an OpenAPI document's `components.schemas`. */
import { CreateMultipartUploadResponse, ListArtifactsResponse, MultipartUploadCredential } from './artifact-messages.js';
import type { JsonSchema } from './json-schema.js';
import { REGISTRY_MESSAGE_SCHEMAS } from './registry-messages.js';
import { TRACKING_MESSAGE_SCHEMAS } from './tracking-messages.js';

/**
 * Tracking, registry and artifact proxy messages by name. A schema object listed here is written once in the
 * document and referenced (`$ref`) wherever a route's schema contains that same object.
 */
export const MESSAGE_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  ...TRACKING_MESSAGE_SCHEMAS,
  ...REGISTRY_MESSAGE_SCHEMAS,
  ListArtifactsResponse,
  MultipartUploadCredential,
  CreateMultipartUploadResponse,
};
