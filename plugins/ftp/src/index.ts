export {
  DEFAULT_RENAME_THRESHOLD_BYTES,
  FtpArtifactRepository,
  FTP_UPLOAD_TEMP_PREFIX,
  type FtpArtifactRepositoryOptions,
} from './ftp-artifact-repository.js';
export { FtpConnectionPool, type FtpConnectionPoolOptions, type FtpLease } from './ftp-connection-pool.js';
export { FTP_ENV, parseFtpUri, remotePathOf, type FtpLocation } from './ftp-location.js';
export { translateFtpError, isConnectionFailure } from './ftp-errors.js';
export { default as ftpArtifactRepositoryDefinition, FTP_OPTIONS } from './ftp-plugin.js';
