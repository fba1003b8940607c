import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { probeConnection } from './tcp-probe.js';

/** A Docker engine the harness could start containers on. */
export interface DockerEngine {
  /** Where it answers: a `unix://` socket or a `tcp://` address. */
  endpoint: string;
}

export type DockerEngineResult = { found: true; engine: DockerEngine } | { found: false; reason: string };

/** The usual places of the engine's socket (Docker Engine, rootless Docker, Docker Desktop). */
export function defaultDockerSocketPaths(env: Record<string, string | undefined> = process.env): string[] {
  const paths = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  paths.push(join(homedir(), '.docker', 'run', 'docker.sock'));
  return paths;
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}

/**
 * Looks for a reachable Docker engine: `DOCKER_HOST` first (a unix socket or tcp address, which
 * must answer), else the first default socket path that accepts a connection.
 */
export async function findDockerEngine(
  env: Record<string, string | undefined> = process.env,
  socketPaths: readonly string[] = defaultDockerSocketPaths(env),
): Promise<DockerEngineResult> {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) {
      const path = dockerHost.slice('unix://'.length);
      const probe = await probeConnection({ path });
      return probe.open
        ? { found: true, engine: { endpoint: dockerHost } }
        : { found: false, reason: `DOCKER_HOST=${dockerHost} does not answer (${probe.reason})` };
    }
    if (dockerHost.startsWith('tcp://')) {
      const url = new URL(dockerHost);
      const probe = await probeConnection({ host: url.hostname, port: Number(url.port || 2375) });
      return probe.open
        ? { found: true, engine: { endpoint: dockerHost } }
        : { found: false, reason: `DOCKER_HOST=${dockerHost} does not answer (${probe.reason})` };
    }
    return { found: false, reason: `DOCKER_HOST=${dockerHost} is neither unix:// nor tcp://` };
  }
  for (const path of socketPaths) {
    if (!(await isSocket(path))) continue;
    const probe = await probeConnection({ path });
    if (probe.open) return { found: true, engine: { endpoint: `unix://${path}` } };
  }
  return {
    found: false,
    reason: `no Docker engine found (DOCKER_HOST is not set; no socket answers at ${socketPaths.join(', ') || '(no paths)'})`,
  };
}
