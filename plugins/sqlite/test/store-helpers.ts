import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { TrackingService } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';

/** A fresh folder per call, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-sqlite-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const ARTIFACT_ROOT = 'file:///tmp/orrery-artifacts';

/** Opens a store on a fresh database file. */
export async function openFreshStore(dir: string, name = 'orrery.db'): Promise<TrackingService> {
  return openSqliteTrackingStore(`sqlite:///${path.join(dir, name)}`, { defaultArtifactRoot: ARTIFACT_ROOT });
}
