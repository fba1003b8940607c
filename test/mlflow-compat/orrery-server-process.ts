/**
 * Runs `orrery server` as users run it: the built CLI in a child process, in a fresh folder, with
 * the default setup (embedded SQLite store, artifacts served through the proxy) on a loopback port
 * the kernel picks. MLflow's clients only ever see it over HTTP, so the tests here do the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startOrreryServerProcess } from '@orrery/testkit';


export interface OrreryServerProcess {
  /** `http://127.0.0.1:<port>`, what `MLFLOW_TRACKING_URI` would be set to. */
  url: string;
  /** The folder the server runs in (its database and proxied artifacts live here). */
  dir: string;
  /** Where the proxy stores files (`--artifacts-destination`). */
  artifactsDir: string;
  /**
   * A folder for experiments whose artifact_location is a local path the clients write to
   * directly; allowed with `--allowed-artifact-root`, so the server lists it (artifacts/list).
   */
  directArtifactsDir: string;
  /** Everything the server wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, wait for the exit, remove the folder. */
  stop(): Promise<void>;
}



/** `extra`: more server flags and environment (e.g. `--app-name basic-auth` with MLFLOW_AUTH_CONFIG_PATH). */
export async function startOrreryServer(extra: { args?: string[]; env?: Record<string, string> } = {}): Promise<OrreryServerProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-mlflow-compat-'));
  const artifactsDir = path.join(dir, 'mlartifacts');
  const directArtifactsDir = path.join(dir, 'direct-artifacts');
  try {
    const server = await startOrreryServerProcess({
      cwd: dir,
      args: [
        '--backend-store-uri',
        `sqlite:///${path.join(dir, 'mlflow.db')}`,
        '--artifacts-destination',
        `file://${artifactsDir}`,
        '--allowed-artifact-root',
        directArtifactsDir,
        ...(extra.args ?? []),
      ],
      ...(extra.env !== undefined ? { env: extra.env } : {}),
    });
    return {
      url: server.url,
      dir,
      artifactsDir,
      directArtifactsDir,
      stderr: server.stderr,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
