import { describe } from 'vitest';
import { concurrencyConformance } from './tracking-conformance/concurrency.js';
import { experimentConformance } from './tracking-conformance/experiments.js';
import type { TrackingStoreConformanceOptions } from './tracking-conformance/harness.js';
import { historyConformance } from './tracking-conformance/history.js';
import { loggingConformance } from './tracking-conformance/logging.js';
import { runConformance } from './tracking-conformance/runs.js';
import { randomSearchConformance } from './tracking-conformance/search-random.js';
import { searchRunsConformance } from './tracking-conformance/search-runs.js';

export type { OpenedTrackingStore, TrackingStoreConformanceOptions } from './tracking-conformance/harness.js';

/**
 * Registers the TrackingStore conformance suite with vitest. Call it at the top level of a test
 * file; it is written once against the contract and MLflow's semantics and runs unchanged against
 * every implementation (SQLite, PostgreSQL, Redis, the REST client talking to a live server).
 *
 * `open` must return a fresh, empty store (only the Default experiment). It is called before each
 * test, except in the blocks marked "one seeded store" (searchRuns filters and ordering, paging,
 * the randomized cross-check), which open one store per block, seed it once and only read. The
 * suite closes each store itself and then calls `cleanup`.
 *
 * The randomized cross-check uses a fixed seed; set `ORRERY_CONFORMANCE_SEED` to try others or to
 * replay one printed by a failure.
 */
export function runTrackingStoreConformance(options: TrackingStoreConformanceOptions): void {
  describe(`TrackingStore conformance: ${options.name}`, () => {
    experimentConformance(options);
    runConformance(options);
    loggingConformance(options);
    historyConformance(options);
    searchRunsConformance(options);
    randomSearchConformance(options);
    concurrencyConformance(options);
  });
}
