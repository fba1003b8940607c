/**
 * Batching's data side and the Python-style JSON, on a LoadedModel written here (a unit that talks
 * to nothing): merged requests answer exactly what they answer alone, a bad request in a batch
 * fails alone, and numbers are spelt as Python's json writes them.
 */
import { describe, expect, it } from 'vitest';
import { OrreryError } from '@orrery/core';
import type { LoadedModel, ModelInput, ModelOutput } from '@orrery/models';
import { pythonFloat, pythonJson, scoreBatch, type BatchItem } from '@orrery/serving';

/** y = sum of a row's x columns, as a float64 DataFrame column; counts its calls. */
function summingModel(): LoadedModel & { calls: number[] } {
  const calls: number[] = [];
  return {
    flavor: 'test',
    mlmodel: {} as LoadedModel['mlmodel'],
    signature: {
      inputs: { kind: 'columns', columns: ['a', 'b'].map((name) => ({ type: 'double' as const, name, required: true })) },
      outputs: { kind: 'columns', columns: [{ type: 'double', name: 'y', required: true }] },
    },
    metadata: undefined,
    calls,
    async predict(input: ModelInput): Promise<ModelOutput> {
      if (input.kind !== 'dataframe') throw new OrreryError('INVALID_PARAMETER_VALUE', 'Model is missing inputs.');
      const at = ['a', 'b'].map((c) => input.frame.columns.indexOf(c));
      if (at.includes(-1)) throw new OrreryError('INVALID_PARAMETER_VALUE', "Model is missing inputs ['b'].");
      calls.push(input.frame.rows.length);
      return { kind: 'dataframe', frame: { columns: ['y'], rows: input.frame.rows.map((r) => [(r[at[0]!] as number) + (r[at[1]!] as number)]) } };
    },
    async close() {},
  };
}

const info = { name: 'm', version: undefined, flavor: 'test', signature: undefined };
const item = (data: unknown[][], columns = ['a', 'b']): BatchItem => ({
  protocol: 'mlflow',
  format: 'json',
  body: JSON.stringify({ dataframe_split: { columns, data } }),
});

describe('scoreBatch', () => {
  it('scores requests of one layout in one model call, each answered with its own rows', async () => {
    const model = summingModel();
    const result = await scoreBatch(model, [item([[1, 2]]), item([[3, 4], [5, 6]]), item([[0.5, 0]])], info);
    expect(model.calls).toEqual([4]);
    expect(result.calls).toEqual([3]);
    expect(result.responses.map((r) => r.body)).toEqual([
      '{"predictions": [{"y": 3.0}]}',
      '{"predictions": [{"y": 7.0}, {"y": 11.0}]}',
      '{"predictions": [{"y": 0.5}]}',
    ]);
  });

  it('a request that fails its signature fails alone; its neighbours are answered', async () => {
    const model = summingModel();
    const result = await scoreBatch(model, [item([[1, 2]]), item([[1]], ['a']), item('x' as never)], info);
    expect(result.responses.map((r) => r.status)).toEqual([200, 400, 400]);
    expect(JSON.parse(result.responses[1]!.body)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/missing inputs \['b'\]/) });
    expect(result.responses[0]!.body).toBe('{"predictions": [{"y": 3.0}]}');
  });

  it('keeps model calls under maxBatchRows rows', async () => {
    const model = summingModel();
    await scoreBatch(model, [item([[1, 1], [1, 1]]), item([[1, 1], [1, 1]]), item([[1, 1]])], info, 3);
    expect(model.calls).toEqual([2, 3]);
  });
});

describe('Python JSON spelling', () => {
  it('writes floats as repr does and NaN/Infinity bare', () => {
    expect([1, 30.5, 1e16, 1e-5, 0.0001, 123456789012345680000, -0, NaN, -Infinity, 0.1 + 0.2].map(pythonFloat)).toEqual([
      '1.0', '30.5', '1e+16', '1e-05', '0.0001', '1.2345678901234568e+20', '-0.0', 'NaN', '-Infinity', '0.30000000000000004',
    ]);
    expect(pythonJson({ é: [1, 'ü', null, true] })).toBe('{"\\u00e9": [1, "\\u00fc", null, true]}');
  });
});
