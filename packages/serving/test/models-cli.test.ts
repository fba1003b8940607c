/**
 * `orrery models predict` (what `mlflow models predict` writes, observed §2) and
 * `orrery models generate-dockerfile` (a directory that serves with plain `node`, outside the
 * workspace), through the CLI on real ONNX models.
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '@orrery/cli';
import { userEnvironment } from '@orrery/testkit';
import { saveLinearModels } from './linear-models.js';
import { post, startServingProcess } from './serving-process.js';

let dir: string;

/**
 * Runs the CLI in this process (the same code as the `orrery` binary; a process per command costs
 * seconds on a busy machine); exit code, stdout and the one-line stderr.
 */
async function orrery(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await runCli(args, { stderr: (t) => (stderr += t), env: userEnvironment() });
    return { code, stdout, stderr };
  } finally {
    spy.mockRestore();
  }
}

const exists = (path: string) => stat(path).then(() => true, () => false);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orrery-models-cli-'));
  await saveLinearModels(dir);
  await writeFile(join(dir, 'in.json'), '{"dataframe_split": {"columns": ["x0", "x1", "x2", "x3"], "data": [[1.0, 2.0, 3.0, 4.0], [0.5, 0, 0, 0]]}}');
  await writeFile(join(dir, 'in.csv'), 'x0,x1,x2,x3\n1.0,2.0,3.0,4.0\n0.5,0,0,0\n');
  await writeFile(join(dir, 'ints.json'), '{"dataframe_split": {"columns": ["x0", "x1", "x2", "x3"], "data": [[1, 2, 3, 4]]}}');
  await writeFile(join(dir, 'ot.json'), '{"inputs": [[1.0, 2.0, 3.0, 4.0]]}');
  for (const [name, args] of Object.entries(COMMANDS)) ran[name] = await orrery(args.map((a) => (/^[a-z-]+\.(json|csv)$|^o[ct]$|^image$/.test(a) ? join(dir, a) : a)));
});

const COMMANDS: Record<string, string[]> = {
  json: ['models', 'predict', '-m', 'oc', '-i', 'in.json', '-o', 'out-json.json', '-t', 'json'],
  csv: ['models', 'predict', '-m', 'oc', '-i', 'in.csv', '-o', 'out-csv.json', '-t', 'csv'],
  stdout: ['models', 'predict', '-m', 'oc', '-i', 'in.json'],
  ints: ['models', 'predict', '-m', 'oc', '-i', 'ints.json', '-o', 'never.json'],
  float64: ['models', 'predict', '-m', 'ot', '-i', 'ot.json'],
  xml: ['models', 'predict', '-m', 'oc', '-i', 'in.json', '-t', 'xml'],
  image: ['models', 'generate-dockerfile', '-m', 'oc', '-d', 'image'],
};
const ran: Record<string, { code: number; stdout: string; stderr: string }> = {};

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('orrery models predict', () => {
  it('writes the predictions file exactly as mlflow models predict does, the same for JSON and CSV input', async () => {
    const json = ran.json!;
    expect(json.code).toBe(0);
    expect(await readFile(join(dir, 'out-json.json'), 'utf8')).toBe('{"predictions": [{"output": 30.5}, {"output": 1.0}]}');
    const csv = ran.csv!;
    expect(csv.code).toBe(0);
    expect(await readFile(join(dir, 'out-csv.json'), 'utf8')).toBe('{"predictions": [{"output": 30.5}, {"output": 1.0}]}');
  });

  it('prints to stdout without -o', async () => {
    const result = ran.stdout!;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('{"predictions": [{"output": 30.5}, {"output": 1.0}]}');
  });

  it('does not widen ints to doubles (unlike the server): exit 1, one line, no output file', async () => {
    const result = ran.ints!;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^orrery: .*Incompatible input types for column x0\. Can not safely convert int64 to float64\.\n$/);
    expect(await exists(join(dir, 'never.json'))).toBe(false);
  });

  it('refuses float64 for a float32 tensor (the server casts it)', async () => {
    const result = ran.float64!;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/dtype of input float64 does not match expected dtype float32/);
  });

  it('refuses an unknown -t with a usage error', async () => {
    const result = ran.xml!;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown content type 'xml'/);
  });
});

describe('orrery models generate-dockerfile', () => {
  it('writes a node:20-slim Dockerfile and a directory that plain node serves outside the workspace, with 2 processes', async () => {
    const result = ran.image!;
    expect(result.code).toBe(0);
    const dockerfile = await readFile(join(dir, 'image', 'Dockerfile'), 'utf8');
    const steps = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));
    expect(steps).toEqual([
      'FROM node:20-slim',
      'WORKDIR /opt/orrery',
      'COPY . /opt/orrery',
      'ENV PORT=8080 HOST=0.0.0.0 NODE_ENV=production',
      'EXPOSE 8080',
      'ENTRYPOINT ["node", "/opt/orrery/serve.mjs"]',
    ]);
    expect(await exists(join(dir, 'image', 'model', 'MLmodel'))).toBe(true);
    // Moved where no workspace node_modules can be found, it still serves.
    const outside = await mkdtemp(join(tmpdir(), 'orrery-image-'));
    try {
      await cp(join(dir, 'image'), outside, { recursive: true });
      // Two processes sharing the port (node:cluster), stopped together by one SIGTERM.
      const server = await startServingProcess(['serve.mjs'], { cwd: outside, env: { PORT: '0', HOST: '127.0.0.1', ORRERY_SERVING_WORKERS: '2' } });
      try {
        const answer = await post(`${server.url}/invocations`, JSON.stringify({ dataframe_split: { columns: ['x0', 'x1', 'x2', 'x3'], data: [[1, 2, 3, 4]] } }));
        expect(answer.text).toBe('{"predictions": [{"output": 30.5}]}');
        expect(server.output()).toMatch(/2 processes/);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
