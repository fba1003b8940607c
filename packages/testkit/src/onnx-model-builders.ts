/**
 * ONNX models written in code, for tests and benchmarks: a few protobuf fields of onnx.proto
 * (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto) encoded by hand, so no model is
 * downloaded and no protobuf library is needed. Field numbers are those of onnx/onnx.proto.
 */

/** ONNX TensorProto.DataType codes used here. */
const ONNX_FLOAT = 1;
const ONNX_INT64 = 7;
const ONNX_DOUBLE = 11;

type ElemType = 'float32' | 'float64' | 'int64';
const ELEM_CODE: Record<ElemType, number> = { float32: ONNX_FLOAT, float64: ONNX_DOUBLE, int64: ONNX_INT64 };

/** Protobuf wire encoding: varints, length-delimited fields and fixed 32-bit floats. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.parts.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const buffer = new Uint8Array(4);
    new DataView(buffer.buffer).setFloat32(0, value, true);
    this.parts.push(buffer);
    return this;
  }

  finish(): Uint8Array {
    const total = this.parts.reduce((sum, part) => sum + part.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

/** A dimension: a fixed size, or a name for a size known only at run time (the batch). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  elemType: ElemType;
  shape: OnnxDim[];
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  /** float32 values. */
  values: number[];
}

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Integer attributes (e.g. Gemm's transB, Cast's to). */
  intAttributes?: Record<string, number>;
}

export interface OnnxGraphSpec {
  name?: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: OnnxInitializer[];
  nodes: OnnxNode[];
  opset?: number;
  producerName?: string;
}

function writeValueInfo(writer: ProtoWriter, info: OnnxValueInfo): void {
  writer.string(1, info.name).message(2, (type) =>
    type.message(1, (tensorType) =>
      tensorType.int(1, ELEM_CODE[info.elemType]).message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
        }
      }),
    ),
  );
}

/** Encodes a one-graph ONNX model (IR version 8, the default opset 13). */
export function buildOnnxModel(spec: OnnxGraphSpec): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8);
  model.string(2, spec.producerName ?? 'orrery-testkit');
  model.message(7, (graph) => {
    for (const node of spec.nodes) {
      graph.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(4, node.opType);
        for (const [name, value] of Object.entries(node.intAttributes ?? {})) {
          // AttributeProto: name = 1, i = 3, type = 20 (INT = 2).
          n.message(5, (attribute) => attribute.string(1, name).int(3, value).int(20, 2));
        }
      });
    }
    graph.string(2, spec.name ?? 'graph');
    for (const init of spec.initializers ?? []) {
      graph.message(5, (tensor) => {
        for (const dim of init.dims) tensor.int(1, dim);
        tensor.int(2, ONNX_FLOAT);
        for (const value of init.values) tensor.float(4, value);
        tensor.string(8, init.name);
      });
    }
    for (const input of spec.inputs) graph.message(11, (w) => writeValueInfo(w, input));
    for (const output of spec.outputs) graph.message(12, (w) => writeValueInfo(w, output));
  });
  model.message(8, (opset) => opset.string(1, '').int(2, spec.opset ?? 13));
  return model.finish();
}

/**
 * y = x0 + 2·x1 + 3·x2 + 4·x3 + 0.5: one float32 input `input` (N, 4), one output `output` (N, 1).
 * The model MLflow's observations use (with a column signature x0..x3 or a tensor signature).
 */
export function linearOnnxModel(options: { weights?: number[]; bias?: number } = {}): Uint8Array {
  const weights = options.weights ?? [1, 2, 3, 4];
  return buildOnnxModel({
    name: 'linear',
    inputs: [{ name: 'input', elemType: 'float32', shape: ['N', weights.length] }],
    outputs: [{ name: 'output', elemType: 'float32', shape: ['N', 1] }],
    initializers: [
      { name: 'W', dims: [weights.length, 1], values: weights },
      { name: 'B', dims: [1], values: [options.bias ?? 0.5] },
    ],
    nodes: [
      { opType: 'MatMul', inputs: ['input', 'W'], outputs: ['xw'] },
      { opType: 'Add', inputs: ['xw', 'B'], outputs: ['output'] },
    ],
  });
}

