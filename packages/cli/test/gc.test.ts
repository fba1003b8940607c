import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { ok, orrery } from './in-process-cli.js';

let dir: string;
let uri: string;
let root: string;

async function withStore<T>(fn: (store: TrackingStore) => Promise<T>): Promise<T> {
  const store = await openSqliteTrackingStore(uri, { defaultArtifactRoot: root });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Writes one artifact file into a run's (local) artifact location. */
function writeArtifact(artifactUri: string): string {
  const file = path.join(fileURLToPath(artifactUri), 'model.txt');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, 'weights');
  return file;
}

beforeAll(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-gc-')));
  uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
  root = pathToFileURL(path.join(dir, 'orrery-artifacts')).href;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('orrery gc', () => {
  it('purges deleted runs and experiments with their artifacts under trusted roots, lists the others, and follows MLflow rules', async () => {
    const outside = pathToFileURL(path.join(dir, 'elsewhere')).href;
    const { kept, gone, foreign, experimentId, inExperiment } = await withStore(async (store) => {
      const kept = await store.createRun({ experimentId: '0' });
      const gone = await store.createRun({ experimentId: '0' });
      const foreignExperiment = await store.createExperiment({ name: 'foreign', artifactLocation: outside });
      const foreign = await store.createRun({ experimentId: foreignExperiment });
      const experimentId = await store.createExperiment({ name: 'old-project' });
      const inExperiment = await store.createRun({ experimentId });
      await store.deleteRun(gone.info.runId);
      await store.deleteRun(foreign.info.runId);
      await store.deleteExperiment(experimentId);
      return { kept, gone, foreign, experimentId, inExperiment };
    });
    const files = [kept, gone, foreign, inExperiment].map((r) => writeArtifact(r.info.artifactUri));
    const base = ['gc', '--backend-store-uri', uri, '--default-artifact-root', root];

    const young = await ok([...base, '--older-than', '1d']);
    expect(young.stdout).toBe('');
    const active = await orrery([...base, '--run-ids', kept.info.runId]);
    expect(active.code).toBe(1);
    expect(active.stderr).toMatch(/^orrery: Run [0-9a-f]{32} is not in the deleted lifecycle stage/);
    const badAge = await orrery([...base, '--older-than', 'yesterday']);
    expect(badAge.stderr).toMatch(/Could not parse any time information from 'yesterday'/);

    const result = await ok([...base, '--run-ids', gone.info.runId, '--run-ids', foreign.info.runId]);
    expect(result.stdout).toContain(`Run with ID ${gone.info.runId} has been permanently deleted.`);
    expect(result.stdout).toContain(`Artifacts left in place (outside the trusted roots; delete them with their own tools):\n  ${foreign.info.artifactUri}`);
    expect(existsSync(files[1]!)).toBe(false);
    expect(existsSync(files[2]!)).toBe(true);
    expect(existsSync(files[0]!)).toBe(true);

    const experiments = await ok([...base, '--experiment-ids', experimentId]);
    expect(experiments.stdout).toContain(`Run with ID ${inExperiment.info.runId} has been permanently deleted.`);
    expect(experiments.stdout).toContain(`Experiment with ID ${experimentId} has been permanently deleted.`);
    expect(existsSync(files[3]!)).toBe(false);
    await withStore(async (store) => {
      await expect(store.getRun(gone.info.runId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      await expect(store.getExperiment(experimentId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      expect((await store.getRun(kept.info.runId)).info.lifecycleStage).toBe('active');
    });
  });
});
