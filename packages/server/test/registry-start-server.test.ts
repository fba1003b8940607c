import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '@orrery/core';
import { startServer, type RunningServer } from '@orrery/server';

const dirs: string[] = [];
const servers: RunningServer[] = [];
async function tempCwd(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orrery-registry-start-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const quiet = createLogger({ name: 'test', level: 'silent' }) as unknown as FastifyBaseLogger;

describe('startServer with a model registry', () => {
  it('opens the registry store at the backend store URI by default, through plugin discovery', async () => {
    const cwd = await tempCwd();
    const server = await startServer({ cwd, port: 0, logger: quiet });
    servers.push(server);
    expect(server.settings.registryStoreUri).toBe(server.settings.backendStoreUri);
    const created = await fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'started' }),
    });
    expect(created.status).toBe(200);
    const search = (await (await fetch(`${server.url}/api/2.0/mlflow/registered-models/search`)).json()) as { registered_models: Array<{ name: string }> };
    expect(search.registered_models.map((m) => m.name)).toEqual(['started']);
  });

  it('opens a separate --registry-store-uri, and refuses one no plugin serves', async () => {
    const cwd = await tempCwd();
    const registryStoreUri = `sqlite:///${path.join(cwd, 'registry.db')}`;
    const server = await startServer({ cwd, port: 0, logger: quiet, registryStoreUri });
    servers.push(server);
    expect(server.settings.registryStoreUri).toBe(registryStoreUri);
    const response = await fetch(`${server.url}/api/2.0/mlflow/registered-models/search`);
    expect(response.status).toBe(200);
    await expect(startServer({ cwd, port: 0, logger: quiet, registryStoreUri: 'nosuch://x' })).rejects.toThrow(/nosuch/);
  });
});
