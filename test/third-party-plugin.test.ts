/**
 * End to end: a third-party plugin package, installed from its tarball into a fresh project next to
 * the Orrery packages (also installed from tarballs, as from a registry), is found and used with
 * nothing registered by hand: `orrery plugins list` shows it, a run started with the fluent API
 * carries its run-context tag, and artifacts of an experiment located at `toy://` land in its store.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE_PLUGIN = path.join(REPO, 'test', 'fixtures', 'sample-plugin');
/**
 * The Orrery packages a user would get from the registry, by package folder: every workspace
 * package except the test kit, so a new package dependency of the client or CLI is packed too.
 */
const ORRERY_PACKAGES = ['packages', 'plugins'].flatMap((group) =>
  readdirSync(path.join(REPO, group))
    .filter((name) => name !== 'testkit' && existsSync(path.join(REPO, group, name, 'package.json')))
    .map((name) => `${group}/${name}`),
);

let work: string;
let project: string;
let toyRoot: string;
let env: NodeJS.ProcessEnv;

/** The environment of a user's shell: no npm/pnpm script variables from the test runner's own pnpm. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|ORRERY_|MLFLOW_)/i.test(key)) continue;
    result[key] = value;
  }
  return { ...result, ...extra };
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** `pnpm pack` into `dir`; returns the tarball's path. */
function pack(packageDir: string, dir: string): string {
  const before = new Set(readdirSync(dir));
  run('pnpm', ['pack', '--pack-destination', dir], packageDir);
  const created = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.tgz'));
  if (created.length !== 1) throw new Error(`pnpm pack in ${packageDir} made ${created.length} tarballs`);
  return path.join(dir, created[0]!);
}

function packageName(packageDir: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { name: string }).name;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

beforeAll(() => {
  work = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-third-party-')));
  project = path.join(work, 'project');
  toyRoot = path.join(work, 'toy-store');
  const tarballs = path.join(work, 'tarballs');
  mkdirSync(tarballs);
  mkdirSync(project);
  env = cleanEnv({ ORRERY_TOY_ROOT: toyRoot, ORRERY_TRACKING_URI: `sqlite:///${path.join(project, 'tracking.db')}` });

  const plugin = pack(SAMPLE_PLUGIN, tarballs);
  // Each Orrery package as the registry would serve it (pack turns workspace:* into versions);
  // overrides make every dependency on them resolve to these tarballs instead of the registry.
  const overrides: Record<string, string> = {};
  for (const dir of ORRERY_PACKAGES) overrides[packageName(path.join(REPO, dir))] = `file:${pack(path.join(REPO, dir), tarballs)}`;
  // The native SQLite driver at the version the workspace built, so the install reuses that build.
  const sqliteDriver = JSON.parse(readFileSync(path.join(REPO, 'plugins', 'sqlite', 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string };
  overrides['better-sqlite3'] = sqliteDriver.version;

  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'third-party-project', private: true, type: 'module', pnpm: { overrides, onlyBuiltDependencies: ['better-sqlite3'] } }, null, 2),
  );
  run('pnpm', ['add', '--prefer-offline', plugin, overrides['@orrery/client']!.slice('file:'.length), overrides['@orrery/cli']!.slice('file:'.length)], project);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a third-party plugin installed from its tarball', () => {
  it('is listed by `orrery plugins list` run in the project', () => {
    const table = run(path.join(project, 'node_modules', '.bin', 'orrery'), ['plugins', 'list'], project);
    expect(table).toMatch(/orrery-plugin-sample\s+1\.2\.3\s+artifactRepository\s+toy/);
    expect(table).toMatch(/orrery-plugin-sample\s+1\.2\.3\s+runContextProvider\s+sample/);
    // The client's defaults are found too, though the project installed only the client and CLI.
    expect(table).toMatch(/@orrery\/plugin-sqlite\s+\S+\s+trackingStore\s+sqlite/);
    expect(table).toMatch(/@orrery\/plugin-local\s+\S+\s+artifactRepository\s+file/);
  });

  it("tags runs with its provider and stores artifacts of a toy:// experiment in its repository", () => {
    writeFileSync(path.join(project, 'model.txt'), 'trained weights');
    writeFileSync(
      path.join(project, 'train.mjs'),
      `
import { OrreryClient, setExperiment, startRun, logArtifact, endRun, getRun, shutdown } from '@orrery/client';

const client = await OrreryClient.create();
const experimentId = await client.createExperiment('toy-experiment', { artifactLocation: 'toy://bucket/experiments' });
await client.close();

await setExperiment({ experimentId });
const run = await startRun({ runName: 'third-party' });
await logArtifact('model.txt', 'model');
await endRun();
const stored = await getRun(run.runId);
await shutdown();
console.log(JSON.stringify({ runId: run.runId, artifactUri: stored.info.artifactUri, status: stored.info.status, tags: stored.data.tags }));
`,
    );
    const output = run(process.execPath, ['train.mjs'], project).trim().split('\n').pop()!;
    const result = JSON.parse(output) as { runId: string; artifactUri: string; status: string; tags: Array<{ key: string; value: string }> };

    expect(result.status).toBe('FINISHED');
    expect(result.tags).toContainEqual({ key: 'sample.plugin', value: 'yes' });
    // The built-in providers still ran alongside it.
    expect(result.tags.map((t) => t.key)).toContain('mlflow.user');

    expect(result.artifactUri).toBe(`toy://bucket/experiments/${result.runId}/artifacts`);
    const stored = path.join(toyRoot, 'bucket', 'experiments', result.runId, 'artifacts');
    expect(filesUnder(stored)).toEqual([path.join('model', 'model.txt')]);
    expect(readFileSync(path.join(stored, 'model', 'model.txt'), 'utf8')).toBe('trained weights');

    // The CLI reads them back through the same plugin.
    const listing = run(path.join(project, 'node_modules', '.bin', 'orrery'), ['artifacts', 'list', '--run-id', result.runId, '--artifact-path', 'model'], project);
    expect(listing).toMatch(/model\/model\.txt\s+file\s+15 B/);
  });
});
