import { runAuthStoreConformance } from '@orrery/testkit';
import { openPostgresAuthStore } from '@orrery/plugin-postgres';
import { useTestDatabase } from './postgres-test-helpers.js';

const db = useTestDatabase();

runAuthStoreConformance({
  name: 'postgres',
  open: async () => {
    const uri = db.freshSchemaUri();
    const store = await openPostgresAuthStore(uri);
    return { store, openAnother: () => openPostgresAuthStore(uri) };
  },
});
