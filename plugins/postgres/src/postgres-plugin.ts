import { defineTrackingStore, redactUri } from '@orrery/core';
import { migratePostgresUri, openPostgresTrackingStore } from './open-postgres-store.js';

/**
 * The PostgreSQL tracking store, for `postgresql://`, `postgres://` and `postgresql+<driver>://`
 * URIs (core strips the `+<driver>` part before looking the scheme up).
 */
export default defineTrackingStore({
  schemes: ['postgresql', 'postgres'],
  async create(context) {
    const store = await openPostgresTrackingStore(context.uri, {
      defaultArtifactRoot: context.defaultArtifactRoot,
      logger: context.logger,
    });
    context.logger.debug({ uri: redactUri(context.uri) }, 'opened PostgreSQL tracking store');
    return store;
  },
  async migrate(context) {
    const result = await migratePostgresUri(context.uri, { logger: context.logger });
    context.logger.info({ uri: redactUri(context.uri), ...result }, 'PostgreSQL schema migrated');
    return result;
  },
});
