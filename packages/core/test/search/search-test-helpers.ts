import { expect } from 'vitest';
import { isOrreryError, type Run } from '@orrery/core';

/** Runs `fn` and returns the INVALID_PARAMETER_VALUE message it throws; fails on anything else. */
export function invalidMessage(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an error').toBeDefined();
  if (!isOrreryError(thrown)) throw thrown;
  expect(thrown.code).toBe('INVALID_PARAMETER_VALUE');
  return thrown.message;
}

/** Asserts `fn` throws INVALID_PARAMETER_VALUE whose message holds every fragment. */
export function expectInvalid(fn: () => unknown, ...fragments: string[]): void {
  const message = invalidMessage(fn);
  for (const fragment of fragments) expect(message).toContain(fragment);
}

/** Calls `fn`; returns true if it succeeded, false if it threw INVALID_PARAMETER_VALUE, rethrows otherwise. */
export function parsesOrRejects(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (isOrreryError(error) && error.code === 'INVALID_PARAMETER_VALUE') return false;
    throw error;
  }
}

/** A run with sensible defaults; override what a test cares about. */
export function makeRun(overrides: {
  runId?: string;
  runName?: string;
  status?: Run['info']['status'];
  userId?: string;
  artifactUri?: string;
  lifecycleStage?: Run['info']['lifecycleStage'];
  startTime?: number;
  endTime?: number | null;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasets?: Array<{ name: string; digest: string; context?: string }>;
}): Run {
  return {
    info: {
      runId: overrides.runId ?? 'abc123',
      runName: overrides.runName ?? 'brave-owl',
      experimentId: '0',
      userId: overrides.userId ?? 'ada',
      status: overrides.status ?? 'FINISHED',
      startTime: overrides.startTime ?? 1000,
      endTime: overrides.endTime === undefined ? 2000 : overrides.endTime,
      artifactUri: overrides.artifactUri ?? 'file:///tmp/mlruns/0/abc123/artifacts',
      lifecycleStage: overrides.lifecycleStage ?? 'active',
    },
    data: {
      metrics: Object.entries(overrides.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: 1, step: 0 })),
      params: Object.entries(overrides.params ?? {}).map(([key, value]) => ({ key, value })),
      tags: Object.entries(overrides.tags ?? {}).map(([key, value]) => ({ key, value })),
    },
    inputs: {
      datasetInputs: (overrides.datasets ?? []).map((d) => ({
        tags: d.context === undefined ? [] : [{ key: 'mlflow.data.context', value: d.context }],
        dataset: { name: d.name, digest: d.digest, sourceType: 'local', source: '{}' },
      })),
    },
  };
}
