import { errors, normalizeArtifactPath, redactUri } from '@orrery/core';

/** Where an Azure Blob artifact root lives, parsed from its URI. */
export interface AzureBlobLocation {
  /** Storage account name, e.g. `mlflowstore`. */
  account: string;
  /** Container name. */
  container: string;
  /** The endpoint suffix after the account: `blob.core.windows.net`, `blob.core.chinacloudapi.cn`, ... */
  endpointSuffix: string;
  /** The blob-name prefix of the root, without leading or trailing `/`; `''` for the container's root. */
  prefix: string;
  /** The account's blob endpoint, `https://<account>.<endpointSuffix>`, unless a connection string overrides it. */
  accountUrl: string;
}

// `<container>@<account>.blob.<cloud suffix>[/<path>]`: MLflow's (and Hadoop's) wasbs form.
const WASBS_URI = /^wasbs:\/\/([^@/?#]+)@([^./?#]+)\.(blob\.[^/?#:]+)(\/[^?#]*)?$/i;
// `https://<account>.blob.<cloud suffix>/<container>[/<path>]`: the blob service's own URL form.
const HTTPS_URI = /^https:\/\/([^./?#@]+)\.(blob\.[^/?#:]+)\/([^/?#]+)(\/[^?#]*)?$/i;
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** Whether a URI is one of the two Azure Blob forms (by shape only; `parseAzureBlobUri` checks the names). */
export function isAzureBlobUri(uri: string): boolean {
  return /^wasbs:\/\//i.test(uri) || /^https:\/\/[^./?#@]+\.blob\.[^/?#:]+\//i.test(uri);
}

function invalid(uri: string, rule: string): never {
  // The URI as given may hold something secret-looking (a password, a SAS query): show it redacted.
  throw errors.invalidParameter(`Invalid Azure Blob artifact URI ${JSON.stringify(redactUri(uri))}: ${rule}.`);
}

/**
 * Parses `wasbs://<container>@<account>.blob.core.windows.net/<path>` or
 * `https://<account>.blob.core.windows.net/<container>/<path>` (any `blob.*` cloud suffix).
 * The path is taken literally (never percent-decoded) and checked like an artifact path.
 * Throws INVALID_PARAMETER_VALUE naming the rule; `wasb://` (no TLS), query strings (a SAS does
 * not belong in an artifact URI: use a connection string) and credentials in the URI are refused.
 */
export function parseAzureBlobUri(uri: string): AzureBlobLocation {
  if (/^wasb:\/\//i.test(uri)) invalid(uri, 'use wasbs:// (TLS); plain wasb:// is not supported');
  if (/[?#]/.test(uri)) {
    invalid(uri, 'a query string or fragment is not allowed (put a SAS token in AZURE_STORAGE_CONNECTION_STRING instead)');
  }
  let container: string;
  let account: string;
  let endpointSuffix: string;
  let rawPath: string;
  const wasbs = WASBS_URI.exec(uri);
  const https = wasbs ? null : HTTPS_URI.exec(uri);
  if (wasbs) {
    [container, account, endpointSuffix, rawPath] = [wasbs[1]!, wasbs[2]!, wasbs[3]!, wasbs[4] ?? ''];
  } else if (https) {
    [account, endpointSuffix, container, rawPath] = [https[1]!, https[2]!, https[3]!, https[4] ?? ''];
  } else {
    invalid(
      uri,
      'expected wasbs://<container>@<account>.blob.core.windows.net/<path> or https://<account>.blob.core.windows.net/<container>/<path>',
    );
  }
  if (container.includes(':')) invalid(uri, 'credentials do not belong in the URI (use AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCESS_KEY)');
  if (!ACCOUNT_NAME.test(account)) invalid(uri, `storage account name ${JSON.stringify(account)} must be 3-24 lowercase letters and digits`);
  if (!CONTAINER_NAME.test(container)) {
    invalid(uri, `container name ${JSON.stringify(container)} must be 3-63 lowercase letters, digits and single hyphens`);
  }
  let prefix: string;
  try {
    prefix = normalizeArtifactPath(rawPath.replace(/^\/+/, ''));
  } catch (error) {
    invalid(uri, `its path is not a valid artifact path (${(error as Error).message})`);
  }
  endpointSuffix = endpointSuffix.toLowerCase();
  return { account, container, endpointSuffix, prefix, accountUrl: `https://${account}.${endpointSuffix}` };
}

/** The URI of a location in the wasbs form, for messages (it never holds a secret). */
export function formatWasbsUri(location: Pick<AzureBlobLocation, 'account' | 'container' | 'endpointSuffix'>, blobPath = ''): string {
  return `wasbs://${location.container}@${location.account}.${location.endpointSuffix}${blobPath === '' ? '' : `/${blobPath}`}`;
}
