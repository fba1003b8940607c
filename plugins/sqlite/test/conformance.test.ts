import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTrackingStoreConformance } from '@orrery/testkit';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';

runTrackingStoreConformance({
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-sqlite-conformance-'));
    const defaultArtifactRoot = `file://${dir}/artifacts`;
    const store = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot });
    return { store, defaultArtifactRoot, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});
