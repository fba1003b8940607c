import { defineProjectBackend } from '@orrery/core';
import { QueueProjectBackend } from './queue-backend.js';
import { queueLocationFrom } from './queue-config.js';

/** The `queue` project backend: `--backend-config '{"redis_url": "...", "queue": "..."}'`. */
export default defineProjectBackend({
  name: 'queue',
  async create({ config }) {
    const location = queueLocationFrom(config);
    await QueueProjectBackend.checkReachable(location);
    return new QueueProjectBackend(location);
  },
});
