/**
 * The models of MLflow's observations, as real ONNX models built in code: y = x0+2x1+3x2+4x3+0.5
 * with a column signature (OC: x0..x3 double → float32 `output`) and with a tensor signature
 * (OT: `input` float32 (-1, 4) → `output`), saved as `<dir>/oc` and `<dir>/ot`.
 */
import { join } from 'node:path';
import { onnx, type ModelSignature } from '@orrery/models';
import { linearOnnxModel } from '@orrery/testkit';

export async function saveLinearModels(dir: string): Promise<void> {
  const output: ModelSignature['outputs'] = { kind: 'tensors', tensors: [{ name: 'output', dtype: 'float32', shape: [-1, 1] }] };
  const columns = ['x0', 'x1', 'x2', 'x3'].map((name) => ({ type: 'double' as const, name, required: true }));
  await onnx.saveModel(linearOnnxModel(), join(dir, 'oc'), { signature: { inputs: { kind: 'columns', columns }, outputs: output } });
  await onnx.saveModel(linearOnnxModel(), join(dir, 'ot'), {
    signature: { inputs: { kind: 'tensors', tensors: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }] }, outputs: output },
  });
}
