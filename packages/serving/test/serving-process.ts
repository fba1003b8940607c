/**
 * A scoring server in a child process, as users run one: either `orrery models serve` (the built
 * CLI) or the test fixture runner with a LoadedModel written in the test. Resolves once it prints
 * "Listening at <url>".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ORRERY_CLI, userEnvironment } from '@orrery/testkit';

export const FIXTURE_SERVER = fileURLToPath(new URL('./fixtures/serve-fixture.mjs', import.meta.url));
export { ORRERY_CLI };

export interface ServingProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startServingProcess(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<ServingProcess> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? process.cwd(),
    env: userEnvironment(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the scoring server did not start:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: string): void => {
      output += chunk;
      const match = /Listening at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the scoring server exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  json(): unknown;
}

/** POSTs a body with a content type (no Content-Type header at all when null). */
export function post(url: string, body: string, contentType: string | null = 'application/json'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(body) };
    if (contentType !== null) headers['Content-Type'] = contentType;
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'] ?? null, text, json: () => JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
