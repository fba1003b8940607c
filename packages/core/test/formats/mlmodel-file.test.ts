import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMlmodel, toYamlText } from '@orrery/core';

/** The MLmodel that MLflow 2.12.2's `mlflow.onnx.save_model` wrote (docs: observed-2.12.2-wave2.md, section 3). */
const MLFLOW_ONNX_MLMODEL = `flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_session_options: null
    onnx_version: 1.12.0
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.2
mlflow_version: 2.12.2
model_size_bytes: 209
model_uuid: 3ed4d2f1f0d441479facc34917e9c052
saved_input_example_info:
  artifact_path: input_example.json
  format: tf-serving
  type: ndarray
signature:
  inputs: '[{"name": "input", "type": "tensor", "tensor-spec": {"dtype": "float32",
    "shape": [-1, 4]}}]'
  outputs: '[{"name": "output", "type": "tensor", "tensor-spec": {"dtype": "float32",
    "shape": [-1, 1]}}]'
  params: null
utc_time_created: '2026-12-07 20:47:32.864218'
`;

/** MLflow 2.12.2's sklearn flavor with a column signature, as logged to a run (artifact_path, run_id). */
const MLFLOW_SKLEARN_MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.2
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.2.1
mlflow_version: 2.12.2
model_size_bytes: 785
model_uuid: 123e4567890144d6a1b2c3d4e5f60718
run_id: 0a1b2c3d4e5f40718293a4b5c6d7e8f9
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "x0", "required": true}, {"type": "double",
    "name": "x1", "required": true}]'
  outputs: '[{"type": "double", "name": "y", "required": true}]'
  params: null
utc_time_created: '2026-12-07 20:48:01.112233'
`;

describe('parseMlmodel', () => {
  it('reads the MLmodel MLflow 2.12.2 wrote for an ONNX model, signature specs decoded', () => {
    const model = parseMlmodel(MLFLOW_ONNX_MLMODEL);
    expect(Object.keys(model.flavors)).toEqual(['onnx', 'python_function']);
    expect(model.flavors.onnx).toEqual({
      code: null,
      data: 'model.onnx',
      onnx_session_options: null,
      onnx_version: '1.12.0',
      providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
    });
    expect(model.flavors.python_function).toMatchObject({ loader_module: 'mlflow.onnx', python_version: '3.11.2', env: { conda: 'conda.yaml' } });
    expect(model).toMatchObject({
      mlflowVersion: '2.12.2',
      modelSizeBytes: 209,
      modelUuid: '3ed4d2f1f0d441479facc34917e9c052',
      utcTimeCreated: '2026-12-07 20:47:32.864218',
      savedInputExampleInfo: { artifact_path: 'input_example.json', format: 'tf-serving', type: 'ndarray' },
    });
    // The folded single-quoted JSON joins its two lines with a space, as PyYAML reads it.
    expect(model.signature).toEqual({
      inputs: [{ name: 'input', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }],
      outputs: [{ name: 'output', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 1] } }],
    });
    expect(model.artifactPath).toBeUndefined();
    expect(model.raw.signature).toMatchObject({ params: null });
  });

  it('reads a logged sklearn model: run, artifact path, column signature, a UUID that looks like a number', () => {
    const model = parseMlmodel(MLFLOW_SKLEARN_MLMODEL);
    expect(model).toMatchObject({
      artifactPath: 'model',
      runId: '0a1b2c3d4e5f40718293a4b5c6d7e8f9',
      // PyYAML reads 123e4567... as a string (its floats need a decimal point); so must we.
      modelUuid: '123e4567890144d6a1b2c3d4e5f60718',
      modelSizeBytes: 785,
      flavors: { sklearn: { pickled_model: 'model.pkl', sklearn_version: '1.2.1' } },
    });
    expect(model.signature?.inputs).toEqual([
      { type: 'double', name: 'x0', required: true },
      { type: 'double', name: 'x1', required: true },
    ]);
    expect(model.signature?.outputs).toEqual([{ type: 'double', name: 'y', required: true }]);
  });

  it('reads an MLmodel written by toYamlText the same way', () => {
    const written = toYamlText(parseMlmodel(MLFLOW_ONNX_MLMODEL).raw);
    expect(parseMlmodel(written)).toEqual(parseMlmodel(MLFLOW_ONNX_MLMODEL));
  });

  it('refuses files that are not an MLmodel, naming the field and what is allowed', () => {
    const refused = (text: string) => {
      try {
        parseMlmodel(text, 'runs:/r1/model/MLmodel');
      } catch (error) {
        return error as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    expect(refused('- a\n- b\n')).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("runs:/r1/model/MLmodel: an MLmodel file must be a YAML mapping with a 'flavors' key") });
    expect(refused('artifact_path: model\n').message).toContain("'flavors' must be a mapping of flavor name to its settings");
    expect(refused('flavors:\n  sklearn: 3\n').message).toContain("'flavors.sklearn' must be a mapping");
    expect(refused('flavors: {}\nmodel_size_bytes: -1\n').message).toContain("'model_size_bytes' must be a whole number of bytes");
    expect(refused("flavors: {}\nsignature:\n  inputs: '[{\"type\": '\n").message).toContain("'signature.inputs' must hold a JSON list of specs");
    expect(refused("flavors: {}\nsignature:\n  inputs: '{\"type\": \"double\"}'\n").message).toContain("'signature.inputs' must be a list of specs");
    expect(refused('flavors: {}\nrun_id: [1]\n').message).toContain("'run_id' must be a string, not a list");
    expect(refused('flavors: {a: 1\n').message).toContain('is not valid YAML');
  });
});

describe('docs/registry.md, "Reading an MLmodel file"', () => {
  it('gives what the doc shows for the MLmodel it shows', () => {
    const doc = readFileSync(new URL('../../../../docs/registry.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Reading an MLmodel file'));
    const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    const jsonBlock = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yamlBlock).toBeDefined();
    expect(jsonBlock).toBeDefined();
    const { raw, ...model } = parseMlmodel(yamlBlock!, 'runs:/0a1b/model/MLmodel');
    expect(model).toEqual(JSON.parse(jsonBlock!));
    expect(raw.model_uuid).toBe('123e4567890144d6a1b2c3d4e5f60718');
  });
});
