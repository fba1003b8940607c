import { defineArtifactRepository } from '@orrery/core';
import { SftpArtifactRepository } from './sftp-artifact-repository.js';

/** The `sftp` artifact repository: `sftp://user@host:port/path` on an SSH server's SFTP subsystem. */
export default defineArtifactRepository({
  schemes: ['sftp'],
  async create({ uri, logger }) {
    return new SftpArtifactRepository(uri, { logger });
  },
});
