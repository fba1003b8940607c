/**
 * Every `js` example of docs/models.md runs, in order, as an ES module in one folder holding a
 * `model.onnx`, against a live `orrery server` (MLFLOW_TRACKING_URI). Each example asserts what it
 * shows with node:assert, so a doc that drifts from the code fails here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ModelRegistryStore, TrackingStore } from '@orrery/core';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { openSqliteModelRegistryStore, openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { createServer } from '@orrery/server';
import { linearOnnxModel } from '@orrery/testkit';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(path.join(ROOT, 'docs/models.md'), 'utf8');
const BLOCKS = [...DOC.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

// Inside the repository, so the examples resolve @orrery/* from its node_modules like a user's project.
const dir = path.join(ROOT, '.tmp', `docs-models-${randomUUID()}`);
let tracking: TrackingStore;
let registry: ModelRegistryStore;
let app: ReturnType<typeof createServer>;
let url: string;

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), linearOnnxModel());
  const uri = `sqlite:///${path.join(dir, 'orrery.db')}`;
  tracking = await openSqliteTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  registry = await openSqliteModelRegistryStore(uri);
  app = createServer({
    trackingStore: tracking,
    modelRegistryStore: registry,
    openArtifactRepository: async (root) => new LocalArtifactRepository(root),
    artifactsDestination: pathToFileURL(path.join(dir, 'proxied')).href,
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  await registry.close();
  await tracking.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(file: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: dir, env: { ...process.env, MLFLOW_TRACKING_URI: url, ORRERY_TRACKING_URI: '', ORRERY_PLUGINS: '' } }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
  });
}

it('docs/models.md has its examples', () => {
  expect(BLOCKS.length).toBeGreaterThanOrEqual(5);
});

it('runs every js example of docs/models.md in order', async () => {
  for (const [index, block] of BLOCKS.entries()) {
    const file = path.join(dir, `example-${index + 1}.mjs`);
    writeFileSync(file, block);
    const result = await run(file);
    expect(result.stderr, `example ${index + 1} of docs/models.md:\n${block}`).toBe('');
    expect(result.code, `example ${index + 1} of docs/models.md`).toBe(0);
  }
}, 120_000);
