/**
 * The signed-in user of a server running the basic-auth app. Credentials are kept for the tab
 * only (sessionStorage), never in the URL or in localStorage.
 */
const KEY = 'orrery.credentials';

/** What is used of the browser's Storage (so tests can pass a plain object). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface Credentials {
  username: string;
  /** The `Authorization` header value. */
  header: string;
}

/** Basic credentials as the header value; `btoa` needs bytes, so UTF-8 names are encoded first. */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

export function loadCredentials(storage: Pick<KeyValueStorage, 'getItem'> | undefined): Credentials | undefined {
  const text = storage?.getItem(KEY);
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Credentials>;
    return typeof parsed.username === 'string' && typeof parsed.header === 'string' ? { username: parsed.username, header: parsed.header } : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(storage: Pick<KeyValueStorage, 'setItem' | 'removeItem'> | undefined, credentials: Credentials | undefined): void {
  if (storage === undefined) return;
  if (credentials === undefined) storage.removeItem(KEY);
  else storage.setItem(KEY, JSON.stringify(credentials));
}
