import { DEFAULT_STORE_PACKAGE, discoverPlugins, type DiscoverOptions, type PluginRegistry } from '@orrery/core';

/**
 * The plugin packages the client depends on: its own (the REST stores and the built-in run-context
 * providers, declared in its `"orrery"` field) and local-disk artifacts. SQLite is not among them:
 * it builds a native module, so an app that only talks HTTP installs `@orrery/client` alone. The
 * default `./orrery.db` store works wherever `@orrery/plugin-sqlite` is installed (the CLI depends
 * on it; an app adds it), found by the ordinary node_modules scan.
 */
export const BUILTIN_PLUGIN_PACKAGES = ['@orrery/client', '@orrery/plugin-local'] as const;

/** The plugin the embedded default tracking URI (`./orrery.db`) needs; the CLI depends on it. */
export const DEFAULT_STORE_PLUGIN_PACKAGE = DEFAULT_STORE_PACKAGE;

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
