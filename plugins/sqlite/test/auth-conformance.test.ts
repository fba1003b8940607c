import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAuthStoreConformance } from '@orrery/testkit';
import { openSqliteAuthStore } from '@orrery/plugin-sqlite';

runAuthStoreConformance({
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-sqlite-auth-'));
    const uri = `sqlite:///${path.join(dir, 'auth.db')}`;
    const store = await openSqliteAuthStore(uri);
    return { store, openAnother: () => openSqliteAuthStore(uri), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});
