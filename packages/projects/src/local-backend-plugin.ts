import { defineProjectBackend, errors } from '@orrery/core';
import { OrreryClient } from '@orrery/client';
import { LocalProjectBackend } from './local-backend.js';

/** The `local` project backend: entry points run as child processes of the submitting process. */
export default defineProjectBackend({
  name: 'local',
  create({ config, registry }) {
    const stateDir = config.state_dir;
    if (stateDir !== undefined && typeof stateDir !== 'string') throw errors.invalidParameter(`Backend config "state_dir" must be a path, got ${JSON.stringify(stateDir)}.`);
    return Promise.resolve(
      new LocalProjectBackend({
        ...(stateDir !== undefined ? { stateDir } : {}),
        openClient: (trackingUri) => OrreryClient.create({ trackingUri, ...(registry !== undefined ? { registry } : {}) }),
      }),
    );
  },
});
