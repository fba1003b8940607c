import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runRestoreConformance } from '@orrery/testkit';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';

runRestoreConformance({
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-sqlite-restore-'));
    const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
    const tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'file:///tmp/orrery-restore' });
    const registry = await openSqliteModelRegistryStore(uri);
    return { tracking, registry, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});
