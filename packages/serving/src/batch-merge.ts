/**
 * Adaptive batching's data side: requests whose inputs have the same layout (same columns, same
 * tensor names, dtypes and trailing dimensions, no params) are concatenated along the first axis
 * into one model call, and the output is cut back into each request's rows. An output that does not
 * have one row per input row cannot be cut, so those requests are predicted one by one instead.
 */
import type { ModelInput, ModelOutput, Tensor } from '@orrery/models';

/** A key equal for inputs that can be concatenated; undefined when the input must run alone. */
export function batchKey(input: ModelInput, params: Record<string, unknown> | undefined): string | undefined {
  if (params !== undefined && Object.keys(params).length > 0) return undefined;
  switch (input.kind) {
    case 'dataframe':
      // \u0000 cannot be in a JSON-sent column name without escaping, so joined names do not collide.
      return `f|${input.frame.columns.join('\u0000')}|${input.frame.dtypes?.join(',') ?? ''}`;
    case 'tensor':
      return input.tensor.shape.length === 0 ? undefined : `t|${tensorLayout(input.tensor)}`;
    case 'tensors': {
      const parts: string[] = [];
      let rows: number | undefined;
      for (const [name, t] of Object.entries(input.tensors)) {
        if (t.shape.length === 0) return undefined;
        // Tensors of different lengths in one request cannot be cut back apart.
        if (rows !== undefined && t.shape[0] !== rows) return undefined;
        rows = t.shape[0];
        parts.push(`${JSON.stringify(name)}:${tensorLayout(t)}`);
      }
      return `d|${parts.join(',')}`;
    }
  }
}

function tensorLayout(t: Tensor): string {
  return `${t.dtype}[${t.shape.slice(1).join(',')}]`;
}

type AnyArray = Tensor['data'];

function concatData(parts: AnyArray[]): AnyArray {
  const first = parts[0]!;
  if (Array.isArray(first)) return ([] as unknown[]).concat(...(parts as unknown[][])) as AnyArray;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const Ctor = (first as Float32Array).constructor as new (n: number) => Float32Array;
  const out = new Ctor(total);
  let at = 0;
  for (const p of parts) {
    out.set(p as Float32Array, at);
    at += p.length;
  }
  return out as AnyArray;
}

function concatTensors(tensors: Tensor[]): Tensor {
  const first = tensors[0]!;
  const rows = tensors.reduce((n, t) => n + t.shape[0]!, 0);
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data: concatData(tensors.map((t) => t.data)) };
}

/** Concatenates inputs that share a batch key. */
export function mergeInputs(inputs: ModelInput[]): ModelInput {
  const first = inputs[0]!;
  if (inputs.length === 1) return first;
  switch (first.kind) {
    case 'dataframe':
      return {
        kind: 'dataframe',
        // Same batch key, so the same dtypes.
        frame: { ...first.frame, rows: inputs.flatMap((i) => (i as typeof first).frame.rows) },
      };
    case 'tensor':
      return { kind: 'tensor', tensor: concatTensors(inputs.map((i) => (i as typeof first).tensor)) };
    case 'tensors': {
      const tensors: Record<string, Tensor> = {};
      for (const name of Object.keys(first.tensors)) {
        tensors[name] = concatTensors(inputs.map((i) => (i as typeof first).tensors[name]!));
      }
      return { kind: 'tensors', tensors };
    }
  }
}

function sliceTensor(t: Tensor, from: number, to: number): Tensor {
  let stride = 1;
  for (const d of t.shape.slice(1)) stride *= d;
  return { dtype: t.dtype, shape: [to - from, ...t.shape.slice(1)], data: t.data.slice(from * stride, to * stride) as AnyArray };
}

/** Cuts a merged output back into one output per request; undefined when it has not one row per input row. */
export function splitOutput(output: ModelOutput, rowCounts: number[]): ModelOutput[] | undefined {
  const total = rowCounts.reduce((a, b) => a + b, 0);
  const bounds: Array<[number, number]> = [];
  let at = 0;
  for (const n of rowCounts) {
    bounds.push([at, at + n]);
    at += n;
  }
  switch (output.kind) {
    case 'dataframe': {
      if (output.frame.rows.length !== total) return undefined;
      // Extra fields a frame carries (such as its dtypes) travel with each part.
      return bounds.map(([a, b]) => ({ kind: 'dataframe', frame: { ...output.frame, rows: output.frame.rows.slice(a, b) } }));
    }
    case 'tensor': {
      if (output.tensor.shape.length === 0 || output.tensor.shape[0] !== total) return undefined;
      return bounds.map(([a, b]) => ({ kind: 'tensor', tensor: sliceTensor(output.tensor, a, b) }));
    }
    case 'tensors': {
      const entries = Object.entries(output.tensors);
      if (entries.some(([, t]) => t.shape.length === 0 || t.shape[0] !== total)) return undefined;
      return bounds.map(([a, b]) => ({
        kind: 'tensors',
        tensors: Object.fromEntries(entries.map(([k, t]) => [k, sliceTensor(t, a, b)])),
      }));
    }
    case 'list':
      if (output.values.length !== total) return undefined;
      return bounds.map(([a, b]) => ({ kind: 'list', values: output.values.slice(a, b) }));
  }
}
