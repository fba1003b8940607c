import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Stops it gracefully (SIGTERM) and waits for its exit. */
  stop(): Promise<void>;
}

/** Starts `orrery worker` (the built CLI) and resolves once it takes jobs. */
export function startWorkerProcess(options: { redisUrl: string; queue: string; name: string; stallIntervalMs?: number; concurrency?: number }): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'worker',
      '--redis-url',
      options.redisUrl,
      '--queue',
      options.queue,
      '--name',
      options.name,
      '--stall-interval',
      String(options.stallIntervalMs ?? 1000),
      '--concurrency',
      String(options.concurrency ?? 1),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ORRERY_PLUGINS: '' } },
  );
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString('utf8');
      if (stderr.includes('taking executions')) {
        resolve({
          name: options.name,
          child,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`orrery worker ${options.name} exited with ${code}: ${stderr}`)));
  });
}
