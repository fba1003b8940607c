import { defineAuthStore, redactUri } from '@orrery/core';
import { migratePostgresUri, openPostgresAuthStore } from './open-postgres-store.js';

/** The PostgreSQL auth store: its own `auth_*` tables and schema version, in any database or schema. */
export default defineAuthStore({
  schemes: ['postgresql', 'postgres'],
  async create(context) {
    const store = await openPostgresAuthStore(context.uri, { logger: context.logger });
    context.logger.debug({ uri: redactUri(context.uri) }, 'opened PostgreSQL auth store');
    return store;
  },
  async migrate(context) {
    const result = await migratePostgresUri(context.uri, { logger: context.logger, auth: true });
    context.logger.info({ uri: redactUri(context.uri), ...result }, 'PostgreSQL auth schema migrated');
    return result;
  },
});
