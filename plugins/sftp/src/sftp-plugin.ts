import { defineArtifactRepository, pluginOptionsFromEnv, type PluginOptionsSchema } from '@orrery/core';
import { SftpArtifactRepository } from './sftp-artifact-repository.js';

const PACKAGE_NAME = '@orrery/plugin-sftp';

/**
 * The SFTP plugin's options: the configuration file's `plugins["@orrery/plugin-sftp"]`, each
 * falling back to its variable. A URI's own `key_path`, `known_hosts` and `trust_on_first_use`
 * parameters still take precedence (on a server, only in trusted roots; see docs/security.md).
 */
export const SFTP_OPTIONS: PluginOptionsSchema = {
  password: { type: 'string', env: 'ORRERY_SFTP_PASSWORD', secret: true, description: 'Password when the URI holds none.' },
  keyPath: { type: 'string', env: 'ORRERY_SFTP_KEY_PATH', description: 'Private key file to log in with.' },
  keyPassphrase: { type: 'string', env: 'ORRERY_SFTP_KEY_PASSPHRASE', secret: true, description: 'Passphrase of every key tried.' },
  knownHosts: { type: 'string', env: 'ORRERY_SFTP_KNOWN_HOSTS', description: 'known_hosts file (default ~/.ssh/known_hosts).' },
  trustOnFirstUse: { type: 'boolean', env: 'ORRERY_SFTP_TRUST_ON_FIRST_USE', description: "Record an unknown server's host key on first connection." },
  useAgent: { type: 'boolean', env: 'ORRERY_SFTP_USE_AGENT', description: 'Offer the SSH agent\'s keys (default true when SSH_AUTH_SOCK is set).' },
  agentSocket: { type: 'string', env: 'SSH_AUTH_SOCK', description: "The SSH agent's socket." },
};

interface SftpOptions {
  password?: string;
  keyPath?: string;
  keyPassphrase?: string;
  knownHosts?: string;
  trustOnFirstUse?: boolean;
  useAgent?: boolean;
  agentSocket?: string;
}

/** The `sftp` artifact repository: `sftp://user@host:port/path` on an SSH server's SFTP subsystem. */
export default defineArtifactRepository({
  schemes: ['sftp'],
  options: SFTP_OPTIONS,
  async create({ uri, logger, options }) {
    const o = (options ?? pluginOptionsFromEnv(PACKAGE_NAME, SFTP_OPTIONS, process.env)) as SftpOptions;
    // The settings in the form the location parser reads; the login user still defaults to the OS user.
    const env: Record<string, string | undefined> = {
      USER: process.env.USER,
      ORRERY_SFTP_PASSWORD: o.password,
      ORRERY_SFTP_KEY_PATH: o.keyPath,
      ORRERY_SFTP_KEY_PASSPHRASE: o.keyPassphrase,
      ORRERY_SFTP_KNOWN_HOSTS: o.knownHosts,
      ORRERY_SFTP_TRUST_ON_FIRST_USE: o.trustOnFirstUse === true ? '1' : undefined,
      ORRERY_SFTP_USE_AGENT: o.useAgent === false ? '0' : undefined,
      SSH_AUTH_SOCK: o.agentSocket,
    };
    return new SftpArtifactRepository(uri, { logger, env });
  },
});
