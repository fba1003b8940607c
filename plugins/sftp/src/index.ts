export { SftpArtifactRepository, UPLOAD_TEMP_PREFIX } from './sftp-artifact-repository.js';
export type { SftpArtifactRepositoryOptions } from './sftp-artifact-repository.js';
export { parseSftpLocation, remotePathOf, DEFAULT_KEY_NAMES } from './sftp-location.js';
export type { SftpLocation } from './sftp-location.js';
export { SftpConnectionManager, SftpConnectionLostError, isConnectionError } from './sftp-connection.js';
export type { SftpSession } from './sftp-connection.js';
export {
  appendKnownHost,
  hostFieldMatches,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
  readKnownHosts,
  sha256Fingerprint,
  verifyHostKey,
} from './known-hosts.js';
export type { HostKeyVerdict, KnownHostEntry } from './known-hosts.js';
export { default as sftpArtifactRepositoryDefinition, SFTP_OPTIONS } from './sftp-plugin.js';
