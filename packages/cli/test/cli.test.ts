import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryClient } from '@orrery/client';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let trackingUri: string;

/** Runs the built CLI in the temp project, with the environment's tracking variables cleared. */
function orrery(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: dir,
        env: { ...process.env, ORRERY_TRACKING_URI: trackingUri, MLFLOW_TRACKING_URI: '', ORRERY_PLUGINS: '', ORRERY_DEBUG: '', ...env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const result = await orrery(args);
  expect(result.stderr, `stderr of orrery ${args.join(' ')}`).toBe('');
  expect(result.code, `exit status of orrery ${args.join(' ')}`).toBe(0);
  return result.stdout;
}

/** A failure is exactly one `orrery: ...` line on stderr and the given exit status. */
async function fails(args: string[], status: number, message: RegExp): Promise<void> {
  const result = await orrery(args);
  expect(result.code, `exit status of orrery ${args.join(' ')}`).toBe(status);
  expect(result.stderr.endsWith('\n')).toBe(true);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^orrery: /);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-cli-')));
  trackingUri = `sqlite:///${path.join(dir, 'tracking.db')}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('orrery experiments', () => {
  it('creates, lists, gets, renames, deletes and restores experiments', async () => {
    expect(await ok(['experiments', 'create', 'fraud-detection', '--tag', 'team=risk'])).toMatch(/Created experiment "fraud-detection" with id (\d+)/);
    const created = JSON.parse(await ok(['experiments', 'create', 'churn', '--json'])) as { experimentId: string };
    expect(created.experimentId).toMatch(/^\d+$/);

    const table = await ok(['experiments', 'list']);
    const [header, ...rows] = table.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STAGE\s+CREATED\s+ARTIFACT LOCATION$/);
    expect(rows.map((r) => r.split(/\s{2,}/)[1])).toEqual(expect.arrayContaining(['fraud-detection', 'churn', 'Default']));

    const listed = JSON.parse(await ok(['experiments', 'list', '--json', '--order-by', 'name ASC'])) as Array<{ name: string }>;
    expect(listed.map((e) => e.name)).toEqual(['Default', 'churn', 'fraud-detection']);
    const limited = JSON.parse(await ok(['--json', 'experiments', 'list', '--max-results', '1', '--order-by', 'name ASC'])) as Array<{ name: string }>;
    expect(limited.map((e) => e.name)).toEqual(['Default']);

    const searched = JSON.parse(await ok(['experiments', 'search', "tags.team = 'risk'", '--json'])) as Array<{ name: string }>;
    expect(searched.map((e) => e.name)).toEqual(['fraud-detection']);

    const got = JSON.parse(await ok(['experiments', 'get', created.experimentId, '--json'])) as { name: string; lifecycleStage: string };
    expect(got).toMatchObject({ name: 'churn', lifecycleStage: 'active' });
    expect(await ok(['experiments', 'get', '--name', 'fraud-detection'])).toMatch(/Tag team\s+risk/);

    expect(await ok(['experiments', 'rename', created.experimentId, 'churn-v2'])).toContain('Renamed experiment');
    expect(await ok(['experiments', 'delete', created.experimentId])).toContain(`Deleted experiment ${created.experimentId}`);
    const active = JSON.parse(await ok(['experiments', 'list', '--json'])) as Array<{ name: string }>;
    expect(active.map((e) => e.name)).not.toContain('churn-v2');
    const deleted = JSON.parse(await ok(['experiments', 'list', '--json', '--view', 'deleted'])) as Array<{ name: string }>;
    expect(deleted.map((e) => e.name)).toEqual(['churn-v2']);
    await ok(['experiments', 'restore', created.experimentId]);
    const restored = JSON.parse(await ok(['experiments', 'get', created.experimentId, '--json'])) as { lifecycleStage: string };
    expect(restored.lifecycleStage).toBe('active');
  });

  it('reports unknown ids, duplicate names and bad filters in one line', async () => {
    await fails(['experiments', 'get', '987654'], 1, /987654/);
    await ok(['experiments', 'create', 'dup']);
    await fails(['experiments', 'create', 'dup'], 1, /already exists/);
    await fails(['experiments', 'search', 'name = = 1'], 1, /filter/i);
    await fails(['experiments', 'get', '--name', 'no-such-experiment'], 1, /No experiment named "no-such-experiment"/);
  });
});

describe('orrery runs', () => {
  let experimentId: string;
  let runIds: string[];

  beforeAll(async () => {
    const client = await OrreryClient.create({ trackingUri });
    try {
      experimentId = await client.createExperiment('runs-demo');
      runIds = [];
      for (const [name, rmse] of [['alpha', 0.9], ['beta', 0.4]] as const) {
        const run = await client.createRun(experimentId, { runName: name, tags: { stage: 'test' } });
        await client.logParam(run.info.runId, 'model', name === 'alpha' ? 'tree' : 'linear');
        await client.logMetric(run.info.runId, 'rmse', rmse);
        await client.setTerminated(run.info.runId, 'FINISHED');
        runIds.push(run.info.runId);
      }
    } finally {
      await client.close();
    }
  });

  it('lists runs by experiment id or name, with filter, order and limit', async () => {
    const table = await ok(['runs', 'list', '--experiment-id', experimentId]);
    expect(table.split('\n')[0]).toMatch(/^RUN ID\s+NAME\s+EXPERIMENT\s+STATUS\s+STARTED\s+DURATION$/);
    expect(table).toContain('alpha');
    expect(table).toContain('FINISHED');

    const ordered = JSON.parse(await ok(['runs', 'list', '--experiment-name', 'runs-demo', '--order-by', 'metrics.rmse ASC', '--json'])) as Array<{ info: { runName: string } }>;
    expect(ordered.map((r) => r.info.runName)).toEqual(['beta', 'alpha']);

    const filtered = JSON.parse(await ok(['runs', 'list', '--experiment-id', experimentId, '--filter', "params.model = 'tree'", '--json'])) as Array<{ info: { runName: string } }>;
    expect(filtered.map((r) => r.info.runName)).toEqual(['alpha']);

    const limited = JSON.parse(await ok(['runs', 'list', '--experiment-id', experimentId, '--max-results', '1', '--json'])) as unknown[];
    expect(limited).toHaveLength(1);
  });

  it('describes a run and deletes and restores it', async () => {
    const described = await ok(['runs', 'describe', runIds[0]!]);
    expect(described).toMatch(/Run ID\s+/);
    expect(described).toMatch(/model\s+tree/);
    expect(described).toMatch(/rmse\s+0\.9\s+0/);
    expect(described).toMatch(/stage\s+test/);
    const json = JSON.parse(await ok(['runs', 'describe', runIds[0]!, '--json'])) as { info: { runId: string } };
    expect(json.info.runId).toBe(runIds[0]);

    await ok(['runs', 'delete', runIds[0]!]);
    const active = JSON.parse(await ok(['runs', 'list', '--experiment-id', experimentId, '--json'])) as Array<{ info: { runId: string } }>;
    expect(active.map((r) => r.info.runId)).toEqual([runIds[1]]);
    const deleted = JSON.parse(await ok(['runs', 'list', '--experiment-id', experimentId, '--view', 'deleted', '--json'])) as Array<{ info: { runId: string } }>;
    expect(deleted.map((r) => r.info.runId)).toEqual([runIds[0]]);
    await ok(['runs', 'restore', runIds[0]!]);
  });

  it('fails in one line for unknown runs, bad filters and bad usage', async () => {
    await fails(['runs', 'describe', 'ffffffffffffffffffffffffffffffff'], 1, /ffffffffffffffffffffffffffffffff/);
    await fails(['runs', 'list', '--experiment-id', experimentId, '--filter', 'metrics.rmse <<< 1'], 1, /filter/i);
    await fails(['runs', 'list'], 2, /--experiment-id or --experiment-name/);
    await fails(['runs', 'list', '--experiment-id', experimentId, '--view', 'sometimes'], 2, /--view/);
  });
});

describe('orrery artifacts', () => {
  it('logs a file and a directory, lists and downloads them', async () => {
    const client = await OrreryClient.create({ trackingUri });
    let runId: string;
    try {
      const experimentId = await client.createExperiment('artifacts-demo', { artifactLocation: path.join(dir, 'store') });
      runId = (await client.createRun(experimentId)).info.runId;
    } finally {
      await client.close();
    }
    const src = path.join(dir, 'src');
    mkdirSync(path.join(src, 'plots'), { recursive: true });
    writeFileSync(path.join(dir, 'model.txt'), 'weights');
    writeFileSync(path.join(src, 'plots', 'roc.csv'), 'x,y\n0,0\n');
    writeFileSync(path.join(src, 'notes.md'), '# notes');

    expect(await ok(['artifacts', 'log', path.join(dir, 'model.txt'), '--run-id', runId, '--artifact-path', 'model'])).toContain('model/model.txt');
    await ok(['artifacts', 'log', src, '--run-id', runId]);

    const root = JSON.parse(await ok(['artifacts', 'list', '--run-id', runId, '--json'])) as Array<{ path: string; isDir: boolean }>;
    expect(root.map((f) => [f.path, f.isDir])).toEqual(expect.arrayContaining([['model', true], ['plots', true], ['notes.md', false]]));
    const table = await ok(['artifacts', 'list', '--run-id', runId, '--artifact-path', 'model']);
    expect(table).toMatch(/model\/model\.txt\s+file\s+7 B/);

    const dst = path.join(dir, 'downloaded');
    mkdirSync(dst);
    const local = (await ok(['artifacts', 'download', '--run-id', runId, '--artifact-path', 'plots', '--dst', dst])).trim();
    expect(readFileSync(path.join(local, 'roc.csv'), 'utf8')).toBe('x,y\n0,0\n');
    const all = (await ok(['artifacts', 'download', '--run-id', runId])).trim();
    expect(readFileSync(path.join(all, 'model', 'model.txt'), 'utf8')).toBe('weights');
    rmSync(all, { recursive: true, force: true });

    await fails(['artifacts', 'log', path.join(dir, 'missing.bin'), '--run-id', runId], 1, /missing\.bin/);
    await fails(['artifacts', 'list'], 2, /--run-id/);
  });
});

describe('orrery plugins and db', () => {
  it('lists the default plugins with package, version, kind and schemes', async () => {
    const table = await ok(['plugins', 'list']);
    expect(table.split('\n')[0]).toMatch(/^PACKAGE\s+VERSION\s+KIND\s+SCHEMES\/NAMES$/);
    expect(table).toMatch(/@orrery\/plugin-sqlite\s+\d+\.\d+\.\d+\s+trackingStore\s+.*sqlite/);
    expect(table).toMatch(/@orrery\/plugin-local\s+\d+\.\d+\.\d+\s+artifactRepository\s+.*file/);
    const json = JSON.parse(await ok(['plugins', 'list', '--json'])) as {
      plugins: Array<{ package: string; kind: string; schemes?: string[] }>;
      kinds: Array<{ id: string; keyedBy: string; label: string }>;
    };
    expect(json.plugins).toContainEqual(expect.objectContaining({ package: '@orrery/plugin-sqlite', kind: 'trackingStore', schemes: expect.arrayContaining(['sqlite']) }));
    // The kinds come from their declarations: how each is keyed, and its name in messages.
    expect(json.kinds).toContainEqual({ id: 'artifactRepository', keyedBy: 'scheme', label: 'artifact repository' });
    expect(json.kinds).toContainEqual({ id: 'runContextProvider', keyedBy: 'name', label: 'run-context provider' });
  });

  it('shows host-pattern claims after the schemes, and apart from them in --json', async () => {
    // The workspace's Azure plugin is found from the CLI's install location.
    const table = await ok(['plugins', 'list']);
    expect(table).toMatch(/@orrery\/plugin-azure-blob\s+\d+\.\d+\.\d+\s+artifactRepository\s+wasbs, https:\/\/\*\.blob\.core\.chinacloudapi\.cn, .*https:\/\/\*\.blob\.core\.windows\.net/);
    expect(table).toMatch(/@orrery\/client\s+\d+\.\d+\.\d+\s+artifactRepository\s+http, https, mlflow-artifacts\n/);
    const json = JSON.parse(await ok(['plugins', 'list', '--json'])) as { plugins: Array<{ package: string; kind: string; schemes?: string[]; hostPatterns?: string[] }> };
    expect(json.plugins).toContainEqual(
      expect.objectContaining({ package: '@orrery/plugin-azure-blob', kind: 'artifactRepository', schemes: ['wasbs'], hostPatterns: expect.arrayContaining(['https://*.blob.core.windows.net']) }),
    );
    expect(json.plugins.find((p) => p.package === '@orrery/client' && p.kind === 'artifactRepository')?.hostPatterns).toBeUndefined();
  });

  it('upgrades a database, and refuses an unknown scheme naming the package to install', async () => {
    const fresh = `sqlite:///${path.join(dir, 'fresh.db')}`;
    const result = JSON.parse(await ok(['db', 'upgrade', fresh, '--json'])) as { toVersion: number };
    expect(result.toVersion).toBeGreaterThan(0);
    expect(await ok(['db', 'upgrade', fresh])).toMatch(/up to date|Upgraded/);
    await fails(['db', 'upgrade', 'postgresql://u:hunter2@localhost/db'], 1, /@orrery\/plugin-postgres/);
    const leaked = await orrery(['db', 'upgrade', 'postgresql://u:hunter2@localhost/db']);
    expect(leaked.stderr).not.toContain('hunter2');
  });

  it('upgrades an auth database with --auth, apart from the tracking schema of the same file', async () => {
    const shared = `sqlite:///${path.join(dir, 'auth-and-tracking.db')}`;
    expect(await ok(['db', 'upgrade', shared, '--auth'])).toMatch(/^Upgraded .* from schema version 0 to 1 \(applied: 1: auth schema\)\n$/);
    expect(await ok(['db', 'upgrade', shared, '--auth'])).toMatch(/up to date \(schema version 1\)/);
    // The tracking schema of the same file is still to be applied.
    expect(JSON.parse(await ok(['db', 'upgrade', shared, '--json'])) as { fromVersion: number }).toMatchObject({ fromVersion: 0 });
    const table = await ok(['plugins', 'list']);
    expect(table).toMatch(/@orrery\/plugin-sqlite\s+\d+\.\d+\.\d+\s+authStore\s+sqlite\n/);
  });
});

describe('orrery usage', () => {
  it('prints help for every command and exits 0', async () => {
    for (const args of [[], ['experiments'], ['experiments', 'list'], ['runs', 'list'], ['artifacts', 'download'], ['plugins', 'list'], ['db', 'upgrade']]) {
      const result = await orrery([...args, '--help']);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout, args.join(' ')).toMatch(/^Usage: orrery/);
    }
  });

  it('an unknown command or option is one line and exit status 2; a stack only with ORRERY_DEBUG=1', async () => {
    await fails(['experimnts', 'list'], 2, /unknown command 'experimnts'.*Did you mean experiments\?/);
    await fails(['experiments', 'list', '--colour'], 2, /unknown option '--colour'/);
    await fails(['experiments', 'create'], 2, /experiments create needs a name: orrery experiments create -n <name>/);
    const debug = await orrery(['experiments', 'get', '424242'], { ORRERY_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^orrery: .*424242/);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
