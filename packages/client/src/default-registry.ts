import { discoverPlugins, type DiscoverOptions, type PluginRegistry } from '@orrery/core';

/**
 * The plugin packages the client depends on, so a plain `npm install @orrery/client` can track to
 * SQLite and store artifacts on local disk without installing anything else. The client package
 * itself is listed too: it declares the built-in run-context providers in its own `"orrery"` field.
 */
export const BUILTIN_PLUGIN_PACKAGES = ['@orrery/client', '@orrery/plugin-sqlite', '@orrery/plugin-local'] as const;

/**
 * Discovers installed plugins (from the working directory's node_modules chain), making sure the
 * client's own dependencies are found wherever the client is installed.
 */
export async function discoverDefaultRegistry(): Promise<PluginRegistry> {
  return discoverPlugins(defaultDiscoverOptions());
}

/** The discovery options of a client container: the client's own default plugins are built-ins. */
export function defaultDiscoverOptions(): DiscoverOptions {
  return { builtinPackages: { from: import.meta.url, names: BUILTIN_PLUGIN_PACKAGES } };
}
