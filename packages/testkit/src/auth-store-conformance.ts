import { describe } from 'vitest';
import { auditConformance } from './auth-conformance/audit.js';
import { authConcurrencyConformance } from './auth-conformance/concurrency.js';
import type { AuthStoreConformanceOptions } from './auth-conformance/harness.js';
import { loginFailureConformance } from './auth-conformance/login-failures.js';
import { permissionConformance } from './auth-conformance/permissions.js';
import { tokenConformance } from './auth-conformance/tokens.js';
import { userConformance } from './auth-conformance/users.js';

export type { AuthStoreConformanceOptions, OpenedAuthStore } from './auth-conformance/harness.js';

/**
 * Registers the AuthStore conformance suite with vitest. Call it at the top level of a test file;
 * it is written once against the contract (and MLflow's basic-auth store messages) and runs
 * unchanged against every implementation (SQLite, PostgreSQL, Redis, and through a live server).
 *
 * `open` must return a fresh, empty store and a way to open a second store on the same database
 * (what another server process sees); it is called before every test. The suite closes every
 * store itself and then calls `cleanup`. It only uses the contract's methods and checks errors by
 * their MLflow code and message.
 */
export function runAuthStoreConformance(options: AuthStoreConformanceOptions): void {
  describe(`AuthStore conformance: ${options.name}`, () => {
    userConformance(options);
    permissionConformance(options);
    tokenConformance(options);
    loginFailureConformance(options);
    auditConformance(options);
    authConcurrencyConformance(options);
  });
}
