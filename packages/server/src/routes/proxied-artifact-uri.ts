import { OrreryError, normalizeArtifactPath } from '@orrery/core';

/** Where the artifact proxy's HTTP routes are anchored; `http(s)` artifact URIs name paths below it. */
export const ARTIFACTS_ROUTE_ANCHOR = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * Whether an artifact URI is served through the artifact proxy: `mlflow-artifacts:` URIs, and
 * `http(s)` URIs pointing at the proxy's routes (MLflow accepts both as proxied run roots).
 */
export function isProxiedArtifactUri(uri: string): boolean {
  if (/^mlflow-artifacts:/i.test(uri)) return true;
  if (!/^https?:/i.test(uri)) return false;
  try {
    return new URL(uri).pathname.includes(`${ARTIFACTS_ROUTE_ANCHOR}/`) || new URL(uri).pathname.endsWith(ARTIFACTS_ROUTE_ANCHOR);
  } catch {
    return false;
  }
}

/**
 * The path, inside the proxy's destination, that a proxied artifact URI names:
 * `mlflow-artifacts:/1/abc/artifacts` and `mlflow-artifacts://host:5000/1/abc/artifacts` →
 * `1/abc/artifacts`; `http://host:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts` → the
 * same. The path is validated like any artifact path.
 */
export function proxiedArtifactPath(uri: string): string {
  let pathname: string;
  try {
    pathname = new URL(uri).pathname;
  } catch (cause) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid artifact URI ${JSON.stringify(uri)}: ${(cause as Error).message}.`);
  }
  if (/^https?:/i.test(uri)) {
    const at = pathname.indexOf(ARTIFACTS_ROUTE_ANCHOR);
    pathname = at < 0 ? '' : pathname.slice(at + ARTIFACTS_ROUTE_ANCHOR.length);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Invalid artifact URI ${JSON.stringify(uri)}: malformed percent-encoding.`);
  }
  return normalizeArtifactPath(decoded.replace(/^\/+/, ''));
}
