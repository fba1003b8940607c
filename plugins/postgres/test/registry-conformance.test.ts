import { runModelRegistryStoreConformance } from '@orrery/testkit';
import { openPostgresModelRegistryStore } from '@orrery/plugin-postgres';
import { useTestDatabase } from './postgres-test-helpers.js';

const db = useTestDatabase();

runModelRegistryStoreConformance({
  name: 'postgres',
  open: async () => {
    const store = await openPostgresModelRegistryStore(db.freshSchemaUri());
    return { store };
  },
});
