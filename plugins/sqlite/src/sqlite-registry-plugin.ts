import { defineModelRegistryStore } from '@orrery/core';
import { migrateSqlite } from './open-sqlite-store.js';
import { openSqliteModelRegistryStore } from './open-sqlite-registry-store.js';

/** The embedded model registry store, served for `sqlite:` URIs (the same file may hold tracking data). */
export default defineModelRegistryStore({
  schemes: ['sqlite'],
  async create(context) {
    const store = await openSqliteModelRegistryStore(context.uri);
    context.logger.debug({ uri: context.uri }, 'opened SQLite model registry store');
    return store;
  },
  async migrate(context) {
    const result = await migrateSqlite(context.uri);
    context.logger.info({ uri: context.uri, ...result }, 'SQLite schema migrated');
    return result;
  },
});
