import { defineTrackingStore } from '@orrery/core';
import { migrateSqlite, openSqliteTrackingStore } from './open-sqlite-store.js';

/** The embedded default tracking store, served for `sqlite:` URIs. */
export default defineTrackingStore({
  schemes: ['sqlite'],
  async create(context) {
    const store = await openSqliteTrackingStore(context.uri, { defaultArtifactRoot: context.defaultArtifactRoot });
    context.logger.debug({ uri: context.uri }, 'opened SQLite tracking store');
    return store;
  },
  async migrate(context) {
    const result = await migrateSqlite(context.uri);
    context.logger.info({ uri: context.uri, ...result }, 'SQLite schema migrated');
    return result;
  },
});
