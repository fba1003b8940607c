import fs from 'node:fs/promises';
import { defineArtifactRepository, errors } from '@orrery/core';
import { FtpArtifactRepository } from './ftp-artifact-repository.js';
import { FTP_ENV } from './ftp-location.js';

/**
 * The `ftp` and `ftps` artifact repositories. Reads, besides the URI: `ORRERY_FTP_USER` and
 * `ORRERY_FTP_PASSWORD` (when the URI has no credentials), `ORRERY_FTP_MAX_CONNECTIONS`,
 * `ORRERY_FTP_RENAME_THRESHOLD_MB` and `ORRERY_FTPS_CA_FILE` (extra certificate authorities for
 * `ftps`).
 */
export default defineArtifactRepository({
  schemes: ['ftp', 'ftps'],
  async create({ uri, logger }) {
    const maxConnections = readMaxConnections(process.env[FTP_ENV.maxConnections]);
    const renameThresholdBytes = readRenameThreshold(process.env[FTP_ENV.renameThresholdMb]);
    const caFile = process.env[FTP_ENV.caFile];
    let ca: Buffer | undefined;
    if (caFile !== undefined && caFile !== '') {
      try {
        ca = await fs.readFile(caFile);
      } catch (error) {
        throw errors.invalidParameter(
          `${FTP_ENV.caFile} names '${caFile}', which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
        );
      }
    }
    return new FtpArtifactRepository(uri, {
      logger: logger.child({ artifactRepository: 'ftp' }),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(renameThresholdBytes !== undefined ? { renameThresholdBytes } : {}),
      ...(ca !== undefined ? { tls: { ca } } : {}),
    });
  },
});

function readMaxConnections(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 64) {
    throw errors.invalidParameter(`${FTP_ENV.maxConnections} must be an integer from 1 to 64, not '${value}'.`);
  }
  return parsed;
}

function readRenameThreshold(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw errors.invalidParameter(`${FTP_ENV.renameThresholdMb} must be a number of MiB, 0 or more (e.g. 16 or 0.5), not '${value}'.`);
  }
  return Math.round(parsed * 1024 * 1024);
}
