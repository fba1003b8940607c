import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { openSqliteTrackingStore, parseSqliteUri } from '@orrery/plugin-sqlite';
import { ARTIFACT_ROOT, tempDir } from './store-helpers.js';

describe('parseSqliteUri', () => {
  it('reads three slashes as a path relative to the working directory', () => {
    expect(parseSqliteUri('sqlite:///data/orrery.db', '/srv/app')).toEqual({ kind: 'file', path: '/srv/app/data/orrery.db' });
  });

  it('reads four slashes as an absolute path', () => {
    expect(parseSqliteUri('sqlite:////var/lib/orrery.db', '/srv/app')).toEqual({ kind: 'file', path: '/var/lib/orrery.db' });
  });

  it('accepts the in-memory forms', () => {
    for (const uri of ['sqlite://', 'sqlite://:memory:', 'sqlite:///:memory:']) {
      expect(parseSqliteUri(uri)).toEqual({ kind: 'memory' });
    }
  });

  it('rejects URIs that are not SQLAlchemy-style SQLite URIs, naming the URI', () => {
    for (const uri of ['postgresql://h/db', 'sqlite:/x.db', 'sqlite://host/x.db', 'sqlite:///x.db?mode=ro', 'sqlite:///dir/']) {
      let caught: unknown;
      try {
        parseSqliteUri(uri);
      } catch (error) {
        caught = error;
      }
      expect(isOrreryError(caught) && caught.code === 'INVALID_PARAMETER_VALUE', uri).toBe(true);
      expect((caught as Error).message).toContain(uri);
    }
  });

  it('creates missing parent folders when opening a file store', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'nested', 'deeper', 'orrery.db');
    const store = await openSqliteTrackingStore(`sqlite:///${file}`, { defaultArtifactRoot: ARTIFACT_ROOT });
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  it('opens an in-memory store with the Default experiment', async () => {
    const store = await openSqliteTrackingStore('sqlite:///:memory:', { defaultArtifactRoot: ARTIFACT_ROOT });
    const experiment = await store.getExperiment('0');
    expect(experiment.name).toBe('Default');
    expect(experiment.artifactLocation).toBe(`${ARTIFACT_ROOT}/0`);
    await store.close();
  });
});
