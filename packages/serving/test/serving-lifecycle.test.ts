/**
 * One server process on `models:/linear@champion`: the Open Inference Protocol, /metrics, the
 * registry alias moving to another version while requests keep coming (none dropped), and a
 * graceful stop that finishes the requests in flight.
 */
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_SERVER, post, startServingProcess, type ServingProcess } from './serving-process.js';

let dir: string;
let server: ServingProcess;

async function setAlias(version: string): Promise<void> {
  // Written atomically so the watcher never reads half a file.
  await writeFile(join(dir, 'alias.json.tmp'), JSON.stringify({ version }));
  await rename(join(dir, 'alias.json.tmp'), join(dir, 'alias.json'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orrery-serving-life-'));
  for (const [version, bias] of [['1', 0.5], ['2', 100.5]] as const) {
    await mkdir(join(dir, `v${version}`));
    await writeFile(join(dir, `v${version}`, 'linear.json'), JSON.stringify({ signature: 'tensors', bias }));
  }
  await setAlias('1');
  server = await startServingProcess([FIXTURE_SERVER, 'models:/linear@champion', JSON.stringify({ watchIntervalSeconds: 0.2, timeoutSeconds: 2 })], {
    env: { FIXTURE_REGISTRY: dir },
  });
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const infer = (body: unknown, name = 'linear') => post(`${server.url}/v2/models/${name}/infer`, JSON.stringify(body));
const fourOnes = { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [[1, 2, 3, 4], [1, 1, 1, 1]] }] };

describe('Open Inference Protocol v2', () => {
  it('health, server and model metadata', async () => {
    expect(await (await fetch(`${server.url}/v2/health/live`)).json()).toEqual({ live: true });
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    const metadata = await (await fetch(`${server.url}/v2/models/linear`)).json();
    expect(metadata).toEqual({
      name: 'linear',
      versions: ['1'],
      platform: 'orrery-onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1] }],
    });
    expect((await fetch(`${server.url}/v2/models/linear/versions/1`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/models/linear/ready`)).status).toBe(200);
  });

  it('infers: outputs with name, shape, datatype and flat data; the request id comes back', async () => {
    const answer = await infer({ id: 'req-1', ...fourOnes });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({
      model_name: 'linear',
      model_version: '1',
      id: 'req-1',
      outputs: [{ name: 'output', datatype: 'FP32', shape: [2, 1], data: [30.5, 10.5] }],
    });
  });

  it('refuses an unknown model (404), a bad datatype and data that does not fill the shape (400), as {error}', async () => {
    const unknown = await infer(fourOnes, 'other');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: expect.stringContaining("serves 'linear'") });
    const datatype = await infer({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FLOAT', data: [1, 2, 3, 4] }] });
    expect(datatype.status).toBe(400);
    expect((datatype.json() as { error: string }).error).toMatch(/datatype must be one of/);
    const short = await infer({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    expect(short.status).toBe(400);
    expect((short.json() as { error: string }).error).toMatch(/holds 8 values, data has 4/);
    const shape = await infer({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] });
    expect(shape.status).toBe(400);
    expect((shape.json() as { error: string }).error).toMatch(/does not match expected shape \(-1, 4\)/);
  });
});

describe('/metrics', () => {
  it('reports request latency by route, batch sizes, queue time and the served version', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/orrery_serving_request_duration_seconds_count\{route="\/v2\/models\/\{name\}\/infer",status="200"\} \d+/);
    expect(text).toMatch(/orrery_serving_batch_size_count \d+/);
    expect(text).toMatch(/orrery_serving_queue_duration_seconds_bucket/);
    expect(text).toMatch(/orrery_serving_model_info\{name="linear",version="1",flavor="onnx"\} 1/);
  });
});

describe('--timeout', () => {
  it('answers 503 TEMPORARILY_UNAVAILABLE when the model takes longer', async () => {
    const slow = await post(`${server.url}/invocations`, JSON.stringify({ inputs: [[1, 2, 3, 4]], params: { delayMs: 2500 } }));
    expect(slow.status).toBe(503);
    expect(slow.json()).toEqual({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'The model did not answer within 2 seconds (--timeout).' });
  });
});

describe('registry alias following', () => {
  it('switches to the version the alias moved to without failing a request', async () => {
    const statuses: number[] = [];
    const answers: number[] = [];
    let stop = false;
    // Ten clients keep scoring while the alias moves.
    const clients = Array.from({ length: 10 }, async () => {
      while (!stop) {
        const answer = await post(`${server.url}/invocations`, JSON.stringify({ inputs: [[1, 2, 3, 4]] }));
        statuses.push(answer.status);
        if (answer.status === 200) answers.push((answer.json() as { predictions: { output: number[][] } }).predictions.output[0]![0]!);
      }
    });
    while (answers.length < 20) await new Promise((r) => setTimeout(r, 20));
    await setAlias('2');
    const deadline = Date.now() + 30_000;
    while (answers.at(-1) !== 130.5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const switchedAt = answers.length;
    while (answers.length < switchedAt + 20) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(clients);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(new Set(answers)).toEqual(new Set([30.5, 130.5]));
    // Once the new version answered, the old one never does again.
    const firstNew = answers.indexOf(130.5);
    expect(answers.slice(firstNew + 10).every((a) => a === 130.5)).toBe(true);
    expect(await (await fetch(`${server.url}/v2/models/linear`)).json()).toMatchObject({ versions: ['2'] });
    expect(server.output()).toMatch(/now serving version 2/);
  });
});

describe('graceful shutdown', () => {
  it('finishes the requests in flight, then exits 0', async () => {
    const slow = Array.from({ length: 5 }, () =>
      post(`${server.url}/invocations`, JSON.stringify({ inputs: [[1, 2, 3, 4]], params: { delayMs: 150 } })),
    );
    // The five run one after another in the inference thread (params keep them out of a batch);
    // stop once the server holds all of them (the scrape itself is the sixth).
    for (;;) {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      if (Number(/orrery_serving_requests_in_flight (\d+)/.exec(text)?.[1]) >= 6) break;
    }
    const exit = server.stop();
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]!.json()).toEqual({ predictions: { output: [[130.5]] } });
    expect(await exit).toBe(0);
  });
});
