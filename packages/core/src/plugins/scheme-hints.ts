import type { PluginKind } from './definitions.js';
import { pluginKindOf } from './plugin-kind.js';

/*
 * Which package provides a well-known scheme, so an "unknown scheme" error can say what to install.
 * Only hints, declared with each kind (`PluginKindSpec.hints`): discovery never relies on them.
 */

/** The package that would serve `scheme` for `kind`, if it is a well-known one. */
export function packageForScheme(kind: PluginKind, scheme: string): string | undefined {
  return pluginKindOf(kind)?.hints?.find((h) => h.schemes?.includes(scheme) === true)?.packageName;
}

/** The package that would serve a URI of `scheme` on `host` (lower case) for `kind`, if it is a well-known host. */
export function packageForUri(kind: PluginKind, scheme: string, host: string): string | undefined {
  return pluginKindOf(kind)?.hints?.find((h) => h.hosts !== undefined && h.hosts.scheme === scheme && h.hosts.domains.some((d) => host.endsWith(`.${d}`)))
    ?.packageName;
}
