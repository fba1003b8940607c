import fs from 'node:fs/promises';
import { defineArtifactRepository, errors, pluginOptionsFromEnv, type PluginOptionsSchema } from '@orrery/core';
import { FtpArtifactRepository } from './ftp-artifact-repository.js';
import { FTP_ENV } from './ftp-location.js';

const PACKAGE_NAME = '@orrery/plugin-ftp';

/**
 * The FTP plugin's options: the configuration file's `plugins["@orrery/plugin-ftp"]`, each falling
 * back to its `ORRERY_FTP_*` variable. Core checks them before `create`.
 */
export const FTP_OPTIONS: PluginOptionsSchema = {
  user: { type: 'string', env: FTP_ENV.user, description: 'User name when the URI names none (default anonymous).' },
  password: { type: 'string', env: FTP_ENV.password, secret: true, description: 'Password when the URI holds none: keeps it out of stored artifact URIs.' },
  maxConnections: { type: 'integer', env: FTP_ENV.maxConnections, min: 1, max: 64, description: 'Most connections one repository opens at a time (default 4).' },
  renameThresholdMb: {
    type: 'number',
    env: FTP_ENV.renameThresholdMb,
    min: 0,
    allowed: 'a number of MiB, 0 or more (e.g. 16 or 0.5)',
    description: 'Files of at least this many MiB (default 16) upload to a temporary name and are renamed into place; 0 for every file.',
  },
  caFile: { type: 'string', env: FTP_ENV.caFile, description: 'A PEM file of certificate authorities to trust for ftps://.' },
};

interface FtpOptions {
  user?: string;
  password?: string;
  maxConnections?: number;
  renameThresholdMb?: number;
  caFile?: string;
}

/**
 * The `ftp` and `ftps` artifact repositories. Options (see `FTP_OPTIONS`): the user and password
 * used when the URI has none, the connection limit, the rename threshold and extra certificate
 * authorities for `ftps`.
 */
export default defineArtifactRepository({
  schemes: ['ftp', 'ftps'],
  options: FTP_OPTIONS,
  async create({ uri, logger, options }) {
    const o = (options ?? pluginOptionsFromEnv(PACKAGE_NAME, FTP_OPTIONS, process.env)) as FtpOptions;
    let ca: Buffer | undefined;
    if (o.caFile !== undefined && o.caFile !== '') {
      try {
        ca = await fs.readFile(o.caFile);
      } catch (error) {
        throw errors.invalidParameter(
          `${FTP_ENV.caFile} (option "caFile" of ${PACKAGE_NAME}) names '${o.caFile}', which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
        );
      }
    }
    return new FtpArtifactRepository(uri, {
      logger: logger.child({ artifactRepository: 'ftp' }),
      // The credentials used when the URI carries none, in the form the location parser reads.
      env: { [FTP_ENV.user]: o.user, [FTP_ENV.password]: o.password },
      ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections } : {}),
      ...(o.renameThresholdMb !== undefined ? { renameThresholdBytes: Math.round(o.renameThresholdMb * 1024 * 1024) } : {}),
      ...(ca !== undefined ? { tls: { ca } } : {}),
    });
  },
});
