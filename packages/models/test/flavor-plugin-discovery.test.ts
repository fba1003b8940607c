/**
 * A flavor from an installed package: discovery reads its package.json `"orrery": {"modelFlavor":
 * {...}}` without importing it, loadModel imports it the first time a model of that flavor is
 * loaded, and a package whose module serves another flavor than it claims is refused.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { discoverPlugins, type PluginRegistry } from '@orrery/core';
import { loadModel, modelFlavorKind, writeModelDirectory } from '@orrery/models';

// Inside the repository, so the plugin's `import '@orrery/models'` resolves as in a user's project.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = path.join(ROOT, '.tmp', `flavor-plugin-${randomUUID()}`);
let registry: PluginRegistry;

function writePackage(name: string, claims: Record<string, string>, modules: Record<string, string>): void {
  const packageDir = path.join(dir, 'node_modules', name);
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(path.join(packageDir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', orrery: { modelFlavor: claims } }));
  for (const [file, text] of Object.entries(modules)) writeFileSync(path.join(packageDir, file), text);
}

const CONSTANT_FLAVOR = `
import { defineModelFlavor } from '@orrery/models';
export default defineModelFlavor({
  name: 'constant',
  create: () => ({
    name: 'constant',
    load: async (_directory, settings) => ({
      predict: async (input) => ({ kind: 'list', values: input.frame.rows.map(() => settings.value) }),
      close: async () => {},
    }),
  }),
});
`;

beforeAll(async () => {
  writePackage('orrery-flavor-constant', { constant: './constant-flavor.js' }, { 'constant-flavor.js': CONSTANT_FLAVOR });
  writePackage('orrery-flavor-liar', { pytorch: './liar.js' }, { 'liar.js': CONSTANT_FLAVOR });
  registry = await discoverPlugins({ cwd: dir, env: {}, scanCoreLocation: false });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('is found by its package.json and predicts models that list its flavor', async () => {
  expect(registry.knownKeys(modelFlavorKind.id)).toEqual(['constant', 'pytorch']);
  await writeModelDirectory(path.join(dir, 'model'), { flavors: { constant: { value: 3 } }, files: {}, requirements: [] });
  const model = await loadModel(path.join(dir, 'model'), { pluginRegistry: registry });
  expect(model.flavor).toBe('constant');
  expect(await model.predict({ kind: 'dataframe', frame: { columns: ['x'], rows: [[1], [2]] } })).toEqual({ kind: 'list', values: [3, 3] });
});

it('refuses a package whose module serves another flavor than its package.json claims, naming the package', async () => {
  await writeModelDirectory(path.join(dir, 'torch'), { flavors: { pytorch: { model_data: 'data' } }, files: {}, requirements: [] });
  await expect(loadModel(path.join(dir, 'torch'), { pluginRegistry: registry })).rejects.toThrow(/orrery-flavor-liar/);
});
