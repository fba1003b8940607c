/**
 * The artifact proxy's messages (MLflow's mlflow_artifacts.proto): listing a folder and the
 * multipart upload calls. `FileInfo` itself is in `tracking-messages.ts`, shared with the
 * tracking API's `artifacts/list`.
 */
import { int64Field, listOf, messageObject, stringField } from './json-schema.js';
import { FileInfo } from './tracking-messages.js';

export const ListArtifactsResponse = messageObject('ListArtifactsResponse', { files: listOf(FileInfo) });
export const MultipartUploadCredential = messageObject('MultipartUploadCredential', {
  url: stringField('Where the client PUTs this part\'s bytes.'),
  part_number: int64Field(),
  headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Headers to send with the PUT.' },
});
export const CreateMultipartUploadResponse = messageObject('CreateMultipartUploadResponse', {
  upload_id: stringField(),
  credentials: listOf(MultipartUploadCredential),
});
