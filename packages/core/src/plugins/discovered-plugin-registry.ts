/**
 * The plugin registry built by discovery: a table of what installed packages declare, plus the
 * explicit configuration, and the lazy loading of a plugin module on first use of its scheme.
 * A URI is served by the most specific host-pattern claim matching its host, else by its scheme's
 * claim (see uri-claims.ts).
 */
import { pathToFileURL } from 'node:url';
import type { ArtifactRepository } from '../contracts/artifact-repository.js';
import type { AuthStore } from '../contracts/auth-store.js';
import type { ModelRegistryStore } from '../contracts/model-registry-store.js';
import type { ProjectBackend } from '../contracts/project-backend.js';
import type { RunContextProvider } from '../contracts/run-context-provider.js';
import type { TrackingStore } from '../contracts/tracking-store.js';
import { registryServiceFor } from '../domain/registry-service.js';
import { trackingServiceFor } from '../domain/tracking-service.js';
import type { ModelRegistryPersistence } from '../domain/registry-persistence.js';
import type { TrackingPersistence } from '../domain/tracking-persistence.js';
import { OrreryError, errors, isOrreryError } from '../errors/orrery-error.js';
import type { Logger } from '../logging/logger.js';
import { redactUri } from '../logging/logger.js';
import { uriScheme } from '../uri/tracking-uri.js';
import type {
  AuthStoreDefinition,
  MigrationResult,
  ModelRegistryStoreDefinition,
  PluginDefinition,
  PluginKind,
  RunContextProviderDefinition,
  TrackingStoreDefinition,
} from './definitions.js';
import { PLUGIN_API_VERSION, isKeyedByScheme, kindLabel, pluginKindOf, type PluginDefinitionBase } from './plugin-kind.js';
import { checkPluginOptions, rawPluginOptions, type PluginOptionSources } from './plugin-options.js';
import type { ExplicitPlugin } from './explicit-plugins.js';
import type { PluginPackage, PluginProblem } from './package-scan.js';
import type { LoadedRunContextProvider, PluginEntry, PluginRegistry } from './plugin-registry.js';
import { packageForScheme, packageForUri } from './scheme-hints.js';
import { bestHostClaim, hostOfUri, isHostClaimKey, normalizeClaimKey, parseHostClaim, type HostClaim } from './uri-claims.js';

/** One declared (kind, key) with where it comes from; several per key means a conflict. */
interface Candidate {
  kind: PluginKind;
  key: string;
  modulePath: string;
  packageName: string;
  packageVersion: string;
  builtin: boolean;
  explicit: boolean;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const kind = (value as { kind?: unknown }).kind;
  return kind === undefined ? 'an object without "kind"' : `an object of kind ${JSON.stringify(kind)}`;
}

export class DiscoveredPluginRegistry implements PluginRegistry {
  /** kind -> key -> candidates (more than one only for conflicting discovered packages). */
  private readonly table = new Map<PluginKind, Map<string, Candidate[]>>();
  /** kind -> the host-pattern keys of `table`, parsed. */
  private readonly hostClaims = new Map<PluginKind, HostClaim[]>();
  private readonly definitions = new Map<string, Promise<PluginDefinitionBase>>();
  /** `package\0kind\0module` -> the claim keys its package.json gives that module (compared with the definition's). */
  private readonly declaredClaims = new Map<string, Set<string>>();
  private providersLoad: Promise<LoadedRunContextProvider[]> | undefined;

