import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLogModelChecks, runRegistryEventChecks, runTrackingEventChecks } from '@orrery/testkit';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';

// The domain layer (core's services) over the SQLite persistence ports.
const openTracking = async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-sqlite-domain-'));
  const defaultArtifactRoot = `file://${dir}/artifacts`;
  const store = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot });
  return { store, defaultArtifactRoot, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
};

runLogModelChecks({ name: 'sqlite', open: openTracking });
runTrackingEventChecks({ name: 'sqlite', open: openTracking });
runRegistryEventChecks({
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-sqlite-domain-registry-'));
    const store = await openSqliteModelRegistryStore(`sqlite:///${path.join(dir, 'registry.db')}`);
    return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});
