/**
 * Runs the scoring server as a program: `--workers` processes sharing one port (node:cluster), a
 * "Listening at" line once every process is up, and a graceful stop on SIGTERM / SIGINT (each
 * process finishes the requests it holds before it exits).
 */
import cluster from 'node:cluster';
import { startScoringServer, type ScoringServerOptions } from './scoring-server.js';

export interface ServeProcessOptions extends ScoringServerOptions {
  /** Server processes. Default 1 (no cluster). */
  workers?: number;
}

interface ListeningMessage {
  orreryServing: 'listening' | 'failed';
  url?: string;
  message?: string;
}

/** Serves until a signal comes; resolves when the server has stopped. */
export async function runServeProcess(options: ServeProcessOptions): Promise<void> {
  const workers = Math.max(1, options.workers ?? 1);
  if (workers > 1 && cluster.isPrimary) return runPrimary(options, workers);
  const server = await startScoringServer(options).catch((error: unknown) => {
    if (cluster.isWorker) process.send?.({ orreryServing: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies ListeningMessage);
    throw error;
  });
  if (cluster.isWorker) process.send?.({ orreryServing: 'listening', url: server.url } satisfies ListeningMessage);
  else process.stderr.write(`Listening at ${server.url} (model ${options.modelUri}${server.modelVersion() ? ` version ${server.modelVersion()}` : ''})\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      if (!cluster.isWorker) process.stderr.write(`orrery models serve: ${signal}: stopping after the requests in flight\n`);
      // A cluster worker's IPC channel would keep it alive after the server stopped.
      void server.close().then(() => {
        cluster.worker?.disconnect();
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

async function runPrimary(options: ServeProcessOptions, workers: number): Promise<void> {
  const children = Array.from({ length: workers }, () => cluster.fork());
  const urls = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          child.on('message', (message: ListeningMessage) => {
            if (message.orreryServing === 'listening') resolve(message.url!);
            else if (message.orreryServing === 'failed') reject(new Error(message.message));
          });
          child.once('exit', (code) => reject(new Error(`a server process exited (code ${code}) before it listened`)));
        }),
    ),
  ).catch((error: unknown) => {
    for (const child of children) child.kill('SIGTERM');
    throw error;
  });
  process.stderr.write(`Listening at ${urls[0]} (model ${options.modelUri}, ${workers} processes)\n`);
  await new Promise<void>((resolve) => {
    let left = children.length;
    for (const child of children) child.once('exit', () => --left === 0 && resolve());
    const stop = (signal: NodeJS.Signals): void => {
      process.stderr.write(`orrery models serve: ${signal}: stopping ${children.length} processes after the requests they hold\n`);
      for (const child of children) if (child.isConnected()) child.process.kill('SIGTERM');
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
