import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { isOrreryError } from '@orrery/core';
import type { ErrorCode, OrreryError, Run, RunTag, TrackingStore } from '@orrery/core';

/** What a conformance suite's `open` hands back: a fresh, empty store. */
export interface OpenedTrackingStore {
  store: TrackingStore;
  /** The root under which the store places experiments' default artifact locations. */
  defaultArtifactRoot: string;
  /**
   * Removes what `open` made (files, databases, key prefixes). The suite calls `store.close()`
   * itself first, so `cleanup` must not depend on the store being open.
   */
  cleanup?: () => Promise<void>;
}

export interface TrackingStoreConformanceOptions {
  /** Shown in the suite's title, e.g. `sqlite` or `rest → sqlite`. */
  name: string;
  /** Opens a fresh, empty store. Called once per test, or once per block where seeding is expensive. */
  open: () => Promise<OpenedTrackingStore>;
}

/** The store under test, valid inside `it` bodies and hooks that run after the opening hook. */
export interface StoreHandle {
  readonly store: TrackingStore;
  readonly defaultArtifactRoot: string;
}

function makeHandle(
  options: TrackingStoreConformanceOptions,
  before: (fn: () => Promise<void>) => void,
  after: (fn: () => Promise<void>) => void,
): StoreHandle {
  let opened: OpenedTrackingStore | undefined;
  before(async () => {
    opened = await options.open();
  });
  after(async () => {
    const current = opened;
    opened = undefined;
    if (!current) return;
    try {
      await current.store.close();
    } finally {
      await current.cleanup?.();
    }
  });
  const current = (): OpenedTrackingStore => {
    if (!opened) throw new Error(`The ${options.name} store is not open here: use it inside a test or a later hook.`);
    return opened;
  };
  return {
    get store() {
      return current().store;
    },
    get defaultArtifactRoot() {
      return current().defaultArtifactRoot;
    },
  };
}

/** Opens a fresh store before each test of the enclosing `describe` and closes it after. */
export function freshStorePerTest(options: TrackingStoreConformanceOptions): StoreHandle {
  return makeHandle(options, beforeEach, afterEach);
}

/**
 * Opens one store for the whole enclosing `describe` (used where seeding is expensive and the
 * tests only read). Seed it in a `beforeAll` declared after this call.
 */
export function sharedStorePerBlock(options: TrackingStoreConformanceOptions): StoreHandle {
  return makeHandle(options, beforeAll, afterAll);
}

/**
 * Awaits `action` and checks that it rejected with an OrreryError of `code` carrying a message.
 * Checks the brand rather than `instanceof`, so errors rebuilt by the REST client pass too.
 */
export async function expectOrreryError(action: Promise<unknown>, code: ErrorCode): Promise<OrreryError> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await action };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) {
    expect.fail(`expected an OrreryError with code ${code}, but the call succeeded`);
  }
  const error = outcome.error;
  if (!isOrreryError(error)) {
    expect.fail(`expected an OrreryError with code ${code}, got ${String(error)}`);
  }
  expect(error.code, `error code (message: ${error.message})`).toBe(code);
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

let nameCounter = 0;

/** An experiment name unique within this process, so tests never collide on names. */
export function uniqueExperimentName(label = 'exp'): string {
  nameCounter += 1;
  return `conformance-${label}-${process.pid}-${Date.now().toString(36)}-${nameCounter}`;
}

/** Creates an experiment with a unique name and returns its id. */
export async function createExperiment(store: TrackingStore, label = 'exp'): Promise<string> {
  return store.createExperiment({ name: uniqueExperimentName(label) });
}

/** A fixed epoch so that time-dependent expectations never depend on the clock. */
export const BASE_TIME = 1_700_000_000_000;

/** Run tags keyed by name (a run's tags are a list in no promised order). */
export function tagMap(run: Run): Map<string, string> {
  return new Map(run.data.tags.map((t: RunTag) => [t.key, t.value]));
}

export function paramMap(run: Run): Map<string, string> {
  return new Map(run.data.params.map((p) => [p.key, p.value]));
}

export function metricMap(run: Run): Map<string, number> {
  return new Map(run.data.metrics.map((m) => [m.key, m.value]));
}

/** Tags the caller set, without the `mlflow.*` tags a store adds itself. */
export function userTags(run: Run): Map<string, string> {
  return new Map([...tagMap(run)].filter(([key]) => !key.startsWith('mlflow.')));
}

/** Resolves after `ms` milliseconds; used to separate creation times, never to assert on time. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Collects every page of a paged read, failing if the pages repeat an item or never end. */
export async function collectPages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<{ items: T[]; nextPageToken?: string }>,
  pageLimit = 1000,
): Promise<T[][]> {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    pages.push(page.items);
    token = page.nextPageToken || undefined;
    if (pages.length > pageLimit) expect.fail(`paging did not end after ${pageLimit} pages`);
  } while (token !== undefined);
  return pages;
}
