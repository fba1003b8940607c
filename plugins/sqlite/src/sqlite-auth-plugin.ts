import { defineAuthStore } from '@orrery/core';
import { migrateSqliteAuth, openSqliteAuthStore } from './open-sqlite-auth-store.js';

/** The auth store for `sqlite:` URIs (a file of its own, or the tracking database: its tables are apart). */
export default defineAuthStore({
  schemes: ['sqlite'],
  async create(context) {
    const store = await openSqliteAuthStore(context.uri);
    context.logger.debug({ uri: context.uri }, 'opened SQLite auth store');
    return store;
  },
  async migrate(context) {
    const result = await migrateSqliteAuth(context.uri);
    context.logger.info({ uri: context.uri, ...result }, 'SQLite auth schema migrated');
    return result;
  },
});
