import type { PluginOptionsSchema } from '@orrery/core';

/**
 * The Redis plugin's options (one set for its tracking, registry and auth stores): the
 * configuration file's `plugins["@orrery/plugin-redis"]`, each falling back to its variable.
 */
export const REDIS_OPTIONS: PluginOptionsSchema = {
  sentinelPassword: {
    type: 'string',
    env: 'ORRERY_REDIS_SENTINEL_PASSWORD',
    secret: true,
    description: 'Password of the Sentinel nodes (kept out of the URI).',
  },
};

/**
 * The environment the connection code reads, built from the checked options; undefined when the
 * plugin was created without options (directly, in a test), so the connection reads `process.env`.
 */
export function redisEnvFromOptions(options: Record<string, unknown> | undefined): { env?: Record<string, string | undefined> } {
  if (options === undefined) return {};
  return { env: { ORRERY_REDIS_SENTINEL_PASSWORD: options.sentinelPassword as string | undefined } };
}
