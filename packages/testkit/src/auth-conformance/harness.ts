import { afterEach, beforeEach } from 'vitest';
import type { AuthStore } from '@orrery/core';

export { expectOrreryError } from '../tracking-conformance/harness.js';

/** What an auth conformance suite's `open` hands back: a fresh, empty store. */
export interface OpenedAuthStore {
  store: AuthStore;
  /**
   * Opens another store on the same database, key prefix or server: what a second server process
   * (another `--workers` worker, another host) sees. Login-failure counts and unique usernames
   * must hold across the two. The suite closes what it opens.
   */
  openAnother: () => Promise<AuthStore>;
  /** Removes what `open` made (files, schemas, key prefixes). Called after every store is closed. */
  cleanup?: () => Promise<void>;
}

export interface AuthStoreConformanceOptions {
  /** Shown in the suite's title, e.g. `sqlite` or `redis`. */
  name: string;
  /** Opens a fresh, empty store. Called before every test. */
  open: () => Promise<OpenedAuthStore>;
}

/** The store under test and a way to reach its database from a second instance, valid inside `it` bodies. */
export interface AuthHandle {
  readonly store: AuthStore;
  /** A second store on the same database, closed after the test. */
  another(): Promise<AuthStore>;
}

/** Opens a fresh store before each test of the enclosing `describe`, and closes it (and any second instance) after. */
export function freshAuthStorePerTest(options: AuthStoreConformanceOptions): AuthHandle {
  let opened: OpenedAuthStore | undefined;
  let others: AuthStore[] = [];
  beforeEach(async () => {
    opened = await options.open();
  });
  afterEach(async () => {
    const current = opened;
    const extra = others;
    opened = undefined;
    others = [];
    if (!current) return;
    try {
      for (const other of extra) await other.close();
      await current.store.close();
    } finally {
      await current.cleanup?.();
    }
  });
  return {
    get store() {
      if (!opened) throw new Error(`The ${options.name} auth store is not open here: use it inside a test.`);
      return opened.store;
    },
    async another() {
      if (!opened) throw new Error(`The ${options.name} auth store is not open here: use it inside a test.`);
      const other = await opened.openAnother();
      others.push(other);
      return other;
    },
  };
}

/** A recognisable fake KDF output: the store must keep it verbatim and never show it. */
export function fakeHash(label: string): string {
  return `$argon2id$v=19$m=65536,t=3,p=4$${Buffer.from(label).toString('base64')}$c2VjcmV0LWhhc2gtb2YtYXBhc3N3b3Jk`;
}

/** Settles every promise and splits the outcomes. */
export async function settleAll(actions: readonly Promise<unknown>[]): Promise<{ fulfilled: unknown[]; rejected: unknown[] }> {
  const outcomes = await Promise.allSettled(actions);
  return {
    fulfilled: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
    rejected: outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : [])),
  };
}