  constructor(
    packages: readonly PluginPackage[],
    explicit: readonly ExplicitPlugin[],
    private readonly discoveryProblems: readonly PluginProblem[],
    private readonly logger: Logger,
    private readonly optionSources: PluginOptionSources = {},
  ) {
    for (const pkg of packages) {
      for (const d of pkg.declared) {
        this.add({ kind: d.kind, key: d.key, modulePath: d.modulePath, packageName: pkg.name, packageVersion: pkg.version, builtin: pkg.builtin, explicit: false });
        const id = claimsId(pkg.name, d.kind, d.modulePath);
        this.declaredClaims.set(id, (this.declaredClaims.get(id) ?? new Set<string>()).add(d.key));
      }
    }
    // Explicit entries replace whatever discovery found for the same kind and key.
    for (const e of explicit) {
      this.keys(e.kind).set(e.key, [
        { kind: e.kind, key: e.key, modulePath: e.modulePath, packageName: e.packageName, packageVersion: e.packageVersion, builtin: false, explicit: true },
      ]);
    }
    for (const kind of this.table.keys()) {
      if (!isKeyedByScheme(kind)) continue;
      const claims: HostClaim[] = [];
      for (const key of this.table.get(kind)?.keys() ?? []) {
        const claim = isHostClaimKey(key) ? parseHostClaim(key) : undefined;
        if (claim !== undefined && !('error' in claim)) claims.push(claim);
      }
      this.hostClaims.set(kind, claims);
    }
  }

  private keys(kind: PluginKind): Map<string, Candidate[]> {
    let byKey = this.table.get(kind);
    if (!byKey) {
      byKey = new Map();
      this.table.set(kind, byKey);
    }
    return byKey;
  }

  private add(candidate: Candidate): void {
    const byKey = this.keys(candidate.kind);
    const list = byKey.get(candidate.key) ?? [];
    // The same package declaring one key twice (e.g. two aliases to one module) is not a conflict.
    if (!list.some((c) => c.packageName === candidate.packageName)) list.push(candidate);
    byKey.set(candidate.key, list);
  }

  list(): PluginEntry[] {
    // One entry per (package, kind, module), carrying every scheme and host pattern that module serves.
    const grouped = new Map<string, PluginEntry>();
    for (const [kind, byKey] of this.table) {
      for (const candidates of byKey.values()) {
        for (const c of candidates) {
          const id = `${c.packageName}\0${kind}\0${c.modulePath}`;
          let entry = grouped.get(id);
          if (!entry) {
            entry = {
              kind,
              schemes: [],
              hostPatterns: [],
              packageName: c.packageName,
              packageVersion: c.packageVersion,
              modulePath: c.modulePath,
              builtin: c.builtin,
              explicit: c.explicit,
            };
            grouped.set(id, entry);
          }
          if (!isKeyedByScheme(kind)) entry.name = entry.name === undefined ? c.key : `${entry.name}, ${c.key}`;
          else if (isHostClaimKey(c.key)) entry.hostPatterns.push(c.key);
          else entry.schemes.push(c.key);
        }
      }
    }
    return [...grouped.values()]
      .map((e) => ({ ...e, schemes: [...e.schemes].sort(), hostPatterns: [...e.hostPatterns].sort() }))
      .sort(
        (a, b) =>
          a.packageName.localeCompare(b.packageName) ||
          a.kind.localeCompare(b.kind) ||
          (a.schemes[0] ?? a.hostPatterns[0] ?? a.name ?? '').localeCompare(b.schemes[0] ?? b.hostPatterns[0] ?? b.name ?? ''),
      );
  }

  problems(): PluginProblem[] {
    return [...this.discoveryProblems];
  }

  knownKeys(kind: PluginKind): string[] {
    return [...(this.table.get(kind)?.keys() ?? [])].sort();
  }

  findPlugin(kind: PluginKind, schemeOrName: string): PluginEntry | undefined {
    const normalized = normalizeClaimKey(kind, schemeOrName);
    const key = 'error' in normalized ? schemeOrName.toLowerCase() : normalized.key;
    const candidates = this.table.get(kind)?.get(key);
    if (!candidates || candidates.length === 0) return undefined;
    return this.entryOf(this.choose(kind, key, candidates));
  }

  findPluginForUri(kind: PluginKind, uri: string): PluginEntry | undefined {
    const candidates = this.table.get(kind)?.get(this.keyForUri(kind, uri));
    if (!candidates || candidates.length === 0) return undefined;
    return this.entryOf(this.choose(kind, candidates[0]!.key, candidates));
  }

