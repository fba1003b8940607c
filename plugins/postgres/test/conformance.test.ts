import { runTrackingStoreConformance } from '@orrery/testkit';
import { openPostgresTrackingStore } from '@orrery/plugin-postgres';
import { useTestDatabase } from './postgres-test-helpers.js';

const db = useTestDatabase();

runTrackingStoreConformance({
  name: 'postgres',
  open: async () => {
    const defaultArtifactRoot = 'file:///tmp/orrery-pg-conformance/artifacts';
    const store = await openPostgresTrackingStore(db.freshSchemaUri(), { defaultArtifactRoot });
    return { store, defaultArtifactRoot };
  },
});
