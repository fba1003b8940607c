import type { PluginKind } from './definitions.js';

/**
 * Which package provides a well-known scheme, so an "unknown scheme" error can say what to install.
 * Only hints: discovery never relies on this table.
 */
const HINTS: ReadonlyArray<{ schemes: readonly string[]; kinds: readonly PluginKind[]; packageName: string }> = [
  { schemes: ['postgresql', 'postgres'], kinds: ['trackingStore', 'modelRegistryStore', 'authStore'], packageName: '@orrery/plugin-postgres' },
  { schemes: ['redis', 'rediss'], kinds: ['trackingStore', 'modelRegistryStore', 'authStore'], packageName: '@orrery/plugin-redis' },
  { schemes: ['sqlite'], kinds: ['trackingStore', 'modelRegistryStore', 'authStore'], packageName: '@orrery/plugin-sqlite' },
  { schemes: ['azure', 'wasbs', 'wasb', 'abfss', 'abfs'], kinds: ['artifactRepository'], packageName: '@orrery/plugin-azure-blob' },
  { schemes: ['ftp'], kinds: ['artifactRepository'], packageName: '@orrery/plugin-ftp' },
  { schemes: ['sftp'], kinds: ['artifactRepository'], packageName: '@orrery/plugin-sftp' },
  { schemes: ['file'], kinds: ['artifactRepository'], packageName: '@orrery/plugin-local' },
];

/** Well-known hosts served by a package for one scheme (the host-pattern claims of that package). */
const HOST_HINTS: ReadonlyArray<{ scheme: string; domains: readonly string[]; kinds: readonly PluginKind[]; packageName: string }> = [
  {
    scheme: 'https',
    domains: ['blob.core.windows.net', 'blob.core.chinacloudapi.cn', 'blob.core.usgovcloudapi.net'],
    kinds: ['artifactRepository'],
    packageName: '@orrery/plugin-azure-blob',
  },
];

/** The package that would serve `scheme` for `kind`, if it is a well-known one. */
export function packageForScheme(kind: PluginKind, scheme: string): string | undefined {
  return HINTS.find((h) => h.kinds.includes(kind) && h.schemes.includes(scheme))?.packageName;
}

/** The package that would serve a URI of `scheme` on `host` (lower case) for `kind`, if it is a well-known host. */
export function packageForUri(kind: PluginKind, scheme: string, host: string): string | undefined {
  return HOST_HINTS.find((h) => h.kinds.includes(kind) && h.scheme === scheme && h.domains.some((d) => host.endsWith(`.${d}`)))?.packageName;
}
