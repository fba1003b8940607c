import { describe } from 'vitest';
import { badInputConformance } from './registry-conformance/bad-input.js';
import { registryConcurrencyConformance } from './registry-conformance/concurrency.js';
import type { ModelRegistryStoreConformanceOptions } from './registry-conformance/harness.js';
import { modelVersionConformance } from './registry-conformance/model-versions.js';
import { registeredModelConformance } from './registry-conformance/registered-models.js';
import { searchConformance } from './registry-conformance/search.js';
import { stageAndAliasConformance } from './registry-conformance/stages-aliases.js';

export type { ModelRegistryStoreConformanceOptions, OpenedModelRegistryStore } from './registry-conformance/harness.js';

/**
 * Registers the ModelRegistryStore conformance suite with vitest. Call it at the top level of a
 * test file; it is written once against the contract and MLflow's registry semantics and runs
 * unchanged against every implementation (SQLite, PostgreSQL, Redis, the REST client talking to a
 * live server).
 *
 * `open` must return a fresh, empty store; it is called before every test. The suite closes the
 * store itself and then calls `cleanup`. It only uses the contract's methods and checks errors by
 * their MLflow code, so errors rebuilt by a REST client pass.
 */
export function runModelRegistryStoreConformance(options: ModelRegistryStoreConformanceOptions): void {
  describe(`ModelRegistryStore conformance: ${options.name}`, () => {
    registeredModelConformance(options);
    modelVersionConformance(options);
    stageAndAliasConformance(options);
    badInputConformance(options);
    searchConformance(options);
    registryConcurrencyConformance(options);
  });
}
