import { runLogModelChecks, runRegistryEventChecks, runTrackingEventChecks } from '@orrery/testkit';
import { openPostgresModelRegistryStore, openPostgresTrackingStore } from '@orrery/plugin-postgres';
import { useTestDatabase } from './postgres-test-helpers.js';

// The domain layer (core's services) over the PostgreSQL persistence ports: log-model's
// read-modify-write runs under the run's row lock, so concurrent calls all land.
const db = useTestDatabase();
const openTracking = async () => {
  const defaultArtifactRoot = 'file:///tmp/orrery-pg-domain/artifacts';
  return { store: await openPostgresTrackingStore(db.freshSchemaUri(), { defaultArtifactRoot }), defaultArtifactRoot };
};

runLogModelChecks({ name: 'postgres', open: openTracking });
runTrackingEventChecks({ name: 'postgres', open: openTracking });
runRegistryEventChecks({ name: 'postgres', open: async () => ({ store: await openPostgresModelRegistryStore(db.freshSchemaUri()) }) });
