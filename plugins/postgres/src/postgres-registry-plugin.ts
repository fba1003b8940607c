import { defineModelRegistryStore, redactUri } from '@orrery/core';
import { migratePostgresUri, openPostgresModelRegistryStore } from './open-postgres-store.js';

/** The PostgreSQL model registry store; it shares the tracking store's schema and migrations. */
export default defineModelRegistryStore({
  schemes: ['postgresql', 'postgres'],
  async create(context) {
    const store = await openPostgresModelRegistryStore(context.uri, { logger: context.logger });
    context.logger.debug({ uri: redactUri(context.uri) }, 'opened PostgreSQL model registry store');
    return store;
  },
  async migrate(context) {
    const result = await migratePostgresUri(context.uri, { logger: context.logger });
    context.logger.info({ uri: redactUri(context.uri), ...result }, 'PostgreSQL schema migrated');
    return result;
  },
});
