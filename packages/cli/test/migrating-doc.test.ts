/**
 * Runs every `orrery` command of docs/migrating-from-mlflow.md (except starting the server) in
 * order, in a folder holding the MLflow stores the page talks about, and checks what the page
 * says they do.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { serverOptionsFrom, startServer, type ServerCommandOptions } from '@orrery/server';
import { mlflowSample } from '@orrery/testkit';
import { createProgram } from '../src/program.js';
import { ok, orrery } from './in-process-cli.js';
import { makeMlflowSqlite, makeMlruns } from './mlflow-store-fixtures.js';

const page = readFileSync(new URL('../../../docs/migrating-from-mlflow.md', import.meta.url), 'utf8');

/** The `orrery` lines of the page's code blocks (`$ orrery ...` in transcripts too), as argument lists. */
function commands(fence: string, prompt = ''): string[][] {
  const found: string[][] = [];
  for (const block of page.matchAll(new RegExp(`\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``, 'g'))) {
    for (const line of block[1]!.split('\n')) {
      if (!line.startsWith(`${prompt}orrery `)) continue;
      const words = line.slice(prompt.length).replace(/\s#.*$/, '').trim().match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
      found.push(words.slice(1).map((w) => w.replace(/^['"]|['"]$/g, '')));
    }
  }
  return found;
}

/** Starts `orrery server` with the shown arguments (on a free port) as the CLI would, and stops it. */
async function serve(args: string[]): Promise<string> {
  const command = createProgram().commands.find((c) => c.name() === 'server')!;
  command.parseOptions([...args, '--port', '0']);
  const options = serverOptionsFrom(command.opts<ServerCommandOptions>(), (name) => command.getOptionValueSource(name) === 'cli');
  const server = await startServer({ ...options, cwd: dir });
  try {
    const response = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=1`);
    return ((await response.json()) as { experiment: { name: string } }).experiment.name;
  } finally {
    await server.close();
  }
}

let dir: string;
let cwd: string;

beforeAll(async () => {
  cwd = process.cwd();
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'orrery-migrating-')));
  await makeMlflowSqlite(path.join(dir, 'mlflow.db'), mlflowSample());
  makeMlruns(path.join(dir, 'mlruns'), mlflowSample(`${pathToFileURL(path.join(dir, 'mlflow-artifacts')).href}/0`));
  const busy = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'busy.db')}`, { defaultArtifactRoot: 'file:///tmp/unused' });
  await busy.createExperiment({ name: 'already-here' });
  await busy.close();
  process.chdir(dir);
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/migrating-from-mlflow.md', () => {
  it('runs every command it shows, with the results it describes', async () => {
    // The transcript at the top: opening the MLflow database as a store names orrery import.
    const [refused] = commands('', '$ ');
    const refusal = await orrery(refused!);
    expect(refusal.code).toBe(1);
    expect(page).toContain(refusal.stderr.trim());

    const shown = commands('sh');
    expect(shown.length).toBeGreaterThanOrEqual(10);
    const outputs: string[] = [];
    for (const args of shown) {
      if (args[0] === 'server') {
        expect(await serve(args.slice(1))).toBe('fraud');
        continue;
      }
      const result = await ok(args);
      outputs.push(result.stdout + result.stderr);
    }
    const [first, files, again, remapped, trusted, copied, gcOld, gcRest, runs] = outputs;
    expect(first).toContain('Count check passed: 3 experiments, 4 runs, 2 registered models.');
    expect(files).toContain('runs 4 new');
    expect(again).toContain('runs 0 new, 4 already there');
    expect(remapped).toContain('Experiment ids changed (MLflow id -> Orrery id):\n  1 -> 2');
    expect(trusted).not.toContain('  s3://team-bucket/mlflow/1\n');
    expect(trusted).toContain('  file:///srv/mlruns/7');
    expect(copied).toContain('its artifact URI is kept');
    expect(gcOld).toContain('has been permanently deleted');
    expect(gcRest).toBe('');
    expect(runs).toContain('brave-owl-1');
  });
});
