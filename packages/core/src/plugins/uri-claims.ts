/**
 * Claim keys of the kinds chosen by URI (stores and artifact repositories). A key is either a bare
 * scheme (`wasbs`), claiming every URI of that scheme, or a scheme with a host pattern
 * (`https://*.blob.core.windows.net`), claiming only URIs whose host matches. For a URI, a matching
 * host claim beats the bare scheme, so one scheme can be shared: `https` goes to the REST client
 * except for Azure Blob hosts, which go to the Azure plugin.
 */
import type { PluginKind } from './definitions.js';
import { declaredPluginKinds, isKeyedByScheme } from './plugin-kind.js';

/**
 * The built-in kinds whose claim keys are URI schemes (and host patterns); the others are keyed by
 * name. Kept for callers of the old constant: a kind's `keyedBy` is the source (`isKeyedByScheme`).
 */
export const URI_KINDS: readonly PluginKind[] = ['trackingStore', 'artifactRepository', 'modelRegistryStore', 'authStore'];

/** A `<scheme>://<host>` or `<scheme>://*.<domain>` claim. */
export interface HostClaim {
  /** The canonical key: lower case, no trailing `/`. */
  key: string;
  scheme: string;
  /** The host, or for a wildcard the domain after `*.`. */
  host: string;
  /** `*.<domain>`: matches one or more labels in front of the domain, never the domain itself. */
  wildcard: boolean;
}

const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
const CLAIM_FORMS = '<scheme>, <scheme>://<host> or <scheme>://*.<domain>';

/** Whether a claim key names a host pattern rather than a bare scheme. */
export function isHostClaimKey(key: string): boolean {
  return key.includes('://');
}

/**
 * Parses `<scheme>://<host>` or `<scheme>://*.<domain>` (case-insensitive; one trailing `/` is
 * tolerated). Returns the claim, or why the key is malformed.
 */
export function parseHostClaim(raw: string): HostClaim | { error: string } {
  const lower = raw.trim().toLowerCase();
  const at = lower.indexOf('://');
  const scheme = lower.slice(0, at);
  let pattern = lower.slice(at + 3);
  if (at < 0 || !SCHEME.test(scheme)) return { error: `expected ${CLAIM_FORMS}, with a scheme of letters, digits, "+", "-" or "."` };
  if (pattern.endsWith('/')) pattern = pattern.slice(0, -1);
  if (/[/?#@:[\]]/.test(pattern)) return { error: `only a host or *.<domain> may follow "${scheme}://": no port, path, query or credentials` };
  const wildcard = pattern.startsWith('*.');
  const host = wildcard ? pattern.slice(2) : pattern;
  if (host.includes('*')) return { error: 'a "*" is allowed only as a leading "*." (standing for one or more labels)' };
  const labels = host.split('.');
  if (host === '' || !labels.every((label) => LABEL.test(label))) {
    return { error: `"${host}" is not a host name (labels of letters, digits, "-" and "_", separated by "."; use punycode for other characters)` };
  }
  // `*.com` would take a scheme away for a whole top-level domain: almost surely a mistake.
  if (wildcard && labels.length < 2) return { error: '"*." must be followed by a domain of at least two labels (e.g. *.blob.core.windows.net)' };
  return { key: `${scheme}://${wildcard ? '*.' : ''}${host}`, scheme, host, wildcard };
}

/**
 * The canonical form of a claim key of `kind`: lower case, host claims in their canonical form.
 * Returns why it is malformed instead when it is a host claim that does not parse, or a host claim
 * for a kind keyed by name.
 */
export function normalizeClaimKey(kind: PluginKind, raw: string): { key: string } | { error: string } {
  if (!isHostClaimKey(raw)) return { key: raw.toLowerCase() };
  if (!isKeyedByScheme(kind)) {
    const byScheme = declaredPluginKinds().filter((k) => k.keyedBy === 'scheme').map((k) => k.id);
    return { error: `${kind} plugins are chosen by name; a host pattern applies only to ${byScheme.join(', ')}` };
  }
  const claim = parseHostClaim(raw);
  return 'error' in claim ? claim : { key: claim.key };
}

/** The host a URI names, lower case and without a trailing `.`; undefined when it names none. */
export function hostOfUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return host === '' ? undefined : host;
}

/** Whether a host claim covers a host (already lower case). */
export function hostClaimMatches(claim: HostClaim, host: string): boolean {
  if (!claim.wildcard) return host === claim.host;
  // At least one non-empty label in front: `*.blob.core.windows.net` never matches `blob.core.windows.net`.
  return host.endsWith(`.${claim.host}`) && host.length > claim.host.length + 1 && !host.startsWith('.');
}

/**
 * The claim that serves `host` among `claims` of `scheme`: an exact host beats a wildcard, and a
 * longer domain beats a shorter one, so the most specific claim wins whatever the install order.
 */
export function bestHostClaim(claims: readonly HostClaim[], scheme: string, host: string): HostClaim | undefined {
  let best: HostClaim | undefined;
  for (const claim of claims) {
    if (claim.scheme !== scheme || !hostClaimMatches(claim, host)) continue;
    if (best === undefined || specificity(claim) > specificity(best)) best = claim;
  }
  return best;
}

function specificity(claim: HostClaim): number {
  // Host names are at most 253 characters, so an exact host always outranks a wildcard.
  return (claim.wildcard ? 0 : 1000) + claim.host.length;
}
