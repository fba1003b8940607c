// The benchmark's model: y = x0+2x1+3x2+4x3+0.5 as a real ONNX model (built in code by testkit),
// saved with a column signature x0..x3 double → float32 `output` (-1, 1), as MLflow's onnx flavor lays it out.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function saveLinearOnnxModel(dir) {
  const { onnx } = await import(pathToFileURL(path.join(root, 'packages/models/dist/index.js')).href);
  // The builders module alone: testkit's index pulls in vitest.
  const { linearOnnxModel } = await import(pathToFileURL(path.join(root, 'packages/testkit/dist/onnx-model-builders.js')).href);
  const columns = ['x0', 'x1', 'x2', 'x3'].map((name) => ({ type: 'double', name, required: true }));
  await onnx.saveModel(linearOnnxModel(), dir, {
    signature: {
      inputs: { kind: 'columns', columns },
      outputs: { kind: 'tensors', tensors: [{ name: 'output', dtype: 'float32', shape: [-1, 1] }] },
    },
  });
}
