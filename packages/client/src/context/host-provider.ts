import os from 'node:os';
import { defineRunContextProvider, type RunContextProvider } from '@orrery/core';

/**
 * MLflow has no reserved tag for the machine a run ran on, so Orrery uses its own namespace.
 */
export const HOST_TAG = 'orrery.host';

/** Sets `orrery.host` to this machine's host name. In context whenever the name is known. */
export function createHostRunContextProvider(hostname: () => string = os.hostname): RunContextProvider {
  return {
    name: 'host',
    inContext: () => hostname() !== '',
    tags: () => ({ [HOST_TAG]: hostname() }),
  };
}

export default defineRunContextProvider({ name: 'host', create: () => createHostRunContextProvider() });