  private entryOf(chosen: Candidate): PluginEntry | undefined {
    return this.list().find((e) => e.kind === chosen.kind && e.modulePath === chosen.modulePath && e.packageName === chosen.packageName);
  }

  /**
   * The key serving a URI: the most specific host-pattern claim of its scheme matching its host,
   * else its scheme (`postgresql+psycopg2` → `postgresql`; plain paths → `file`).
   */
  private keyForUri(kind: PluginKind, uri: string): string {
    const scheme = uriScheme(uri);
    const host = hostOfUri(uri);
    const claim = host === undefined ? undefined : bestHostClaim(this.hostClaims.get(kind) ?? [], scheme, host);
    return claim?.key ?? scheme;
  }

  private choose(kind: PluginKind, key: string, candidates: Candidate[]): Candidate {
    if (candidates.length > 1) {
      const names = candidates.map((c) => `${c.packageName}@${c.packageVersion}`).join(' and ');
      throw new OrreryError(
        'INVALID_STATE',
        `Two installed packages provide the ${kindLabel(kind)} "${key}": ${names}. ` +
          `Uninstall one, or pick one with explicit configuration, e.g. ORRERY_PLUGINS='{"${kind}":{"${key}":"${candidates[0]!.packageName}"}}'.`,
      );
    }
    return candidates[0]!;
  }

  /** The single plugin serving a name, or an error listing the known names. */
  private candidateForName(kind: PluginKind, name: string, what: string): Candidate {
    const candidates = this.table.get(kind)?.get(name);
    if (!candidates || candidates.length === 0) {
      const known = this.knownKeys(kind);
      throw errors.invalidParameter(
        `No ${kindLabel(kind)} plugin is installed for name "${name}" (${what}). Known names: ${known.length > 0 ? known.join(', ') : '(none)'}.`,
      );
    }
    return this.choose(kind, name, candidates);
  }

  /** The single plugin serving a URI, or an error listing what is known (and what to install). */
  private candidateForUri(kind: PluginKind, uri: string, what: string): Candidate {
    const key = this.keyForUri(kind, uri);
    const candidates = this.table.get(kind)?.get(key);
    if (candidates && candidates.length > 0) return this.choose(kind, key, candidates);
    const scheme = uriScheme(uri);
    const host = hostOfUri(uri);
    const schemes = this.knownKeys(kind).filter((k) => !isHostClaimKey(k));
    const hostClaims = (this.hostClaims.get(kind) ?? []).map((c) => c.key).sort();
    const forScheme = (this.hostClaims.get(kind) ?? []).filter((c) => c.scheme === scheme).map((c) => c.key).sort();
    const schemeHint = packageForScheme(kind, scheme);
    const hostHint = host === undefined ? undefined : packageForUri(kind, scheme, host);
    let message = `No ${kindLabel(kind)} plugin is installed for scheme "${scheme}" (${what}). Known schemes: ${schemes.length > 0 ? schemes.join(', ') : '(none)'}.`;
    if (forScheme.length > 0) {
      message += ` "${scheme}" is served only for hosts matching ${forScheme.join(', ')}${host === undefined ? ', and this URI names no host' : `, and host "${host}" matches none of them`}.`;
    } else if (hostClaims.length > 0) {
      message += ` Served for some hosts only: ${hostClaims.join(', ')}.`;
    }
    if (schemeHint !== undefined) message += ` Install ${schemeHint} to use "${scheme}".`;
    else if (hostHint !== undefined) message += ` Install ${hostHint} to use this URI.`;
    if (scheme === 'file' && (kind === 'trackingStore' || kind === 'modelRegistryStore')) {
      message +=
        " A file: URI or plain path is MLflow's file store (mlruns/), which Orrery does not open in place;" +
        ' copy it into an Orrery store with: orrery import --from <mlruns path> --to <Orrery store URI>';
    }
    throw errors.invalidParameter(message);
  }

