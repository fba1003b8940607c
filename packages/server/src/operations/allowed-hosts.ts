/**
 * The Host-header check (`--allowed-hosts`, MLflow 3's flag name). A web page on another origin
 * can make a browser send requests to a server on localhost by pointing a DNS name it controls
 * at 127.0.0.1 (DNS rebinding); such requests carry the attacker's name in `Host`. Answering only
 * to names the operator expects closes that door, with or without authentication.
 *
 * Patterns (case-insensitive), each with an optional `:port`:
 * - `*` alone: any host;
 * - `name`, `1.2.3.4`, `[::1]`: that host on any port; `name:8080`: that host on that port only;
 * - `*.example.com`: any name below example.com (one or more labels, never example.com itself);
 * - `192.168.*`: any host starting with `192.168.` (a trailing `*` after a dot).
 */
import { networkInterfaces, hostname as machineHostname } from 'node:os';
import { errors } from '@orrery/core';

/** Parsed `Host` header: the name (IPv6 without brackets, lower case) and the port if given. */
interface HostHeader {
  name: string;
  port?: string;
}

interface HostPattern {
  /** `exact`: name equals; `suffix`: name ends with `.<value>`; `prefix`: name starts with `<value>.`. */
  match: 'exact' | 'suffix' | 'prefix';
  value: string;
  port?: string;
}

/** The hosts a server accepts; `any` when `*` was given. */
export type AllowedHosts = { any: true } | { any: false; patterns: readonly HostPattern[]; shown: readonly string[] };

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function parseHostHeader(value: string): HostHeader | undefined {
  const header = value.trim().toLowerCase();
  if (header === '') return undefined;
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    if (end < 0) return undefined;
    const rest = header.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return { name: header.slice(1, end), ...(rest !== '' ? { port: rest.slice(1) } : {}) };
  }
  const colon = header.lastIndexOf(':');
  if (colon < 0) return { name: header };
  const port = header.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port) || header.indexOf(':') !== colon) return undefined;
  return { name: header.slice(0, colon), port };
}

function parsePattern(raw: string): HostPattern {
  const host = parseHostHeader(raw);
  const invalid = () =>
    errors.invalidParameter(
      `Invalid --allowed-hosts entry ${JSON.stringify(raw)}: expected a host name or address with an optional :port, ` +
        "'*.domain' or a prefix ending in '.*' (e.g. '192.168.*'), or '*' alone for any host.",
    );
  if (host === undefined || host.name === '') throw invalid();
  const { name, port } = host;
  const portPart = port !== undefined ? { port } : {};
  if (name.startsWith('*.')) {
    const value = name.slice(2);
    if (value === '' || value.includes('*')) throw invalid();
    return { match: 'suffix', value, ...portPart };
  }
  if (name.endsWith('.*')) {
    const value = name.slice(0, -2);
    if (value === '' || value.includes('*')) throw invalid();
    return { match: 'prefix', value, ...portPart };
  }
  if (name.includes('*')) throw invalid();
  return { match: 'exact', value: name, ...portPart };
}

function patternMatches(pattern: HostPattern, host: HostHeader): boolean {
  if (pattern.port !== undefined && pattern.port !== host.port) return false;
  switch (pattern.match) {
    case 'exact':
      return host.name === pattern.value;
    case 'suffix':
      return host.name.endsWith(`.${pattern.value}`);
    case 'prefix':
      return host.name.startsWith(`${pattern.value}.`);
  }
}

/**
 * The allowed hosts from `--allowed-hosts` entries (each may itself be a comma-separated list).
 * `*` anywhere means any host.
 */
export function parseAllowedHosts(entries: readonly string[]): AllowedHosts {
  const items = entries.flatMap((entry) => entry.split(',')).map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw errors.invalidParameter('--allowed-hosts is empty: name at least one host, or * for any.');
  if (items.includes('*')) return { any: true };
  return { any: false, patterns: items.map(parsePattern), shown: items };
}

/** Whether `address` is an unspecified (wildcard) bind address. */
function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '[::]' || address === '';
}

/**
 * The default when `--allowed-hosts` is not given: the address the server binds to, plus
 * `localhost`, `127.0.0.1` and `[::1]`. A server bound to every interface (`0.0.0.0`, `::`) also
 * answers to this machine's own addresses and host name, so it is reachable by IP on the network
 * while a DNS name pointed at it still needs to be allowed explicitly.
 */
export function defaultAllowedHosts(bindHost: string): AllowedHosts {
  const names = new Set(LOOPBACK_NAMES);
  if (isWildcardAddress(bindHost)) {
    names.add(machineHostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) {
        // Link-local IPv6 addresses carry a zone (`%eth0`) that never appears in a Host header.
        if (address.address.includes('%')) continue;
        names.add(address.family === 'IPv6' ? `[${address.address}]` : address.address);
      }
    }
  } else {
    names.add(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost);
  }
  return parseAllowedHosts([...names]);
}

/**
 * Checks a request's Host header; returns the reason to refuse it, or undefined when it may pass.
 * The reason names what is allowed, so an operator who forgot an entry sees what to add.
 */
export function refuseHost(allowed: AllowedHosts, header: string | undefined): string | undefined {
  if (allowed.any) return undefined;
  if (header === undefined) return 'The request has no Host header; this server answers only requests that name it.';
  const host = parseHostHeader(header);
  if (host !== undefined && allowed.patterns.some((pattern) => patternMatches(pattern, host))) return undefined;
  return (
    `The Host header ${JSON.stringify(header.slice(0, 200))} is not one this server answers to ` +
    `(allowed: ${allowed.shown.join(', ')}). Start the server with --allowed-hosts naming it; ` +
    'this check stops DNS-rebinding attacks from web pages.'
  );
}
