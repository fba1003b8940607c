import { runRestoreConformance } from '@orrery/testkit';
import { openPostgresModelRegistryStore, openPostgresTrackingStore } from '@orrery/plugin-postgres';
import { useTestDatabase } from './postgres-test-helpers.js';

const db = useTestDatabase();

runRestoreConformance({
  name: 'postgres',
  open: async () => {
    const uri = db.freshSchemaUri();
    const tracking = await openPostgresTrackingStore(uri, { defaultArtifactRoot: 'file:///tmp/orrery-restore' });
    const registry = await openPostgresModelRegistryStore(uri);
    return { tracking, registry };
  },
});