/** Deterministic pseudo-random weights in [-1, 1), so an MLP's predictions are reproducible. */
function weightsFrom(seed: number, count: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.round(((state / 2 ** 32) * 2 - 1) * 1000) / 1000;
  });
}

export interface MlpSpec {
  inputs?: number;
  hidden?: number;
  outputs?: number;
  seed?: number;
}

/** The MLP's weights, for computing expected predictions in a test. */
export interface MlpWeights {
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number[];
  inputs: number;
  hidden: number;
  outputs: number;
}

export function mlpWeights(spec: MlpSpec = {}): MlpWeights {
  const inputs = spec.inputs ?? 4;
  const hidden = spec.hidden ?? 16;
  const outputs = spec.outputs ?? 1;
  const all = weightsFrom(spec.seed ?? 7, inputs * hidden + hidden + hidden * outputs + outputs);
  let at = 0;
  const take = (n: number) => all.slice(at, (at += n));
  return { w1: take(inputs * hidden), b1: take(hidden), w2: take(hidden * outputs), b2: take(outputs), inputs, hidden, outputs };
}

/** A two-layer perceptron: `input` float32 (N, inputs) → MatMul, Add, Relu → MatMul, Add → `output` (N, outputs). */
export function mlpOnnxModel(spec: MlpSpec = {}): Uint8Array {
  const w = mlpWeights(spec);
  return buildOnnxModel({
    name: 'mlp',
    inputs: [{ name: 'input', elemType: 'float32', shape: ['N', w.inputs] }],
    outputs: [{ name: 'output', elemType: 'float32', shape: ['N', w.outputs] }],
    initializers: [
      { name: 'W1', dims: [w.inputs, w.hidden], values: w.w1 },
      { name: 'B1', dims: [w.hidden], values: w.b1 },
      { name: 'W2', dims: [w.hidden, w.outputs], values: w.w2 },
      { name: 'B2', dims: [w.outputs], values: w.b2 },
    ],
    nodes: [
      { opType: 'MatMul', inputs: ['input', 'W1'], outputs: ['h0'] },
      { opType: 'Add', inputs: ['h0', 'B1'], outputs: ['h1'] },
      { opType: 'Relu', inputs: ['h1'], outputs: ['h2'] },
      { opType: 'MatMul', inputs: ['h2', 'W2'], outputs: ['o0'] },
      { opType: 'Add', inputs: ['o0', 'B2'], outputs: ['output'] },
    ],
  });
}

/** What the MLP computes for one row, in float64 (compare with a float32 tolerance). */
export function mlpReference(weights: MlpWeights, row: number[]): number[] {
  const hidden = Array.from({ length: weights.hidden }, (_, j) => {
    let sum = weights.b1[j]!;
    for (let i = 0; i < weights.inputs; i += 1) sum += row[i]! * weights.w1[i * weights.hidden + j]!;
    return Math.max(0, sum);
  });
  return Array.from({ length: weights.outputs }, (_, k) => {
    let sum = weights.b2[k]!;
    for (let j = 0; j < weights.hidden; j += 1) sum += hidden[j]! * weights.w2[j * weights.outputs + k]!;
    return sum;
  });
}

/**
 * A model with two named 1-D inputs `a` and `b` (float32, (N,)) and two outputs, `sum` = a + b
 * and `product` = a · b: how MLflow's onnx wrapper feeds a DataFrame column by column.
 */
export function twoInputOnnxModel(): Uint8Array {
  return buildOnnxModel({
    name: 'two_inputs',
    inputs: [
      { name: 'a', elemType: 'float32', shape: ['N'] },
      { name: 'b', elemType: 'float32', shape: ['N'] },
    ],
    outputs: [
      { name: 'sum', elemType: 'float32', shape: ['N'] },
      { name: 'product', elemType: 'float32', shape: ['N'] },
    ],
    nodes: [
      { opType: 'Add', inputs: ['a', 'b'], outputs: ['sum'] },
      { opType: 'Mul', inputs: ['a', 'b'], outputs: ['product'] },
    ],
  });
}
