/**
 * Finding and masking credentials in URIs and connection strings. `redactUri` (for messages and
 * log lines) and `uriSecrets` (for refusing a URI that would be stored and shown) share these
 * rules, so what Orrery refuses to store is exactly what it would have to mask.
 */

// Userinfo runs to the last `@` before the path, query or fragment, as URL parsers read it, so an
// unencoded `@` inside a password is still part of the password.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i;

// `name=value` pairs of a query string, of `;`-separated matrix parameters, or of a connection
// string (`AccountName=a;AccountKey=k`), the first one also at the very start of the text.
const PARAMETER = /(^|[?&;])([^=&;#?/]*)=([^&;#]*)/g;

// Names whose values are credentials: Azure's SAS signature `sig`, a bare `key` or `pwd`, and any
// name mentioning a password, token, secret, signature, credential or account/access/API key
// (AWS's `X-Amz-Signature`, `access_token`, `AccountKey`, `SharedAccessSignature`, ...).
const CREDENTIAL_NAME = /^(?:sig|key|pwd|.*(?:password|passwd|token|secret|signature|credential|account_?key|access_?key|api_?key).*)$/i;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** Whether a query, matrix or connection-string parameter of this name holds a credential. */
export function isCredentialParameter(name: string): boolean {
  return CREDENTIAL_NAME.test(decodedName(name).trim());
}

/**
 * What in `uri` is a credential, described without its value (e.g. `a password after the user
 * name`, `parameter 'sig'`); empty when nothing is. A user name alone is not a credential.
 */
export function uriSecrets(uri: string): string[] {
  const found: string[] = [];
  const userinfo = USERINFO.exec(uri)?.[2];
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    if (colon >= 0 && colon < userinfo.length - 1) found.push('a password after the user name');
  }
  for (const match of uri.matchAll(PARAMETER)) {
    const [, , name = '', value = ''] = match;
    if (value !== '' && isCredentialParameter(name)) found.push(`parameter '${decodedName(name)}'`);
  }
  return found;
}

/** True when `uri` carries a password, key, token or signature (see `uriSecrets`). */
export function uriCarriesSecret(uri: string): boolean {
  return uriSecrets(uri).length > 0;
}

/** Removes credentials from a URI before it is logged or shown in a message. */
export function redactUri(uri: string): string {
  return uri
    .replace(USERINFO, (whole: string, scheme: string, userinfo: string) => {
      // A user name alone (or with an empty password) is not a credential: shown as it is, so
      // `postgres://postgres@db/x` does not read as if it had a password.
      const colon = userinfo.indexOf(':');
      if (colon < 0 || colon === userinfo.length - 1) return whole;
      const user = userinfo.slice(0, colon);
      return `${scheme}${user ? `${user}:***` : '***'}@`;
    })
    .replace(PARAMETER, (whole, separator: string, name: string, value: string) =>
      value !== '' && isCredentialParameter(name) ? `${separator}${name}=***` : whole,
    );
}
