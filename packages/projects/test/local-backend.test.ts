import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverDefaultRegistry, OrreryClient } from '@orrery/client';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { LocalProjectBackend } from '@orrery/projects';
import { runProjectBackendConformance } from '@orrery/testkit';
import type { TrackingStore } from '@orrery/core';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'orrery-local-backend-')));
const trackingUri = `sqlite:///${join(dir, 'tracking.db')}`;
let store: TrackingStore | undefined;

runProjectBackendConformance({
  name: 'local',
  async open() {
    // One discovery for the file: each execution opens its client through it.
    const registry = await discoverDefaultRegistry();
    return new LocalProjectBackend({ stateDir: join(dir, 'executions'), openClient: (uri) => OrreryClient.create({ trackingUri: uri, registry }) });
  },
  async tracking() {
    store = await openSqliteTrackingStore(trackingUri, { defaultArtifactRoot: `file://${join(dir, 'artifacts')}` });
    return { store, trackingUri };
  },
  async cleanup() {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  },
});