  /** Imports a plugin module once and checks its default export. */
  private loadDefinition<D extends PluginDefinitionBase = PluginDefinition>(candidate: Candidate): Promise<D> {
    let pending = this.definitions.get(candidate.modulePath);
    if (!pending) {
      pending = this.importDefinition(candidate);
      this.definitions.set(candidate.modulePath, pending);
    }
    return pending.then((definition) => this.checkDefinition(candidate, definition)) as Promise<D>;
  }

  private async importDefinition(candidate: Candidate): Promise<PluginDefinitionBase> {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(candidate.modulePath).href)) as { default?: unknown };
    } catch (error) {
      throw new OrreryError(
        'INVALID_STATE',
        `Plugin package ${candidate.packageName} failed to load its module ${candidate.modulePath}: ${(error as Error).message ?? String(error)}`,
        { cause: error },
      );
    }
    return module.default as PluginDefinitionBase;
  }

  private checkDefinition(candidate: Candidate, definition: unknown): PluginDefinitionBase {
    const where = `Plugin package ${candidate.packageName} (module ${candidate.modulePath})`;
    if (typeof definition !== 'object' || definition === null) {
      throw new OrreryError('INVALID_STATE', `${where} must default-export a ${candidate.kind} definition (made with the define* helpers of @orrery/core); its default export is ${describeValue(definition)}.`);
    }
    const d = definition as Partial<PluginDefinitionBase>;
    if (d.kind !== candidate.kind) {
      throw new OrreryError('INVALID_STATE', `${where} is declared as a ${candidate.kind} in package.json, but its default export is ${describeValue(definition)}.`);
    }
    if (d.apiVersion !== PLUGIN_API_VERSION) {
      throw new OrreryError(
        'INVALID_STATE',
        `${where} was built for Orrery plugin API version ${String(d.apiVersion)}, but this @orrery/core supports version ${PLUGIN_API_VERSION}. Install a version of ${candidate.packageName} made for this Orrery.`,
      );
    }
    if (typeof d.create !== 'function') {
      throw new OrreryError('INVALID_STATE', `${where} has no create() function in its ${candidate.kind} definition.`);
    }
    if (!candidate.explicit) this.checkClaims(candidate, d as PluginDefinitionBase, where);
    return definition as PluginDefinitionBase;
  }

  /**
   * What package.json says a module serves must be what the module's definition says: a package
   * claiming a scheme its code does not serve (or serving one it does not claim, which discovery
   * could never route to it) is a packaging mistake, reported naming the package rather than
   * surfacing later as a wrong store. Explicit configuration is the user's choice and not checked.
   */
  private checkClaims(candidate: Candidate, definition: PluginDefinitionBase, where: string): void {
    const declared = [...(this.declaredClaims.get(claimsId(candidate.packageName, candidate.kind, candidate.modulePath)) ?? [])].sort();
    let defined: string[];
    if (isKeyedByScheme(candidate.kind)) {
      defined = [...(definition.schemes ?? []), ...(definition.hostPatterns ?? [])].map((claim) => {
        const normalized = normalizeClaimKey(candidate.kind, claim);
        return 'error' in normalized ? claim : normalized.key;
      });
    } else {
      // A definition keyed by name may leave the name to package.json.
      if (definition.name === undefined) return;
      defined = [definition.name.toLowerCase()];
    }
    defined = [...new Set(defined)].sort();
    if (declared.length === defined.length && declared.every((key, index) => key === defined[index])) return;
    const list = (keys: string[]) => (keys.length > 0 ? keys.join(', ') : '(none)');
    throw new OrreryError(
      'INVALID_STATE',
      `${where}: package.json "orrery.${candidate.kind}" claims ${list(declared)} for this module, but its definition serves ${list(defined)}. ` +
        `The package is inconsistent: make its package.json claims and its definition's ${isKeyedByScheme(candidate.kind) ? 'schemes and hostPatterns' : 'name'} the same.`,
    );
  }

  /**
   * The plugin's options: its section of the configuration file and its environment variables,
   * checked against the kind's and the definition's schemas before `create` runs.
   */
  private optionsFor(candidate: Candidate, definition: PluginDefinitionBase): Record<string, unknown> {
    const kind = pluginKindOf(candidate.kind);
    const schema = { ...kind?.optionsSchema, ...definition.options };
    const raw = rawPluginOptions(candidate.packageName, schema, this.optionSources);
    const where = { packageName: candidate.packageName, definition };
    return kind !== undefined ? kind.checkOptions(raw, where) : checkPluginOptions(raw, schema, candidate.packageName);
  }

  private async create<T>(candidate: Candidate, what: string, make: () => Promise<T> | T): Promise<T> {
    try {
      return await make();
    } catch (error) {
      if (isOrreryError(error)) throw error;
      throw new OrreryError(
        'INVALID_STATE',
        `The ${kindLabel(candidate.kind)} of plugin package ${candidate.packageName} failed to open ${what}: ${(error as Error).message ?? String(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * Loads the plugin of `candidate`, checks its options and calls its `create` with `context` plus
   * the logger and the options.
   */
  private async instantiate<T>(candidate: Candidate, what: string, context: Record<string, unknown>): Promise<T> {
    const definition = await this.loadDefinition<PluginDefinitionBase>(candidate);
    const options = this.optionsFor(candidate, definition);
    return this.create(candidate, what, () => definition.create({ ...context, options, logger: this.logger.child({ plugin: candidate.packageName }) }) as Promise<T> | T);
  }

  async openPlugin<T>(kind: PluginKind, keyOrUri: string, context: Record<string, unknown> = {}): Promise<T> {
    if (isKeyedByScheme(kind)) {
      const shown = redactUri(keyOrUri);
      const candidate = this.candidateForUri(kind, keyOrUri, `URI ${shown}`);
      return this.instantiate<T>(candidate, shown, { ...context, uri: keyOrUri });
    }
    const candidate = this.candidateForName(kind, keyOrUri.toLowerCase(), `${kindLabel(kind)} "${keyOrUri}"`);
    return this.instantiate<T>(candidate, `"${keyOrUri}"`, context);
  }

  async openTrackingStore(uri: string, options: { defaultArtifactRoot: string }): Promise<TrackingStore> {
    const shown = redactUri(uri);
    const candidate = this.candidateForUri('trackingStore', uri, `tracking URI ${shown}`);
    // A plugin may hand back a persistence port: MLflow's rules (core's services) go in front of it here.
    return trackingServiceFor(
      await this.instantiate<TrackingStore | TrackingPersistence>(candidate, shown, { uri, defaultArtifactRoot: options.defaultArtifactRoot }),
    );
  }

  async openModelRegistryStore(uri: string): Promise<ModelRegistryStore> {
    const shown = redactUri(uri);
    const candidate = this.candidateForUri('modelRegistryStore', uri, `registry URI ${shown}`);
    return registryServiceFor(await this.instantiate<ModelRegistryStore | ModelRegistryPersistence>(candidate, shown, { uri }));
  }

  async openAuthStore(uri: string): Promise<AuthStore> {
    const shown = redactUri(uri);
    const candidate = this.candidateForUri('authStore', uri, `auth database URI ${shown}`);
    return this.instantiate<AuthStore>(candidate, shown, { uri });
  }

  async openArtifactRepository(uri: string, options: { trackingUri?: string } = {}): Promise<ArtifactRepository> {
    const shown = redactUri(uri);
    const candidate = this.candidateForUri('artifactRepository', uri, `artifact location ${shown}`);
    return this.instantiate<ArtifactRepository>(candidate, shown, { uri, ...(options.trackingUri !== undefined ? { trackingUri: options.trackingUri } : {}) });
  }

  async openProjectBackend(name: string, config: Record<string, unknown>): Promise<ProjectBackend> {
    const candidate = this.candidateForName('projectBackend', name.toLowerCase(), `project backend "${name}"`);
    return this.instantiate<ProjectBackend>(candidate, `backend "${name}"`, { config, registry: this });
  }

  runContextProviders(): Promise<LoadedRunContextProvider[]> {
    this.providersLoad ??= this.loadProviders();
    return this.providersLoad;
  }

  private async loadProviders(): Promise<LoadedRunContextProvider[]> {
    const candidates = [...(this.table.get('runContextProvider')?.values() ?? [])].flat();
    // Built-ins first, then third-party; within each, by package name then provider name.
    candidates.sort(
      (a, b) =>
        Number(b.builtin) - Number(a.builtin) || a.packageName.localeCompare(b.packageName) || a.key.localeCompare(b.key),
    );
    const loaded: LoadedRunContextProvider[] = [];
    for (const candidate of candidates) {
      try {
        const provider = await this.instantiate<RunContextProviderDefinition extends { create(c: never): infer R } ? Awaited<R> : never>(
          candidate,
          `provider "${candidate.key}"`,
          {},
        );
        loaded.push({ provider, packageName: candidate.packageName, name: candidate.key });
      } catch (error) {
        loaded.push(failedProvider(candidate, error));
      }
    }
    return loaded;
  }

  upgradeDatabase(uri: string): Promise<MigrationResult> {
    const hasTracking = (this.table.get('trackingStore')?.get(this.keyForUri('trackingStore', uri))?.length ?? 0) > 0;
    const hasRegistry = this.table.get('modelRegistryStore')?.has(this.keyForUri('modelRegistryStore', uri)) ?? false;
    const kind: 'trackingStore' | 'modelRegistryStore' = hasTracking || !hasRegistry ? 'trackingStore' : 'modelRegistryStore';
    return this.runMigrate(kind, uri);
  }

  upgradeAuthDatabase(uri: string): Promise<MigrationResult> {
    return this.runMigrate('authStore', uri);
  }

  private async runMigrate(kind: 'trackingStore' | 'modelRegistryStore' | 'authStore', uri: string): Promise<MigrationResult> {
    const shown = redactUri(uri);
    const candidate = this.candidateForUri(kind, uri, `${kind === 'authStore' ? 'auth ' : ''}database URI ${shown}`);
    const definition = await this.loadDefinition<TrackingStoreDefinition | ModelRegistryStoreDefinition | AuthStoreDefinition>(candidate);
    if (typeof definition.migrate !== 'function') {
      throw errors.invalidParameter(`The ${kindLabel(kind)} of plugin package ${candidate.packageName} (scheme "${candidate.key}") has no schema to upgrade: its definition has no migrate().`);
    }
    const migrate = definition.migrate.bind(definition);
    const options = this.optionsFor(candidate, definition);
    return this.create(candidate, `the schema upgrade of ${shown}`, () => migrate({ uri, options, logger: this.logger.child({ plugin: candidate.packageName }) }));
  }
}

function claimsId(packageName: string, kind: string, modulePath: string): string {
  return `${packageName}\0${kind}\0${modulePath}`;
}

/**
 * A provider that could not be created. It stays in the result (so the failure is reported, not
 * thrown): `error` says why, and its methods reject with that error, so a caller that treats a
 * throwing provider as "log with the package name and skip" does the right thing either way.
 */
function failedProvider(candidate: Candidate, error: unknown): LoadedRunContextProvider {
  const failure =
    isOrreryError(error)
      ? error
      : new OrreryError('INVALID_STATE', `Run-context provider "${candidate.key}" of plugin package ${candidate.packageName} failed: ${String(error)}`, { cause: error });
  return {
    packageName: candidate.packageName,
    name: candidate.key,
    error: failure,
    provider: {
      name: candidate.key,
      inContext: () => Promise.reject(failure),
      tags: () => Promise.reject(failure),
    } satisfies RunContextProvider,
  };
}
