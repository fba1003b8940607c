import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runModelRegistryStoreConformance } from '@orrery/testkit';
import { openSqliteModelRegistryStore } from '@orrery/plugin-sqlite';

runModelRegistryStoreConformance({
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-sqlite-registry-'));
    const store = await openSqliteModelRegistryStore(`sqlite:///${path.join(dir, 'orrery.db')}`);
    return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});
