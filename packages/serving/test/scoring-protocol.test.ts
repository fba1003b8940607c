/**
 * MLflow 2.12.2's scoring protocol as observed (shared/mlflow-compat/observed-2.12.2-wave2.md §1),
 * row by row, against `orrery models serve` processes serving real ONNX models built in code: OC
 * (column signature x0..x3 double → float32 `output`) and OT (tensor signature `input` float32
 * (-1, 4) → `output`), y = x0+2x1+3x2+4x3+0.5.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveLinearModels } from './linear-models.js';
import { ORRERY_CLI, post, startServingProcess, type ServingProcess } from './serving-process.js';

let dir: string;
let oc: ServingProcess;
let ot: ServingProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orrery-scoring-'));
  await saveLinearModels(dir);
  const serve = (model: string) => startServingProcess([ORRERY_CLI, 'models', 'serve', '-m', join(dir, model), '-p', '0']);
  [oc, ot] = await Promise.all([serve('oc'), serve('ot')]);
});

afterAll(async () => {
  await Promise.all([oc?.stop(), ot?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const split = (data: unknown[][], columns = ['x0', 'x1', 'x2', 'x3']) => JSON.stringify({ dataframe_split: { columns, data } });
const invocations = (server: ServingProcess) => `${server.url}/invocations`;

function errorOf(answer: { json(): unknown }): { error_code: string; message: string } {
  return answer.json() as { error_code: string; message: string };
}

describe('MLflow routes', () => {
  it('answers /ping and /health with one newline and /version with the bare protocol version', async () => {
    for (const path of ['/ping', '/health']) {
      const response = await fetch(`${oc.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.text()).toBe('\n');
    }
    const version = await fetch(`${oc.url}/version`);
    expect(await version.text()).toBe('2.12.2');
  });

  it('refuses GET /invocations with 405', async () => {
    expect((await fetch(invocations(oc))).status).toBe(405);
  });
});

describe('POST /invocations, column-signature model (OC)', () => {
  it('dataframe_split, 1 row of ints and 3 rows: an object a row, floats written as Python does', async () => {
    const one = await post(invocations(oc), split([[1, 2, 3, 4]]));
    expect(one.status).toBe(200);
    expect(one.contentType).toBe('application/json');
    expect(one.text).toBe('{"predictions": [{"output": 30.5}]}');
    const three = await post(invocations(oc), split([[1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 1, 1]]));
    expect(three.text).toBe('{"predictions": [{"output": 30.5}, {"output": 0.5}, {"output": 10.5}]}');
  });

  it('dataframe_split with index, dataframe_records, instances/inputs list of dicts and inputs dict of columns', async () => {
    const bodies = [
      JSON.stringify({ dataframe_split: { columns: ['x0', 'x1', 'x2', 'x3'], index: [7], data: [[1, 2, 3, 4]] } }),
      JSON.stringify({ dataframe_records: [{ x0: 1, x1: 2, x2: 3, x3: 4 }] }),
      JSON.stringify({ instances: [{ x0: 1, x1: 2, x2: 3, x3: 4 }] }),
      JSON.stringify({ inputs: [{ x0: 1, x1: 2, x2: 3, x3: 4 }] }),
      JSON.stringify({ inputs: { x0: [1], x1: [2], x2: [3], x3: [4] } }),
    ];
    for (const body of bodies) {
      const answer = await post(invocations(oc), body);
      expect(answer.status, body).toBe(200);
      expect(answer.json()).toEqual({ predictions: [{ output: 30.5 }] });
    }
  });

  it('ignores params without a params schema, other top-level keys, extra columns; converts "1.5"', async () => {
    expect((await post(invocations(oc), JSON.stringify({ dataframe_records: [{ x0: 1, x1: 2, x2: 3, x3: 4 }], params: { a: 1 } }))).status).toBe(200);
    expect((await post(invocations(oc), JSON.stringify({ dataframe_records: [{ x0: 1, x1: 2, x2: 3, x3: 4 }], other: true }))).status).toBe(200);
    expect((await post(invocations(oc), split([[1, 2, 3, 4, 9]], ['x0', 'x1', 'x2', 'x3', 'x4']))).json()).toEqual({ predictions: [{ output: 30.5 }] });
    expect((await post(invocations(oc), split([['1.5', 2, 3, 4]]))).json()).toEqual({ predictions: [{ output: 31 }] });
  });

  it('a list of lists is refused by the column signature (400 INVALID_PARAMETER_VALUE naming the missing inputs)', async () => {
    for (const key of ['instances', 'inputs']) {
      const answer = await post(invocations(oc), JSON.stringify({ [key]: [[1, 2, 3, 4]] }));
      expect(answer.status).toBe(400);
      expect(errorOf(answer).error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(errorOf(answer).message).toMatch(/^Failed to predict data '\[\[1\. 2\. 3\. 4\.\]\]'\. \nError: /);
      expect(errorOf(answer).message).toMatch(/x0/);
    }
  });

  it('a missing column: 400 INVALID_PARAMETER_VALUE ending with the missing input', async () => {
    const answer = await post(invocations(oc), split([[1, 2, 3]], ['x0', 'x1', 'x2']));
    expect(answer.status).toBe(400);
    expect(errorOf(answer).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(errorOf(answer).message).toMatch(/Model is missing inputs \['x3'\]\.$/);
  });

  it('"a" in a double column: 400 BAD_REQUEST with MLflow\'s conversion message', async () => {
    const answer = await post(invocations(oc), split([['a', 2, 3, 4]]));
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toEqual({
      error_code: 'BAD_REQUEST',
      message:
        "Invalid input. Data is not compatible with model signature. Failed to convert column x0 to type 'float64'. Error: 'ValueError(\"could not convert string to float: 'a'\")'",
    });
  });

  it('null in a double column predicts NaN, written bare as MLflow does', async () => {
    const answer = await post(invocations(oc), split([[null, 2, 3, 4]]));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('{"predictions": [{"output": NaN}]}');
  });

  it('text/csv with a header (also with charset) answers JSON; without a header the first row is read as the header', async () => {
    for (const type of ['text/csv', 'text/csv; charset=utf-8']) {
      const answer = await post(invocations(oc), 'x0,x1,x2,x3\n1,2,3,4\n', type);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('{"predictions": [{"output": 30.5}]}');
    }
    const headless = await post(invocations(oc), '1,2,3,4\n', 'text/csv');
    expect(headless.status).toBe(400);
    expect(errorOf(headless).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(errorOf(headless).message).toContain('Empty DataFrame\nColumns: [1, 2, 3, 4]');
  });
});

describe('POST /invocations, tensor-signature model (OT)', () => {
  it('inputs / instances list of lists answer a dict of nested lists', async () => {
    const one = await post(invocations(ot), JSON.stringify({ inputs: [[1, 2, 3, 4]] }));
    expect(one.text).toBe('{"predictions": {"output": [[30.5]]}}');
    const three = await post(invocations(ot), JSON.stringify({ instances: [[1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 1, 1]] }));
    expect(three.text).toBe('{"predictions": {"output": [[30.5], [0.5], [10.5]]}}');
  });

  it('instances list of dicts, inputs dict of named tensors and a tensor-valued dataframe_split column', async () => {
    expect((await post(invocations(ot), split([[[1, 2, 3, 4]]], ['input']))).json()).toEqual({ predictions: { output: [[30.5]] } });
    expect((await post(invocations(ot), JSON.stringify({ instances: [{ input: [1, 2, 3, 4] }] }))).json()).toEqual({ predictions: { output: [[30.5]] } });
    expect((await post(invocations(ot), JSON.stringify({ inputs: { input: [[1, 2, 3, 4]] } }))).json()).toEqual({ predictions: { output: [[30.5]] } });
  });

  it('a wrong shape: 400 INVALID_PARAMETER_VALUE naming both shapes', async () => {
    const answer = await post(invocations(ot), JSON.stringify({ inputs: [[1, 2, 3]] }));
    expect(answer.status).toBe(400);
    expect(errorOf(answer).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(errorOf(answer).message).toMatch(/Shape of input \(1, 3\) does not match expected shape \(-1, 4\)\.$/);
  });

  it('"a" in a tensor: 400 BAD_REQUEST "Invalid input. could not convert string to float"', async () => {
    const answer = await post(invocations(ot), JSON.stringify({ inputs: [['a', 2, 3, 4]] }));
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toEqual({ error_code: 'BAD_REQUEST', message: "Invalid input. could not convert string to float: 'a'" });
  });

  it('table input is refused: missing input "input"', async () => {
    const answer = await post(invocations(ot), split([[1, 2, 3, 4]]));
    expect(answer.status).toBe(400);
    expect(errorOf(answer).message).toMatch(/Model is missing inputs \['input'\]/);
  });

  it('CSV cannot be read for a tensor signature (400 BAD_REQUEST as MLflow)', async () => {
    const answer = await post(invocations(ot), 'x0,x1,x2,x3\n1,2,3,4\n', 'text/csv');
    expect(answer.status).toBe(400);
    expect(errorOf(answer).error_code).toBe('BAD_REQUEST');
    expect(errorOf(answer).message).toMatch(/^Failed to parse input as a Pandas DataFrame\..*TensorSpec only supports numpy types, use numpy_types\(\) instead'$/);
  });
});

describe('bad requests, any model', () => {
  const FORMATS = "{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}";

  it('only an unknown key, or two format keys: 400 BAD_REQUEST listing the recognised fields', async () => {
    const unknown = await post(invocations(ot), JSON.stringify({ foo: 1 }));
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown).error_code).toBe('BAD_REQUEST');
    expect(errorOf(unknown).message).toMatch(/^The input must be a JSON dictionary with exactly one of the input fields .*Received dictionary with input fields: \[\]\. IMPORTANT: The MLflow Model scoring protocol has changed/);
    const two = await post(invocations(oc), JSON.stringify({ instances: [], inputs: [] }));
    expect(errorOf(two).message).toContain("Received dictionary with input fields: ['instances', 'inputs']. IMPORTANT:");
  });

  it('a top-level list, invalid JSON and an empty body: 400 BAD_REQUEST with Python\'s decoder message', async () => {
    const list = await post(invocations(oc), '[1]');
    expect(errorOf(list)).toEqual({
      error_code: 'BAD_REQUEST',
      message: `Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${FORMATS}. Received a list.`,
    });
    const invalid = await post(invocations(oc), '{not json');
    expect(invalid.status).toBe(400);
    expect(errorOf(invalid).message).toBe(
      "Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError('Expecting property name enclosed in double quotes: line 1 column 2 (char 1)')'\nInput: \n{not json\n",
    );
    const empty = await post(invocations(oc), '');
    expect(errorOf(empty).message).toBe(
      "Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError('Expecting value: line 1 column 1 (char 0)')'\nInput: \n\n",
    );
  });

  it('415 for text/plain, unknown content-type parameters and no Content-Type (MLflow: 500), as JSON', async () => {
    const plain = await post(invocations(oc), 'x', 'text/plain');
    expect(plain.status).toBe(415);
    expect(errorOf(plain).message).toBe("This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.");
    const format = await post(invocations(oc), '{}', 'application/json; format=pandas-split');
    expect(format.status).toBe(415);
    expect(errorOf(format).message).toMatch(/^Unrecognized content type parameters: format\. IMPORTANT:/);
    const none = await post(invocations(oc), '{}', null);
    expect(none.status).toBe(415);
    expect(none.contentType).toBe('application/json');
  });
});

describe('docs/serving.md', () => {
  it('every curl example answers what the page says (or, without one, a 4xx with an MLflow error body)', async () => {
    const markdown = await readFile(new URL('../../../docs/serving.md', import.meta.url), 'utf8');
    const lines = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')).filter((l) => l.startsWith('curl '));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const line of lines) {
      const [command, expected] = line.split(/\s+# → /);
      const run = command!.replaceAll('http://127.0.0.1:5000', oc.url);
      // The status goes on a line of its own after the body.
      const output = await new Promise<string>((resolve, reject) =>
        execFile('bash', ['-c', `${run} -w '\\n%{http_code}'`], (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
      const code = output.slice(-3);
      const body = output.slice(0, -4);
      if (expected !== undefined) {
        expect(code, line).toBe('200');
        expect(body, line).toBe(expected);
      } else {
        expect(code, line).toMatch(/^4\d\d$/);
        expect(JSON.parse(body), line).toHaveProperty('error_code');
      }
    }
  });
});
