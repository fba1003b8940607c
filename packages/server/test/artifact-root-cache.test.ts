/**
 * The server opens one artifact repository per trusted root and keeps it while it runs:
 * `artifacts/list` on many runs below one remote root is one `create` (one FTP or SFTP login), not
 * one per request; closing the server closes it. The plugin here counts its `create` and `close`
 * calls and records the URI each repository was opened with, so the test also shows that a client's
 * location only ever selects a configured root (and its credentials), never names one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '@orrery/server';

interface Counts {
  created: string[];
  closed: number;
  listed: string[];
}
const counts = (): Counts => ((globalThis as { __countingRepository?: Counts }).__countingRepository ??= { created: [], closed: 0, listed: [] });

const COUNTING_PLUGIN = `
const counts = () => (globalThis.__countingRepository ??= { created: [], closed: 0, listed: [] });
export default {
  kind: 'artifactRepository',
  apiVersion: 1,
  schemes: ['counting'],
  async create({ uri }) {
    counts().created.push(uri);
    return {
      async listArtifacts(path) {
        counts().listed.push(path ?? '');
        return [{ path: (path ? path + '/' : '') + 'model.pkl', isDir: false, fileSize: 3 }];
      },
      async close() { counts().closed += 1; },
    };
  },
};
`;

let cwd: string;
let server: RunningServer | undefined;
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'orrery-root-cache-'));
  const root = path.join(cwd, 'node_modules', 'orrery-plugin-counting');
  mkdirSync(root, { recursive: true });
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ name: 'orrery-plugin-counting', version: '1.0.0', type: 'module', orrery: { artifactRepository: { counting: './counting.js' } } }),
  );
  writeFileSync(path.join(root, 'counting.js'), COUNTING_PLUGIN);
  Object.assign(counts(), { created: [], closed: 0, listed: [] });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(cwd, { recursive: true, force: true });
});

async function call(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server!.url}/api/2.0/mlflow/${route}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function runUnder(location: string, name: string): Promise<string> {
  const { experiment_id } = (await call('POST', 'experiments/create', { name, artifact_location: location })) as { experiment_id: string };
  const { run } = (await call('POST', 'runs/create', { experiment_id })) as { run: { info: { run_id: string } } };
  return run.info.run_id;
}

describe('artifact repositories per trusted root', () => {
  it('lists many runs below one root with one repository, closed when the server closes', async () => {
    server = await startServer({ cwd, port: 0, allowedArtifactRoots: ['counting://deploy@store.example/root'] });
    const runs = [await runUnder('counting://deploy@store.example/root/a', 'a'), await runUnder('counting://deploy@store.example/root/b', 'b')];
    for (const runId of [...runs, ...runs]) {
      const listed = await call('GET', `artifacts/list?run_id=${runId}`);
      // Paths are relative to the run's root, as when the run's own root was opened.
      expect(listed.files).toEqual([{ path: 'model.pkl', is_dir: false, file_size: 3 }]);
    }
    const sub = await call('GET', `artifacts/list?run_id=${runs[0]!}&path=model`);
    expect(sub.files).toEqual([{ path: 'model/model.pkl', is_dir: false, file_size: 3 }]);

    expect(counts().created).toEqual(['counting://deploy@store.example/root']);
    expect(counts().listed.slice(0, 2)).toEqual([`a/${runs[0]!}/artifacts`, `b/${runs[1]!}/artifacts`]);
    expect(counts().closed).toBe(0);
    await server.close();
    server = undefined;
    expect(counts().closed).toBe(1);
  });

  it("opens each root with that root's own URI: a client's location picks a root, never another root's credentials", async () => {
    server = await startServer({
      cwd,
      port: 0,
      allowedArtifactRoots: ['counting://alice@store.example/root?key_path=/etc/alice', 'counting://bob@store.example/root?key_path=/etc/bob'],
    });
    const alice = await runUnder('counting://alice@store.example/root/x', 'x');
    const bob = await runUnder('counting://bob@store.example/root/y', 'y');
    await call('GET', `artifacts/list?run_id=${bob}`);
    await call('GET', `artifacts/list?run_id=${alice}`);
    await call('GET', `artifacts/list?run_id=${bob}`);
    expect(counts().created).toEqual(['counting://bob@store.example/root?key_path=/etc/bob', 'counting://alice@store.example/root?key_path=/etc/alice']);

    // A user the server has no root for is refused without opening anything.
    const mallory = await runUnder('counting://mallory@store.example/root/z', 'z');
    const response = await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${mallory}`);
    expect(response.status).toBe(403);
    expect(counts().created).toHaveLength(2);
  });
});
