/**
 * Plugin kinds, declared once. A kind says how its plugins are chosen (by URI scheme, with host
 * patterns, or by name), how it reads in messages, which well-known packages serve it (for the
 * "install X" hint), and which options every plugin of the kind accepts. Discovery, the registry,
 * the hints and `orrery plugins list` read these declarations; nothing else in core lists kinds,
 * so a new kind (model flavors, auth providers, webhook sinks, ...) is one `declarePluginKind`
 * call plus its contract.
 */
import { errors } from '../errors/orrery-error.js';
import type { Logger } from '../logging/logger.js';
import { checkPluginOptions, type PluginOptionsSchema, type RawPluginOptions } from './plugin-options.js';
import { parseHostClaim } from './uri-claims.js';

/**
 * The plugin API version. A plugin module's default export carries the version it was built
 * against; core refuses a different major version with a message naming the package.
 */
export const PLUGIN_API_VERSION = 1;

/** How a kind's plugins are chosen: by the scheme (and host) of a URI, or by a name. */
export type PluginKeying = 'scheme' | 'name';

/** A package known to serve some claims of a kind: only a hint for "not installed" messages. */
export interface PluginPackageHint {
  packageName: string;
  /** Bare schemes the package serves. */
  schemes?: readonly string[];
  /** Hosts served for one scheme: a URI of `scheme` on a host ending in `.<domain>`. */
  hosts?: { scheme: string; domains: readonly string[] };
}

/** What every plugin's `create` receives, whatever its kind. */
export interface PluginCreateContext<O = Record<string, unknown>> {
  logger: Logger;
  /** The plugin's options: from the configuration file and the environment, checked against its schema. */
  options: O;
}

/**
 * The fields every plugin definition has: made by a kind's `define`, default-exported by the
 * plugin's module.
 */
export interface PluginDefinitionBase {
  readonly kind: string;
  readonly apiVersion: number;
  /** URI schemes served for any host (kinds keyed by scheme). */
  readonly schemes?: readonly string[];
  /** `<scheme>://<host>` or `<scheme>://*.<domain>` claims (kinds keyed by scheme). */
  readonly hostPatterns?: readonly string[];
  /** The name served (kinds keyed by name). */
  readonly name?: string;
  /**
   * The plugin's own options: each with its type, its environment variable and a description.
   * They are read from the configuration file and the environment and checked before `create`.
   */
  readonly options?: PluginOptionsSchema;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind narrows the context
  create(context: any): unknown;
}

/** A kind declaration, as given to `declarePluginKind`. */
export interface PluginKindSpec {
  /** The key of the kind in package.json's `"orrery"` field, e.g. `trackingStore`. */
  readonly id: string;
  readonly keyedBy: PluginKeying;
  /** How the kind reads in messages, e.g. `tracking store`. */
  readonly label: string;
  /** Well-known packages of this kind, named when a scheme has no plugin installed. */
  readonly hints?: readonly PluginPackageHint[];
  /** Options every plugin of this kind accepts, besides its own (`definition.options`). */
  readonly optionsSchema?: PluginOptionsSchema;
  /**
   * Checks (and may convert) a plugin's options before its `create` runs, returning what `create`
   * gets as `options`. The default checks them against the kind's `optionsSchema` and the
   * definition's `options` (`checkPluginOptions`). Throw INVALID_PARAMETER_VALUE naming the option
   * and the plugin.
   */
  validateOptions?(options: RawPluginOptions, where: { packageName: string; definition: PluginDefinitionBase }): Record<string, unknown>;
}

/** A declared kind: the spec, plus `define` to make definitions of it. */
export interface PluginKindDeclaration<D extends PluginDefinitionBase = PluginDefinitionBase> extends PluginKindSpec {
  /** Makes a definition of this kind (sets `kind` and `apiVersion`, checks host patterns). */
  define(spec: Omit<D, 'kind' | 'apiVersion'>): D;
  /** Checks a plugin's raw options; `validateOptions` when given, else the schema check. */
  checkOptions(options: RawPluginOptions, where: { packageName: string; definition: PluginDefinitionBase }): Record<string, unknown>;
}

const declared = new Map<string, PluginKindDeclaration>();

const KIND_ID = /^[a-z][a-zA-Z0-9]*$/;

/**
 * Declares a plugin kind and makes it known to discovery. Declaring the same id again returns the
 * first declaration when it is keyed the same way (a module loaded twice), and is an error
 * otherwise. A kind must be declared before `discoverPlugins` runs for packages of it to count.
 */
export function declarePluginKind<D extends PluginDefinitionBase>(spec: PluginKindSpec): PluginKindDeclaration<D> {
  if (!KIND_ID.test(spec.id)) throw errors.invalidParameter(`Invalid plugin kind id ${JSON.stringify(spec.id)}: use camelCase letters and digits, e.g. "webhookSink".`);
  const existing = declared.get(spec.id);
  if (existing !== undefined) {
    if (existing.keyedBy !== spec.keyedBy) {
      throw errors.invalidParameter(`Plugin kind "${spec.id}" is already declared, keyed by ${existing.keyedBy}; it cannot be declared again keyed by ${spec.keyedBy}.`);
    }
    return existing as unknown as PluginKindDeclaration<D>;
  }
  const declaration: PluginKindDeclaration<D> = {
    ...spec,
    define: (definitionSpec) => {
      const withClaims = spec.keyedBy === 'scheme' ? checkedHostPatterns(definitionSpec as unknown as PluginDefinitionBase) : definitionSpec;
      return { ...withClaims, kind: spec.id, apiVersion: PLUGIN_API_VERSION } as unknown as D;
    },
    checkOptions: (options, where) =>
      spec.validateOptions !== undefined
        ? spec.validateOptions(options, where)
        : checkPluginOptions(options, { ...spec.optionsSchema, ...where.definition.options }, where.packageName),
  };
  declared.set(spec.id, declaration as unknown as PluginKindDeclaration);
  return declaration;
}

/** The declared kind with this id, or undefined. */
export function pluginKindOf(id: string): PluginKindDeclaration | undefined {
  return declared.get(id);
}

/** Every declared kind, in declaration order (the built-in ones first). */
export function declaredPluginKinds(): PluginKindDeclaration[] {
  return [...declared.values()];
}

/** The ids of every declared kind. */
export function declaredPluginKindIds(): string[] {
  return [...declared.keys()];
}

/** Whether a kind's claims are URI schemes (and host patterns); false for kinds keyed by name or unknown ones. */
export function isKeyedByScheme(kind: string): boolean {
  return declared.get(kind)?.keyedBy === 'scheme';
}

/** How a kind reads in messages (its id when it is not declared). */
export function kindLabel(kind: string): string {
  return declared.get(kind)?.label ?? kind;
}

/**
 * Host patterns in canonical form (lower case); a malformed one fails when the plugin module loads,
 * which discovery reports naming the package.
 */
function checkedHostPatterns<S extends PluginDefinitionBase>(spec: S): S {
  if (spec.hostPatterns === undefined) return spec;
  const hostPatterns = spec.hostPatterns.map((pattern) => {
    const claim = parseHostClaim(pattern);
    if ('error' in claim) throw errors.invalidParameter(`Invalid host pattern ${JSON.stringify(pattern)} in a plugin definition: ${claim.error}.`);
    return claim.key;
  });
  return { ...spec, hostPatterns };
}
