import os from 'node:os';
import { defineRunContextProvider, type RunContextProvider } from '@orrery/core';

/** The reserved tag naming who started a run. */
export const USER_TAG = 'mlflow.user';

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Who is running this process, first of: the tracking username (`ORRERY_TRACKING_USERNAME`,
 * `MLFLOW_TRACKING_USERNAME`, as MLflow prefers the tracking credentials' user), the login name
 * from the environment (`LOGNAME`, `USER`, `LNAME`, `USERNAME`, the order Python's
 * `getpass.getuser` reads), the operating system account, else `unknown`.
 */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv =
    nonEmpty(env.ORRERY_TRACKING_USERNAME) ??
    nonEmpty(env.MLFLOW_TRACKING_USERNAME) ??
    nonEmpty(env.LOGNAME) ??
    nonEmpty(env.USER) ??
    nonEmpty(env.LNAME) ??
    nonEmpty(env.USERNAME);
  if (fromEnv !== undefined) return fromEnv;
  try {
    return nonEmpty(os.userInfo().username) ?? 'unknown';
  } catch {
    // userInfo throws when the uid has no passwd entry (common in containers).
    return 'unknown';
  }
}

/** Sets `mlflow.user`. Always in context. */
export function createUserRunContextProvider(env: NodeJS.ProcessEnv = process.env): RunContextProvider {
  return {
    name: 'user',
    inContext: () => true,
    tags: () => ({ [USER_TAG]: currentUser(env) }),
  };
}

export default defineRunContextProvider({ name: 'user', create: () => createUserRunContextProvider() });
