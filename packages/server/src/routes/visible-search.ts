/**
 * Search pages filtered to what the caller may read (the basic-auth app's searches). A filtered
 * page is built from whole store pages: each is asked for exactly the results still missing, so
 * every visible result of it fits and the store's own next-page token stays exact (store tokens are
 * opaque; a page cannot be cut in the middle). A page may come back short, with a token to go on,
 * as MLflow's clients expect; at most `maxStorePages` store pages are read per request, so a caller
 * who may read little cannot make one request scan everything.
 */
import type { Page } from '@orrery/core';

/** Which search results the caller may see (set by the auth layer for non-admins). */
export interface SearchVisibility {
  experiment(experimentId: string): boolean;
  registeredModel(name: string): boolean;
}

export interface VisiblePageInput<T> {
  /** Results wanted in this page. */
  maxResults: number;
  pageToken?: string;
  /** One store page from `pageToken`, at most `maxResults` long. */
  fetch(pageToken: string | undefined, maxResults: number): Promise<Page<T>>;
  visible(item: T): boolean;
  maxStorePages?: number;
}

export async function visiblePage<T>(input: VisiblePageInput<T>): Promise<Page<T>> {
  const items: T[] = [];
  let token = input.pageToken;
  const maxStorePages = input.maxStorePages ?? 10;
  for (let pages = 0; pages < maxStorePages && items.length < input.maxResults; pages += 1) {
    const page = await input.fetch(token, input.maxResults - items.length);
    items.push(...page.items.filter(input.visible));
    token = page.nextPageToken || undefined;
    if (token === undefined) break;
  }
  return { items, ...(token !== undefined ? { nextPageToken: token } : {}) };
}

export interface SearchInput<T> {
  /** Results asked for; undefined: the store's default (`defaultMaxResults` when filtering). */
  maxResults: number | undefined;
  defaultMaxResults: number;
  pageToken: string | undefined;
  /** One store page from `pageToken` of at most `maxResults` (undefined: the store's default). */
  fetch(pageToken: string | undefined, maxResults: number | undefined): Promise<Page<T>>;
  /** Which results the caller may see; undefined: all (auth off, or an admin). */
  visible: ((item: T) => boolean) | undefined;
}

/** A search route's page: the store's page as it is when nothing is hidden, else a filtered one. */
export function searchPage<T>(input: SearchInput<T>): Promise<Page<T>> {
  if (input.visible === undefined) return input.fetch(input.pageToken, input.maxResults);
  return visiblePage({
    maxResults: input.maxResults ?? input.defaultMaxResults,
    ...(input.pageToken !== undefined ? { pageToken: input.pageToken } : {}),
    fetch: input.fetch,
    visible: input.visible,
  });
}
